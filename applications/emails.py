"""The applications app's emails: one function per message. Each link points at the page the
recipient needs, under the recipient's language prefix."""

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils import translation

from jobboard.mail import absolute_url, email_user


def _url_for(user, name: str, **kwargs) -> str:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        return absolute_url(reverse(name, kwargs=kwargs or None))


@task
def new_application_task(application_id: int) -> None:
    """``new_application``, in the worker: applying only queues this."""
    from applications.models import Application

    application = (
        Application.objects.select_related("role__shoot", "applicant")
        .filter(pk=application_id)
        .first()
    )
    if application is not None:  # withdrawn and deleted meanwhile: nobody to tell
        new_application(application)


def new_application(application) -> None:
    """Members of the studio who asked for an email per application get one; those who chose
    the daily digest hear of it in ``send_application_digests``."""
    from accounts.models import StudioMembership

    role = application.role
    memberships = StudioMembership.objects.filter(
        studio_id=role.shoot.studio_id, notify_new_applications=StudioMembership.Notify.EACH
    ).select_related("user")
    context = {
        "role": role.title,
        "shoot": role.shoot.title,
        "applicant": application.applicant.display_name,
    }
    for membership in memberships:
        url = _url_for(membership.user, "applications:pipeline", pk=role.shoot_id)
        email_user(membership.user, "new_application", {**context, "url": url})


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
            "url": _url_for(application.applicant, "applications:my_applications"),
        },
    )


def applications_ended(application_ids: list[int], reason: str) -> None:
    """Each person whose applications ended with their shoot or studio hears once, of all of
    them, with why."""
    from applications.models import Application

    applications = (
        Application.objects.filter(pk__in=application_ids)
        .select_related("applicant", "role__shoot__studio")
        .order_by("applicant_id", "pk")
    )
    by_person: dict = {}
    for application in applications:
        by_person.setdefault(application.applicant, []).append(application)
    for person, ended in by_person.items():
        email_user(
            person,
            "applications_ended",
            {
                "reason": reason,
                "applications": [
                    {
                        "role": a.role.title,
                        "shoot": a.role.shoot.title,
                        "studio": a.role.shoot.studio.name,
                        "status": a.status,
                    }
                    for a in ended
                ],
                "url": _url_for(person, "applications:my_applications"),
            },
        )


def applicants_left(application_ids: list[int]) -> None:
    """A person deleted their account: every member of each studio that had booked them or
    offered them a role hears once, of those places, now open again. (Pending applications
    are simply withdrawn in the pipeline.)"""
    from accounts.models import StudioMembership
    from applications.models import Application

    applications = (
        Application.objects.filter(pk__in=application_ids)
        .select_related("role__shoot")
        .order_by("role__shoot__studio_id", "role__shoot_id", "role_id")
    )
    by_studio: dict[int, list] = {}
    for application in applications:
        by_studio.setdefault(application.role.shoot.studio_id, []).append(application)
    for studio_id, left in by_studio.items():
        members = StudioMembership.objects.filter(studio_id=studio_id).select_related("user")
        for membership in members.order_by("pk"):
            user = membership.user
            email_user(
                user,
                "applicants_left",
                {
                    "places": [
                        {
                            "role": a.role.title,
                            "shoot": a.role.shoot.title,
                            "status": a.status,
                            "url": _url_for(user, "applications:pipeline", pk=a.role.shoot_id),
                        }
                        for a in left
                    ],
                },
            )


def offer_reminder(application) -> None:
    """One reminder of an offer left unanswered."""
    role = application.role
    email_user(
        application.applicant,
        "offer_reminder",
        {
            "role": role.title,
            "shoot": role.shoot.title,
            "studio": role.shoot.studio.name,
            "start_date": role.start_date.isoformat(),
            "end_date": role.end_date.isoformat(),
            "url": _url_for(application.applicant, "applications:my_applications"),
        },
    )


def application_digest(user, shoots: list[dict]) -> None:
    """The daily digest: ``shoots`` is a list of {"pk", "title", "lines": [{"role",
    "applicant"}]}."""
    for shoot in shoots:
        shoot["url"] = _url_for(user, "applications:pipeline", pk=shoot["pk"])
    count = sum(len(shoot["lines"]) for shoot in shoots)
    email_user(user, "application_digest", {"shoots": shoots, "count": count})


def _wrap_context(wrap) -> dict:
    return {
        "role": wrap.role.title,
        "shoot": wrap.shoot.title,
        "studio": wrap.studio.name,
        "start_date": wrap.shoot.start_date.isoformat(),
        "end_date": wrap.shoot.end_date.isoformat(),
    }


def _email_studio(wrap, template: str, context: dict) -> None:
    from accounts.models import User

    for member in User.objects.filter(studio_memberships__studio_id=wrap.studio_id).order_by("pk"):
        url = _url_for(member, "applications:shoot_wrap", pk=wrap.shoot_id)
        email_user(member, template, {**context, "url": url})


def wrap_asked(wrap, *, reminder: bool = False) -> None:
    """The day after the wrap (and once more a week later): were you paid?"""
    if wrap.crew is None:
        return
    email_user(
        wrap.crew,
        "wrap_asked",
        {
            **_wrap_context(wrap),
            "reminder": reminder,
            "answers_close": wrap.answers_close.isoformat(),
            "url": _url_for(wrap.crew, "applications:wrap", pk=wrap.pk),
        },
    )


