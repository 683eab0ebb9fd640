from jobboard.mail import absolute_url, email_user


def studio_status_changed(studio) -> None:
    """Tell every owner that their studio was verified, rejected or suspended."""
    context = {
        "studio": studio.name,
        "status": studio.verification_status,
        "reason": studio.status_reason,
        "url": absolute_url(studio.get_absolute_url()),
    }
    for owner in studio.owners():
        email_user(owner, "studio_status_changed", context)
