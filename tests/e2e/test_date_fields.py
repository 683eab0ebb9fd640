"""Date fields speak the page's language, whatever the browser's: a Chinese page opened in an
American browser on a laptop shows 2026年12月7日, never mm/dd/yyyy, and still sends
yyyy-mm-dd. Where the browser already speaks the page's language, and on phones, the native
date field stays."""

from datetime import date, timedelta

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.factories import published_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 900}


def _open(browser, live_server, path, **context):
    context = browser.new_context(timezone_id="Asia/Shanghai", **context)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(f"{live_server.url}{path}")
    page.evaluate(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP ' + e.violatedDirective))"
    )
    return page


def test_a_chinese_page_in_an_american_browser_shows_dates_in_chinese(browser, live_server):
    role = published_role(title="灯光助理")
    page = _open(browser, live_server, "/zh-hans/roles/", locale="en-US", viewport=LAPTOP)
    page.locator(".filter-details > summary").click()
    shown = page.get_by_label("空闲开始")
    shown.wait_for()
    # The label names the field people type into: flatpickr's text field, not a date field.
    assert shown.get_attribute("type") == "text"
    assert shown.get_attribute("placeholder") == "例如 2026年12月7日"
    day = role.start_date - timedelta(days=1)
    shown.fill(f"{day.year}年{day.month}月{day.day}日")
    shown.press("Enter")
    page.keyboard.press("Escape")
    assert shown.input_value() == f"{day.year}年{day.month}月{day.day}日"
    # What the form sends is still an ISO date.
    assert page.locator("input[name=start]").input_value() == day.isoformat()
    # The calendar speaks Chinese too.
    shown.click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # the calendar fades in
    page.screenshot(path=str(SCREENSHOTS / "date-field-zh-in-an-en-browser.png"))
    assert page.locator(".flatpickr-calendar.open .flatpickr-weekday").first.inner_text() in {
        "周日",
        "周一",
    }
    page.keyboard.press("Escape")
    page.locator("form#role-filters").evaluate("f => f.requestSubmit()")
    page.wait_for_url(f"**start={day.isoformat()}**")
    assert page.get_by_label("空闲开始").input_value() == f"{day.year}年{day.month}月{day.day}日"
    assert page.problems == []
    page.context.close()


def test_an_english_page_in_a_chinese_browser_shows_dates_in_english(browser, live_server):
    published_role(title="Gaffer")
    day = date(2027, 3, 5)
    page = _open(
        browser,
        live_server,
        f"/en/roles/?start={day.isoformat()}",
        locale="zh-CN",
        viewport=LAPTOP,
    )
    shown = page.get_by_label("Free from")
    shown.wait_for()
    page.wait_for_function("document.querySelector('input[name=start]').type === 'hidden'")
    assert shown.input_value() == "5 Mar 2027"
    assert page.problems == []
    page.context.close()


@pytest.mark.parametrize(
    "context",
    [
        {"locale": "zh-CN", "viewport": LAPTOP},
        {
            "locale": "en-US",
            "viewport": {"width": 390, "height": 844},
            "has_touch": True,
            "is_mobile": True,
        },
    ],
    ids=["same-language", "phone"],
)
def test_the_native_date_field_stays_where_it_already_speaks_the_page_s_language(
    browser, live_server, context
):
    page = _open(browser, live_server, "/zh-hans/roles/", **context)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    field = page.get_by_label("空闲开始")
    assert field.get_attribute("type") == "date"
    assert page.locator(".flatpickr-calendar").count() == 0
    page.context.close()
