"""Stored XSS in a real browser: with a payload in every free-text field, no page of any
persona (admin included) opens a dialog, creates the injected image or reports a Content
Security Policy violation."""

import pytest
from django.conf import settings
from django.test import Client

from tests.safety.conftest import _fast_passwords, personas, world  # noqa: F401
from tests.safety.test_stored_xss import pages, poison

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def hub_city(db):
    from postings.models import City

    City.objects.get_or_create(
        slug="hengdian",
        defaults={"name_zh": "横店", "name_en": "Hengdian", "province": "浙江", "is_hub": True},
    )


@pytest.fixture
def poisoned(hub_city, world, graduate, recruiter):  # noqa: F811
    poison(world, graduate, recruiter)
    return world


def test_payloads_stay_text_in_chromium(page, live_server, screenshot, poisoned, personas):  # noqa: F811
    dialogs, console_errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.add_init_script(WATCH_CSP)
    for persona, urls in pages(poisoned).items():
        page.context.clear_cookies()
        if personas[persona] is not None:
            client = Client()
            client.force_login(personas[persona])
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            page.context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
            )
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status == 200, (persona, url)
            page.wait_for_load_state("load")
            assert page.locator("img[src=x]").count() == 0, (persona, url)
            assert page.evaluate("window.__csp") == [], (persona, url)
            assert not dialogs, (persona, url, dialogs)
            if persona == "anonymous" and "/shoots/" in url:
                screenshot("safety-stored-xss-call-sheet")
    csp_errors = [m for m in console_errors if "Content Security Policy" in m]
    assert not csp_errors
