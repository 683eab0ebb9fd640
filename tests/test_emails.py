"""What a newcomer reads first: every email names the site, links to where the site is served,
and shows text as typed (no HTML entities in plain text)."""

import glob
from pathlib import Path

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

pytestmark = pytest.mark.django_db
EMAILS = Path(__file__).resolve().parent.parent / "templates" / "emails"
NASTY = 'Chang\'an <Vertical> & "Co"'


@pytest.mark.parametrize(
    ("path", "name"),
    [("/zh-hans/accounts/signup/", "剧组通告"), ("/en/accounts/signup/", "Callsheet")],
)
def test_sign_up_emails_name_the_site(client, path, name):
    client.post(
        path,
        {
            "name": "新人小周",
            "email": "new@example.com",
            "password1": "pw-correct-horse-9",
            "password2": "pw-correct-horse-9",
            "intent": "crew",
        },
    )
    (message,) = mail.outbox
    text = message.subject + message.body
    assert name in text
    for broken in ("来自的", "在  上", "使用 ！", "Hello from !", "using !", "[] "):
        assert broken not in text, broken


@override_settings(SITE_URL="http://127.0.0.1:8001")
def test_notification_links_use_the_address_the_site_is_served_on(client):
    from accounts.models import Studio
    from tests.factories import StudioFactory, UserFactory, member

    studio = StudioFactory(verification_status=Studio.Verification.PENDING)
    member(UserFactory(email="owner@example.com"), studio, role="owner")
    mail.outbox.clear()
    studio.verify(by=None)
    assert "http://127.0.0.1:8001/" in mail.outbox[-1].body


def test_the_makefile_serves_and_links_on_the_same_port():
    makefile = (EMAILS.parent.parent / "Makefile").read_text()
    assert "run: export SITE_URL ?= http://$(HOST):$(PORT)" in makefile


@pytest.mark.parametrize("name", sorted(p.name for p in EMAILS.glob("*.txt")))
def test_plain_text_emails_show_text_as_typed(name):
    """Every template under templates/emails renders names, reasons and notes as typed."""
    context = dict.fromkeys(
        (
            "studio",
            "shoot",
            "role",
            "name",
            "applicant",
            "reason",
            "note",
            "invited_by",
            "status",
            "title",
        ),
        NASTY,
    )
    context["count"] = 2
    context["roles"] = [{"title": NASTY, "shoot": NASTY, "studio": NASTY, "verified": True}]
    context["applications"] = [{"role": NASTY, "shoot": NASTY, "studio": NASTY}]
    context["places"] = [{"role": NASTY, "shoot": NASTY}]
    context["shoots"] = [{"title": NASTY, "lines": [{"role": NASTY, "applicant": NASTY}]}]
    context["flags"] = [{"label": "Asks applicants for money", "match": NASTY}]
    with translation.override("en"):
        text = render_to_string(f"emails/{name}", context)
    for entity in ("&#x27;", "&lt;", "&gt;", "&amp;", "&quot;", "&#39;"):
        assert entity not in text, (name, entity)


def test_every_email_template_turns_autoescape_off():
    for path in glob.glob(str(EMAILS / "*.txt")):
        assert "{% autoescape off %}" in Path(path).read_text(), path
