"""A studio finds a lighting assistant free on its shoot's dates, invites them, and they
apply from the invitation."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_studio_finds_a_free_lighting_assistant_who_then_applies(page, live_server, screenshot):
    from datetime import timedelta

    from accounts.models import CrewProfile, StudioMembership, Unavailability
    from applications.models import Application, RoleInvitation
    from tests.factories import (
        CrewProfileFactory,
        StudioFactory,
        UserFactory,
        city,
        member,
        published_role,
    )

    studio = StudioFactory(name="星河短剧", slug="xinghe")
    owner = UserFactory(email="owner@xinghe.example", name="陈制片")
    member(owner, studio, StudioMembership.Role.OWNER)
    role = published_role(shoot__studio=studio, title="灯光助理", openings=2)
    found = CrewProfileFactory(
        user__name="李小灯",
        departments=["lighting"],
        home_city=city("hengdian"),
        visibility=CrewProfile.Visibility.VERIFIED_STUDIOS,
        expected_day_rate=380,
    )
    busy = CrewProfileFactory(
        user__name="王已约",
        departments=["lighting"],
        home_city=city("hengdian"),
        visibility=CrewProfile.Visibility.VERIFIED_STUDIOS,
    )
    Unavailability.objects.create(
        profile=busy, start_date=role.start_date, end_date=role.start_date + timedelta(days=1)
    )
    CrewProfileFactory(user__name="不公开", departments=["lighting"], home_city=city())

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/zh-hans/studio/shoots/{role.shoot_id}/applicants/")
    page.get_by_role("link", name="找这些日期有空的人").click()
    page.get_by_label("部门").select_option("lighting")
    page.get_by_role("button", name="找人").click()
    cards = page.locator(".crew-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("李小灯")
    expect(cards.first).to_contain_text("¥380")
    cards.first.locator("summary").click()
    cards.first.get_by_label("简短留言（选填）").fill("看了你的资料，欢迎来试试。")
    screenshot("find-crew-phone")
    cards.first.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_text("已邀请 李小灯 投递灯光助理。")).to_be_visible()
    assert RoleInvitation.objects.filter(crew=found.user, role=role).exists()

    sign_in(page, live_server, found.user)
    page.goto(f"{live_server.url}/zh-hans/me/applications/")
    card = page.locator(".invitation-card")
    expect(card).to_contain_text("看了你的资料，欢迎来试试。")
    card.locator("a[role=button]").click()
    expect(page.locator(".invitation-notice")).to_contain_text("星河短剧 邀请你投递这个岗位。")
    from tests.e2e.test_application_journey import _pdf

    page.locator("input[name=cv_file]").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": _pdf()}
    )
    page.locator("input[name=dates_confirmed]").check()
    page.locator("input[name=consent]").check()
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator(".invitation-card")).to_have_count(0)
    assert Application.objects.filter(applicant=found.user, role=role).exists()
