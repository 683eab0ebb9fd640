from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/profile/findable/", views.findable_answer, name="findable_answer"),
    path("me/cv/", views.cv_download, name="cv_download"),
    path("me/cv/delete/", views.cv_delete, name="cv_delete"),
    path("me/availability/", views.availability, name="availability"),
    path(
        "me/availability/<int:pk>/delete/",
        views.availability_delete,
        name="availability_delete",
    ),
    path("me/blocks/<int:pk>/delete/", views.unblock_studio, name="unblock_studio"),
    path("me/data/", views.data_export, name="data_export"),
    path("me/delete/", views.account_delete, name="account_delete"),
    path("studios/new/", views.studio_create, name="studio_create"),
    path("studio/crew/", views.crew_search, name="crew_search"),
    path("studio/crew/invite/", views.crew_invite, name="crew_invite"),
    # Tokens are URL-safe base64 (secrets.token_urlsafe): the slug converter refuses anything
    # else, such as a NUL byte, before the database sees it.
    path("studios/invitations/<slug:token>/", views.invitation_accept, name="invitation_accept"),
    path("studios/<slug:slug>/", views.studio_detail, name="studio_detail"),
    path("studios/<slug:slug>/team/", views.studio_team, name="studio_team"),
    path(
        "studios/<slug:slug>/team/<int:pk>/remove/",
        views.studio_member_remove,
        name="studio_member_remove",
    ),
    path(
        "studios/<slug:slug>/invitations/<int:pk>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
]
