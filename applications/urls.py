from django.urls import path

from applications import team_views, thread_views, views

app_name = "applications"

urlpatterns = [
    path("roles/<int:pk>/apply/", views.apply, name="apply"),
    path("me/applications/", views.my_applications, name="my_applications"),
    path("me/applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("me/applications/<int:pk>/accept/", views.accept, name="accept"),
    path("me/applications/<int:pk>/decline/", views.decline, name="decline"),
    path("me/wraps/<int:pk>/", views.wrap, name="wrap"),
    path("me/invitations/<int:pk>/decline/", views.invitation_decline, name="invitation_decline"),
    path("studio/shoots/<int:pk>/applicants/", views.pipeline, name="pipeline"),
    path("studio/shoots/<int:pk>/wrap/", views.shoot_wrap, name="shoot_wrap"),
    path(
        "studio/shoots/<int:pk>/wrap/<int:wrap_pk>/<slug:action>/",
        views.shoot_wrap_action,
        name="shoot_wrap_action",
    ),
    path("studio/shoots/<int:pk>/applicants.csv", views.pipeline_csv, name="pipeline_csv"),
    path("studio/shoots/<int:pk>/applicants/reject/", views.bulk_reject, name="bulk_reject"),
    path(
        "studio/applications/<int:pk>/<slug:action>/",
        views.pipeline_action,
        name="pipeline_action",
    ),
    path("applications/<int:pk>/cv/", views.cv, name="cv"),
    path("me/messages/", thread_views.inbox, name="inbox"),
    path("applications/<int:pk>/messages/", thread_views.thread, name="thread"),
    path(
        "applications/<int:pk>/messages/emails/",
        thread_views.message_emails,
        name="message_emails",
    ),
    path(
        "messages/<int:pk>/attachment/",
        thread_views.message_attachment,
        name="message_attachment",
    ),
    path("messages/<int:pk>/report/", thread_views.message_report, name="message_report"),
    path("me/teams/", team_views.teams, name="teams"),
    path("me/teams/new/", team_views.team_create, name="team_create"),
    path("me/teams/<int:pk>/invite/", team_views.team_invite, name="team_invite"),
    path(
        "me/teams/<int:pk>/members/<int:member_pk>/remove/",
        team_views.team_member_remove,
        name="team_member_remove",
    ),
    path("me/teams/join/<slug:token>/", team_views.team_join, name="team_join"),
    path("shoots/<int:pk>/apply-as-team/", team_views.team_apply, name="team_apply"),
    path(
        "me/team-applications/<int:pk>/<slug:action>/",
        team_views.team_application_action,
        name="team_application_action",
    ),
    path(
        "studio/team-applications/<int:pk>/<slug:action>/",
        team_views.team_pipeline_action,
        name="team_pipeline_action",
    ),
]
