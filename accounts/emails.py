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


def studio_invitation(invitation) -> None:
    """The accept link, to an address that may not have an account yet."""
    from accounts.models import User

    user = User.objects.filter(email__iexact=invitation.email).first() or User(
        email=invitation.email, is_active=True
    )
    if user.pk is None:
        user.preferred_language = (
            invitation.invited_by.preferred_language if invitation.invited_by else ""
        )
    email_user(
        user,
        "studio_invitation",
        {
            "studio": invitation.studio.name,
            "verified": invitation.studio.is_verified,
            "invited_by": str(invitation.invited_by or ""),
            "url": absolute_url(invitation.get_absolute_url()),
        },
    )
