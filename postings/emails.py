from jobboard.mail import absolute_url, email_user


def shoot_reviewed(shoot) -> None:
    """Tell the studio's members that a moderator approved the shoot or asked for changes."""
    from accounts.models import User

    context = {
        "shoot": shoot.title,
        "status": shoot.status,
        "reason": shoot.rejection_reason,
        "url": absolute_url(shoot.get_absolute_url()),
    }
    for member in User.objects.filter(studio_memberships__studio_id=shoot.studio_id):
        email_user(member, "shoot_reviewed", context)
