from django.urls import reverse

from jobboard.mail import absolute_url, email_user


def _email_studio(shoot, template: str, context: dict) -> None:
    """One email to each member of the shoot's studio."""
    from accounts.models import User

    for member in User.objects.filter(studio_memberships__studio_id=shoot.studio_id):
        email_user(member, template, context)


def shoot_reviewed(shoot) -> None:
    """Tell the studio's members that a moderator approved the shoot or asked for changes."""
    context = {
        "shoot": shoot.title,
        "status": shoot.status,
        "reason": shoot.rejection_reason,
        "url": absolute_url(shoot.get_absolute_url()),
    }
    _email_studio(shoot, "shoot_reviewed", context)


def shoot_flagged_after_edit(shoot) -> None:
    """The studio's members: an edit of their published shoot tripped the anti-scam screening,
    so it is back in review, and which rules and words did."""
    context = {
        "shoot": shoot.title,
        "flags": [{"label": f.get("label", ""), "match": f.get("match", "")} for f in shoot.flags],
        "url": absolute_url(reverse("postings:shoot_edit", args=[shoot.pk])),
    }
    _email_studio(shoot, "shoot_flagged_after_edit", context)


def report_actioned(shoot, reason: str) -> None:
    """The studio's members: a moderator cancelled the shoot after a report, and why."""
    context = {
        "shoot": shoot.title,
        "reason": reason,
        "url": absolute_url(reverse("postings:my_shoots")),
    }
    _email_studio(shoot, "report_actioned", context)


def report_outcome(report) -> None:
    """The reporter: what came of their report (never who else reported, nor the studio's
    side)."""
    if report.reporter is None:
        return
    email_user(
        report.reporter,
        "report_outcome",
        {
            "shoot": report.shoot.title,
            "studio": report.shoot.studio.name,
            "status": report.status,
            "note": report.resolution if report.status == report.Status.DISMISSED else "",
        },
    )


def alert_roles(alert, roles) -> None:
    """One alert's new roles, in the recipient's language, with a one-click unsubscribe link
    (RFC 8058: the List-Unsubscribe-Post header lets mail apps unsubscribe by a POST)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    user = alert.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        unsubscribe = absolute_url(
            reverse("postings:alert_unsubscribe", kwargs={"token": alert.unsubscribe_token})
        )
        context = {
            "name": alert.name,
            "count": len(roles),
            "more": len(roles) >= alert.MAX_ROLES_PER_EMAIL,
            "roles": [
                {
                    "title": role.title,
                    "shoot": role.shoot.title,
                    "studio": role.shoot.studio.name,
                    "verified": role.studio_verified,
                    "record": {
                        "shown": role.shoot.studio.record_shown,
                        "on_time": role.shoot.studio.record_on_time,
                        "answers": role.shoot.studio.record_answers,
                        "disputes": role.shoot.studio.record_disputes,
                    },
                    "city": role.city.name,
                    "pay": role.pay_display,
                    "start": role.start_date.isoformat(),
                    "end": role.end_date.isoformat(),
                    "apply_by": role.apply_by.isoformat(),
                    "url": absolute_url(role.get_absolute_url()),
                }
                for role in roles
            ],
            "search_url": absolute_url(alert.search_url),
            "alerts_url": absolute_url(reverse("postings:alert_list")),
            "unsubscribe_url": unsubscribe,
        }
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    email_user(user, "alert", context, headers=headers)
