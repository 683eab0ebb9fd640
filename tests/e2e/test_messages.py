"""On phones: a studio asks a question on an application, the applicant answers with an
attachment, a deposit request shows the scam warning, and the booking reveals contacts."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_conversation_a_warning_and_contacts_at_booking(page, live_server, screenshot):
    from accounts.models import StudioMembership
    from applications.models import Message
    from tests.applications.conftest import make_pdf, submit
    from tests.factories import (
        CrewProfileFactory,
        StudioFactory,
        UserFactory,
        member,
        published_role,
    )

    studio = StudioFactory(name="星河短剧", slug="xinghe")
    owner = UserFactory(email="owner@xinghe.example", name="陈制片")
    member(owner, studio, StudioMembership.Role.OWNER)
    role = published_role(
        shoot__studio=studio, shoot__contact_name="钱场务", shoot__contact_phone="13800000000"
    )
    profile = CrewProfileFactory(
        user__email="grad@example.com",
        user__name="李小灯",
        user__phone="13912345678",
        wechat_id="lixiaodeng_wx",
    )
    graduate = profile.user
    application = submit(role, graduate)
    page.set_viewport_size({"width": 390, "height": 844})

    # The studio asks a question from the pipeline.
    sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/en/studio/shoots/{role.shoot_id}/applicants/")
    page.locator(f"#application-{application.pk} a.thread-link").click()
    expect(page.locator("h1")).to_have_text("李小灯")
    expect(page.get_by_text("13912345678")).to_have_count(0)
    page.get_by_role("textbox", name="Message").fill("Have you worked in a lighting crew before?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".thread-message")).to_contain_text("lighting crew before")

    # The applicant sees it as unread, and answers with a PDF.
    sign_in(page, live_server, graduate)
    page.goto(f"{live_server.url}/en/me/applications/")
    expect(page.locator(".thread-link").first).to_be_visible()
    expect(page.locator(".unread-count")).to_have_text("1 unread conversations")
    page.locator(".thread-link").first.click()
    page.get_by_role("textbox", name="Message").fill(
        "Yes, on two graduation films. My portfolio is attached."
    )
    page.locator("input[name=attachment]").set_input_files(
        {"name": "portfolio.pdf", "mimeType": "application/pdf", "buffer": make_pdf()}
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("link", name="portfolio.pdf")).to_be_visible()
    expect(page.locator(".unread-count")).to_have_count(0)

    # A deposit request before booking: the graduate sees the warning and reports it.
    Message.send(
        application=application,
        by=owner,
        body="入组前请先交押金500元，加我微信 xinghe2026 详谈",
    )
    page.reload()
    warning = page.locator(".scam-warning")
    expect(warning).to_contain_text("Callsheet never asks crew for money")
    screenshot("thread-warning-phone")
    warning.get_by_role("button", name="Report this message").click()
    expect(page.locator(".message-success")).to_contain_text("Reported")

    # The studio offers; the graduate accepts; both see each other's contacts.
    application.offer(by=owner)
    page.goto(f"{live_server.url}/en/me/applications/")
    page.get_by_role("button", name="Accept the offer").click()
    page.goto(f"{live_server.url}/en/applications/{application.pk}/messages/")
    contacts = page.locator(".contacts")
    expect(contacts).to_contain_text("13800000000")
    sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/en/applications/{application.pk}/messages/")
    contacts = page.locator(".contacts")
    expect(contacts).to_contain_text("13912345678")
    expect(contacts).to_contain_text("lixiaodeng_wx")
    screenshot("thread-booked-phone")


def test_an_open_thread_refreshes_every_15_seconds(page, live_server):
    from accounts.models import StudioMembership
    from applications.models import Message
    from tests.applications.conftest import submit
    from tests.factories import (
        CrewProfileFactory,
        StudioFactory,
        UserFactory,
        member,
        published_role,
    )

    studio = StudioFactory(name="星河短剧", slug="xinghe")
    owner = UserFactory(email="owner@xinghe.example", name="陈制片")
    member(owner, studio, StudioMembership.Role.OWNER)
    graduate = CrewProfileFactory(user__name="李小灯").user
    application = submit(published_role(shoot__studio=studio), graduate)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.clock.install()
    sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/en/applications/{application.pk}/messages/")
    expect(page.locator("#thread-messages")).to_contain_text("Submitted")
    Message.send(application=application, by=graduate, body="刚看到，明天可以来试镜。")
    page.clock.run_for(14_000)
    expect(page.get_by_text("刚看到")).to_have_count(0)
    page.clock.run_for(2_000)
    expect(page.get_by_text("刚看到，明天可以来试镜。")).to_be_visible()
    # The form keeps what is being typed while the messages refresh.
    page.get_by_role("textbox", name="Message").fill("好的")
    page.clock.run_for(16_000)
    expect(page.get_by_role("textbox", name="Message")).to_have_value("好的")
    assert errors == []
