"""A shoot's way from a studio's form to a crew member's search, in a real browser."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Studio
from postings.models import Shoot
from tests.conftest import MODERATOR_TOTP_SECRET
from tests.e2e.conftest import sign_in
from tests.factories import CrewProfileFactory, StudioFactory, UserFactory, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def post_shoot(page, live_server, title, start, roles, screenshot=None):
    page.goto(f"{live_server.url}/zh-hans/studio/shoots/new/")
    page.fill("input[name=title]", title)
    page.select_option("select[name=city]", label="横店")
    page.fill("input[name=base]", "横店影视城 明清宫苑")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=end_date]", (start + timedelta(days=6)).isoformat())
    for i, (department, role_title, pay) in enumerate(roles):
        if i:
            page.locator("button[value=add_role]").click()
            # Back at the new row, its first field focused, wherever the form is.
            expect(page).to_have_url(re.compile(rf"#role-{i + 1}$"))
            expect(page.locator(f"select[name=roles-{i}-department]")).to_be_focused()
            assert page.locator(f"#role-{i + 1}").bounding_box()["y"] < 900
        page.select_option(f"select[name=roles-{i}-department]", department)
        page.fill(f"input[name=roles-{i}-title]", role_title)
        page.fill(f"input[name=roles-{i}-pay_min]", str(pay))
        page.fill(f"input[name=roles-{i}-apply_by]", (start - timedelta(days=2)).isoformat())
    if screenshot:
        screenshot("posting-form")
    page.locator("button[value=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/zh-hans/studio/shoots/")


def test_shoot_posted_reviewed_and_found(page, live_server, screenshot):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    start = timezone.localdate() + timedelta(days=30)

    # A verified studio's member posts a shoot with three roles: it publishes at once.
    verified = StudioFactory(name="星河短剧", slug="xinghe")
    recruiter = UserFactory(email="recruiter@xinghe.example")
    member(recruiter, verified)
    sign_in(page, live_server, recruiter)
    roles = [("lighting", "灯光助理", 400), ("costume", "服装助理", 350), ("sound", "录音师", 800)]
    post_shoot(page, live_server, "重生之嫡女归来", start, roles, screenshot)
    screenshot("posting-my-shoots")
    assert Shoot.objects.get(title="重生之嫡女归来").status == Shoot.Status.PUBLISHED
    page.goto(f"{live_server.url}/zh-hans/roles/?q=重生之嫡女")
    for _dept, role_title, _pay in roles:
        expect(page.get_by_role("link", name=role_title)).to_be_visible()

    # An unverified studio's shoot waits for a moderator, who approves it in the admin.
    unverified = StudioFactory(
        name="海潮影视", slug="haichao", verification_status=Studio.Verification.UNVERIFIED
    )
    newcomer_studio = UserFactory(email="recruiter@haichao.example")
    member(newcomer_studio, unverified)
    sign_in(page, live_server, newcomer_studio)
    post_shoot(page, live_server, "我在民国开饭馆", start, [("props", "现场道具", 380)])
    shoot = Shoot.objects.get(title="我在民国开饭馆")
    assert shoot.status == Shoot.Status.PENDING
    page.goto(f"{live_server.url}/zh-hans/roles/?q=民国开饭馆")
    expect(page.get_by_role("link", name="现场道具")).to_have_count(0)

    moderator = UserFactory(email="mod@callsheet.example", is_staff=True, is_superuser=True)
    TOTP.activate(moderator, MODERATOR_TOTP_SECRET)  # staff reach the admin with a second factor
    sign_in(page, live_server, moderator)
    page.goto(f"{live_server.url}/zh-hans/{settings.ADMIN_URL}postings/pendingshoot/")
    expect(page.get_by_text("我在民国开饭馆")).to_be_visible()
    screenshot("posting-review-queue")
    page.locator(f"input[name=_selected_action][value='{shoot.pk}']").check()
    page.select_option("select[name=action]", "approve")
    page.locator("button[name=index]").click()
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PUBLISHED

    # A crew member filters by department, city and their free dates and finds it.
    crew = CrewProfileFactory(user__email="grad@example.com").user
    sign_in(page, live_server, crew)
    page.goto(f"{live_server.url}/zh-hans/roles/")
    filters = page.locator("#role-filters")
    if not filters.locator("details").evaluate("d => d.open"):
        filters.locator("summary").click()
    filters.locator("input[name=department][value=props]").check()
    filters.locator("input[name=city][value=hengdian]").check()
    filters.locator("input[name=start]").fill((start - timedelta(days=1)).isoformat())
    filters.locator("input[name=end]").fill((start + timedelta(days=10)).isoformat())
    filters.locator("input[name=fits_me]").check()
    filters.locator("button[type=submit]").click()
    expect(page.get_by_role("link", name="现场道具")).to_be_visible()
    expect(page.get_by_role("link", name="灯光助理")).to_have_count(0)
    assert "department=props" in page.url and "city=hengdian" in page.url
    # Approved, but the studio's licence is not verified yet: the card says so.
    expect(page.locator("article", has_text="现场道具").get_by_text("执照尚未认证")).to_be_visible()
    screenshot("posting-search")
    page.get_by_role("link", name="现场道具").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("现场道具")
    screenshot("posting-role")
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    screenshot("posting-search-phone")
    assert errors == []
