"""Stored XSS: a payload in every free-text field renders as text on every page that shows it
(public pages, the crew's and the studio's pages, the admin) and in the emails. The browser
check of the same pages is tests/e2e/test_stored_xss.py."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.safety.conftest import client_for

pytestmark = pytest.mark.django_db


def payload(field: str) -> str:
    """Short enough for the shortest free-text column (60 characters)."""
    return f"<img src=x onerror=alert('{field}')>"


RAW = re.compile(r"<img src=x onerror|<script>alert\(")
ESCAPED = re.compile(
    r"&lt;img src=x onerror=alert\((?:&#x27;|&#39;|')([a-z_.]+)(?:&#x27;|&#39;|')\)"
)

# Fields that must be seen, escaped, on at least one page.
FIELDS = {
    "shoot.title",
    "shoot.synopsis",
    "shoot.base",
    "shoot.address",
    "shoot.contact_name",
    "shoot.conditions_note",
    "shoot.rejection_reason",
    "role.title",
    "role.description",
    "role.requirements",
    "studio.name",
    "studio.description",
    "user.name",
    "profile.headline",
    "profile.bio",
    "application.note",
    "application.cv_name",
    "event.private_note",
    "event.rejection_message",
    "report.details",
    "message.body",
    "message.attachment_name",
    "team.name",
}


def poison(world, graduate, recruiter):
    """Write the payload into every free-text field, past the forms (as a hostile import or an
    old row would)."""
    from accounts.models import CrewProfile, Studio, User
    from applications.models import Application
    from postings.models import Report, Role, Shoot

    studio = world["studio_a"]
    Studio.objects.filter(pk=studio.pk).update(
        name=payload("studio.name"), description=payload("studio.description")
    )
    shoot_fields = ["title", "synopsis", "base", "address", "contact_name", "conditions_note"]
    for shoot in (world["shoot"], world["rejected_shoot"]):
        Shoot.objects.filter(pk=shoot.pk).update(
            **{f: payload(f"shoot.{f}") for f in shoot_fields},
            rejection_reason=payload("shoot.rejection_reason"),
        )
    Role.objects.filter(shoot__studio=studio).update(
        title=payload("role.title"),
        description=payload("role.description"),
        requirements=payload("role.requirements"),
    )
    for shoot in Shoot.objects.filter(studio=studio):
        shoot.sync_roles()
    User.objects.filter(pk=graduate.pk).update(name=payload("user.name"))
    CrewProfile.objects.filter(user=graduate).update(
        headline=payload("profile.headline"), bio=payload("profile.bio")
    )
    Application.objects.filter(applicant=graduate).update(
        note=payload("application.note"), cv_name=payload("application.cv_name") + ".pdf"
    )
    Report.objects.filter(pk=world["report"].pk).update(details=payload("report.details"))
    from applications.models import CrewTeam, Message

    Message.objects.filter(pk=world["message_file"].pk).update(
        body=payload("message.body"), attachment_name=payload("message.attachment_name")
    )
    CrewTeam.objects.filter(pk=world["team"].pk).update(name=payload("team.name"))
    # A new message with the payload: it is emailed to the studio (plain text), whose last
    # email about this thread is made older than 15 minutes.
    from applications.models import ThreadState

    ThreadState.objects.update(emailed_at=None)
    Message.send(application=world["app_submitted"], by=graduate, body=payload("message.body"))
    world["app_submitted"].refresh_from_db()
    world["app_submitted"].add_private_note(by=recruiter, note=payload("event.private_note"))
    world["app_submitted"].reject(by=recruiter, message=payload("event.rejection_message"))


@pytest.fixture
def poisoned(world, graduate, recruiter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        poison(world, graduate, recruiter)
    return world


def pages(world):
    shoot, app = world["shoot"], world["app_submitted"]
    shoot_admin = f"admin:{shoot._meta.app_label}_{shoot._meta.model_name}"
    report = world["report"]
    report_admin = f"admin:{report._meta.app_label}_{report._meta.model_name}"
    app_admin = f"admin:{app._meta.app_label}_{app._meta.model_name}"
    studio = world["studio_a"]
    studio_admin = f"admin:{studio._meta.app_label}_{studio._meta.model_name}"
    return {
        "anonymous": [
            reverse("home"),
            reverse("postings:role_list"),
            reverse("postings:role_list") + "?q=灯光",
            reverse("postings:role_detail", args=[world["role"].pk]),
            reverse("postings:call_sheet", args=[shoot.pk]),
            reverse("accounts:studio_detail", args=[studio.slug]),
        ],
        "graduate": [
            reverse("applications:thread", args=[app.pk]),
            reverse("applications:inbox"),
            reverse("applications:teams"),
            reverse("applications:my_applications"),
            reverse("accounts:dashboard"),
            reverse("accounts:profile_edit"),
            reverse("postings:report", args=[shoot.pk]),
        ],
        "recruiter": [
            reverse("postings:my_shoots"),
            reverse("applications:pipeline", args=[shoot.pk]),
            reverse("applications:thread", args=[app.pk]),
            reverse("postings:shoot_edit", args=[shoot.pk]),
            reverse("postings:shoot_edit", args=[world["rejected_shoot"].pk]),
            reverse("accounts:dashboard"),
        ],
        "owner": [reverse("accounts:studio_team", args=[studio.slug])],
        "moderator": [
            reverse(f"{shoot_admin}_changelist"),
            reverse(f"{shoot_admin}_change", args=[shoot.pk]),
            reverse(f"{shoot_admin}_change", args=[world["rejected_shoot"].pk]),
            reverse(f"{report_admin}_changelist"),
            reverse(f"{report_admin}_change", args=[report.pk]),
            reverse(f"{app_admin}_changelist"),
            reverse(f"{app_admin}_change", args=[app.pk]),
            reverse(f"{studio_admin}_changelist"),
            reverse(f"{studio_admin}_change", args=[studio.pk]),
            reverse("admin:applications_message_changelist"),
            reverse("admin:applications_message_change", args=[world["message_file"].pk]),
            reverse("admin:applications_teamapplication_change", args=[world["team_sent"].pk]),
            reverse("admin:index"),
        ],
    }


def test_payloads_render_as_text_everywhere(poisoned, personas):
    seen = set()
    for persona, urls in pages(poisoned).items():
        client = client_for(personas[persona], second_factor=persona == "moderator")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (persona, url)
            html = response.content.decode()
            assert not RAW.search(html), f"unescaped payload on {url} as {persona}"
            seen |= set(ESCAPED.findall(html))
    missing = FIELDS - seen
    assert not missing, f"never shown, so never checked: {sorted(missing)}"


def test_feed_and_emails_carry_payloads_as_text(poisoned):
    feed = client_for(None).get(reverse("postings:feed")).content.decode()
    assert not RAW.search(feed)
    assert mail.outbox, "the rejection sent an email"
    assert any("message.body" in m.body for m in mail.outbox), "the message was emailed"
    for message in mail.outbox:
        # Plain-text emails only: nothing a mail client would run.
        assert not getattr(message, "alternatives", None)
        assert "\n" not in message.subject
