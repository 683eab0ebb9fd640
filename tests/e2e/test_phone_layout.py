"""On a phone (390 px), in both languages: nothing wider than the screen, header links on one
line each, the call sheet's headers whole (its table scrolls sideways instead)."""

import pytest

from tests.factories import RoleFactory, published_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_fit_a_phone(page, live_server, screenshot, language):
    role = published_role(title="灯光助理")
    RoleFactory(shoot=role.shoot, title="服装助理", department="costume")
    role.shoot.sync_roles()
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in (("home", "/"), ("call-sheet", f"/shoots/{role.shoot_id}/")):
        page.goto(f"{live_server.url}/{language}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        for link in page.locator(".nav-links > li > a").all():
            box = link.bounding_box()
            # One line: the 44 px tap target, never the 48+ px of two lines of text.
            assert box["height"] <= 46, (name, link.inner_text(), box)
        screenshot(f"phone-{name}-{language}")
    headers = page.locator(".table-scroll thead th")
    for index in range(headers.count()):
        header = headers.nth(index)
        line = header.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert header.bounding_box()["height"] < 2.5 * line, header.inner_text()


def test_withdraw_is_a_small_outline_button(page, live_server):
    """Withdrawing is never the page's big primary button."""
    from tests.applications.conftest import submit
    from tests.e2e.conftest import sign_in
    from tests.factories import CrewProfileFactory

    person = CrewProfileFactory().user
    submit(published_role(title="灯光助理"), person)
    sign_in(page, live_server, person)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/zh-hans/me/applications/")
    button = page.get_by_role("button", name="撤回")
    assert button.bounding_box()["width"] < 150
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
