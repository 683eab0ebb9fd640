from jobboard.mail import absolute_url, email_user


def new_application(application) -> None:
    """Members of the studio who asked for an email per application get one."""
    from accounts.models import StudioMembership

    role = application.role
    memberships = StudioMembership.objects.filter(
        studio_id=role.shoot.studio_id, notify_new_applications=StudioMembership.Notify.EACH
    ).select_related("user")
    context = {
        "role": role.title,
        "shoot": role.shoot.title,
        "applicant": application.applicant.name or application.applicant.email,
        "url": absolute_url(role.shoot.get_absolute_url()),
    }
    for membership in memberships:
        email_user(membership.user, "new_application", context)


def status_changed(application, note: str = "") -> None:
    """The applicant hears of every status change."""
    role = application.role
    email_user(
        application.applicant,
        "application_status_changed",
        {
            "role": role.title,
            "shoot": role.shoot.title,
            "studio": role.shoot.studio.name,
            "status": application.status,
            "note": note,
            "url": absolute_url("/"),
        },
    )
