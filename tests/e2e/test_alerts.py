"""Saving a search as an alert, in a real browser."""

import pytest
from playwright.sync_api import expect

from postings.models import SavedSearch
from tests.e2e.conftest import sign_in
from tests.factories import CrewProfileFactory, published_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_save_a_search_as_a_daily_alert(page, live_server, screenshot):
    user = CrewProfileFactory(user__email="alerts@example.com").user
    published_role(title="灯光助理")
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/en/roles/?q=灯光&department=lighting")
    screenshot("alerts-search-en")
    page.get_by_role("button", name="Alert me for this search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New alert")
    expect(page.get_by_label("Name")).to_have_value("灯光")
    page.get_by_label("A daily digest").check()
    page.get_by_label("Digest hour").select_option("07:00")
    screenshot("alerts-form-en")
    page.get_by_role("button", name="Save alert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My alerts")
    expect(page.get_by_text("A daily digest at 07:00")).to_be_visible()
    alert = SavedSearch.objects.get(user=user)
    assert (alert.frequency, alert.digest_hour) == ("daily", 7)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("alerts-list-en-phone")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused by you.")).to_be_visible()
