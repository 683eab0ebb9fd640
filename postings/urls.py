from django.contrib.auth.decorators import login_not_required
from django.urls import path

from postings import alerts, views
from postings.feeds import RoleFeed
from postings.sitemaps import RoleSitemap

app_name = "postings"

sitemaps = {"roles": RoleSitemap}

urlpatterns = [
    path("roles/", views.role_list, name="role_list"),
    path("roles/feed/", login_not_required(RoleFeed()), name="feed"),
    path("roles/<int:pk>/", views.role_detail, name="role_detail"),
    path("shoots/<int:pk>/", views.call_sheet, name="call_sheet"),
    path("shoots/<int:pk>/report/", views.report, name="report"),
    path("studio/shoots/", views.my_shoots, name="my_shoots"),
    path("studio/shoots/new/", views.shoot_create, name="shoot_create"),
    path("studio/shoots/<int:pk>/edit/", views.shoot_edit, name="shoot_edit"),
    path("studio/shoots/<int:pk>/submit/", views.shoot_submit, name="shoot_submit"),
    path("studio/shoots/<int:pk>/close/", views.shoot_close, name="shoot_close"),
    path("studio/shoots/<int:pk>/cancel/", views.shoot_cancel, name="shoot_cancel"),
    path("studio/shoots/<int:pk>/duplicate/", views.shoot_duplicate, name="shoot_duplicate"),
    path("me/alerts/", alerts.alert_list, name="alert_list"),
    path("me/alerts/new/", alerts.alert_create, name="alert_create"),
    path("me/alerts/<int:pk>/edit/", alerts.alert_edit, name="alert_edit"),
    path("me/alerts/<int:pk>/pause/", alerts.alert_pause, name="alert_pause"),
    path("me/alerts/<int:pk>/resume/", alerts.alert_resume, name="alert_resume"),
    path("me/alerts/<int:pk>/delete/", alerts.alert_delete, name="alert_delete"),
    path("alerts/unsubscribe/<str:token>/", alerts.alert_unsubscribe, name="alert_unsubscribe"),
]