def work_confirmed(wrap) -> None:
    """The crew member hears what the studio said of their work, and may answer it."""
    email_user(
        wrap.crew,
        "work_confirmed",
        {
            **_wrap_context(wrap),
            "worked": wrap.worked,
            "url": _url_for(wrap.crew, "applications:wrap", pk=wrap.pk),
        },
    )


def dispute_opened(wrap) -> None:
    """The studio's members: a crew member says pay is missing."""
    crew = wrap.crew.display_name if wrap.crew else ""
    _email_studio(wrap, "dispute_opened", {**_wrap_context(wrap), "crew": crew, "paid": wrap.paid})


def dispute_answered(wrap) -> None:
    """The crew member: the studio answered their dispute."""
    if wrap.crew is None:
        return
    email_user(
        wrap.crew,
        "dispute_answered",
        {
            **_wrap_context(wrap),
            "says_paid": wrap.dispute == "answered",
            "response": wrap.studio_response,
            "url": _url_for(wrap.crew, "applications:wrap", pk=wrap.pk),
        },
    )


def dispute_resolved(wrap) -> None:
    """The studio's members: the crew member confirmed the pay arrived."""
    crew = wrap.crew.display_name if wrap.crew else ""
    _email_studio(wrap, "dispute_resolved", {**_wrap_context(wrap), "crew": crew})


def invited_to_apply(invitation) -> None:
    """A studio invites the person to apply to one of its roles."""
    role = invitation.role
    email_user(
        invitation.crew,
        "invited_to_apply",
        {
            "studio": invitation.studio.name,
            "role": role.title,
            "shoot": role.shoot.title,
            "city": role.shoot.city.name_zh + " " + role.shoot.city.name_en,
            "start_date": role.start_date.isoformat(),
            "end_date": role.end_date.isoformat(),
            "pay": role.pay_display,
            "message": invitation.message,
            "url": _url_for(invitation.crew, "applications:apply", pk=role.pk),
            "invitations_url": _url_for(invitation.crew, "applications:my_applications"),
        },
    )


def _places(team_application) -> list[dict]:
    return [
        {"name": place.member.display_name, "role": place.role.title}
        for place in team_application.places.select_related("member", "role")
    ]


def team_invitation(member) -> None:
    """The link to join a team, to an address that may not have an account yet."""
    from accounts.models import User

    team = member.team
    user = User.objects.filter(email__iexact=member.email).first() or User(
        email=member.email, is_active=True, preferred_language=team.head.preferred_language
    )
    email_user(
        user,
        "team_invitation",
        {
            "team": team.name,
            "head": team.head.display_name,
            "url": _url_for(user, "applications:team_join", token=member.token),
        },
    )


def team_place_to_confirm(place) -> None:
    """The head applied for the team: each member confirms their place and dates."""
    team_application = place.team_application
    shoot = team_application.shoot
    email_user(
        place.member,
        "team_place_to_confirm",
        {
            "team": team_application.team.name,
            "head": team_application.team.head.display_name,
            "role": place.role.title,
            "shoot": shoot.title,
            "studio": shoot.studio.name,
            "start_date": place.role.start_date.isoformat(),
            "end_date": place.role.end_date.isoformat(),
            "places": _places(team_application),
            "url": _url_for(place.member, "applications:teams"),
        },
    )


def team_application_cancelled(team_application, user) -> None:
    email_user(
        user,
        "team_application_cancelled",
        {
            "team": team_application.team.name,
            "shoot": team_application.shoot.title,
            "why": team_application.cancelled_why,
            "url": _url_for(user, "applications:teams"),
        },
    )


def team_member_withdrew(team_application, application) -> None:
    """A member withdrew from a team's application: the studio's members decide again, and the
    head hears of it."""
    from accounts.models import StudioMembership

    shoot = team_application.shoot
    context = {
        "team": team_application.team.name,
        "shoot": shoot.title,
        "name": application.applicant.display_name,
        "role": application.role.title,
    }
    memberships = StudioMembership.objects.filter(studio_id=shoot.studio_id).select_related("user")
    for membership in memberships.order_by("pk"):
        url = _url_for(membership.user, "applications:pipeline", pk=shoot.pk)
        email_user(membership.user, "team_member_withdrew", {**context, "url": url})
    head = team_application.team.head
    if head.pk != application.applicant_id:
        url = _url_for(head, "applications:teams")
        email_user(head, "team_member_withdrew", {**context, "url": url, "to_head": True})


def _thread_context(message, user) -> dict:
    application = message.application
    role = application.role
    return {
        "shoot": role.shoot.title,
        "role": role.title,
        "author": (
            role.shoot.studio.name if message.from_studio else application.applicant.display_name
        ),
        "excerpt": message.body[:300],
        "attachment": message.attachment_name,
        "warns": message.warns,
        "url": _url_for(user, "applications:thread", pk=application.pk),
    }


def new_message(message, user) -> None:
    """A new message in a thread, to one person of the other side (``threads.notify``)."""
    email_user(user, "new_message", _thread_context(message, user))


def message_digest(user, threads: list[dict]) -> None:
    email_user(user, "message_digest", {"threads": threads})
