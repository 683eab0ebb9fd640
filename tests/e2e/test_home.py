import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_in_both_languages(page, live_server, screenshot):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/zh-hans/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("找到下一个剧组")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert screenshot("home-zh-hans").stat().st_size > 10_000

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_server.url + "/en/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find your next shoot")
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()
    screenshot("home-en")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot("home-en-phone")
    assert errors == []
