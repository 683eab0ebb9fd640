import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.conftest import pdf_bytes
from tests.conftest import MODERATOR_TOTP_SECRET, current_totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-correct-horse-9"


def _seed_city():
    from postings.models import City

    return City.objects.get_or_create(
        slug="hengdian",
        defaults={"name_zh": "横店", "name_en": "Hengdian", "province": "浙江", "is_hub": True},
    )[0]


def _sign_up(page, live_server, *, name, email, intent, screenshot=None):
    mail.outbox.clear()
    page.goto(live_server.url + "/zh-hans/accounts/signup/")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator(f"input[name=intent][value={intent}]").check()
    if screenshot:
        screenshot("accounts-signup")
    page.locator("form.auth-form button[type=submit]").click()
    page.wait_for_load_state()
    assert len(mail.outbox) == 1, "no verification email"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.locator("form.auth-form button[type=submit]").click()
    page.wait_for_load_state()


def test_crew_and_studio_sign_up_and_moderation(page, live_server, screenshot):
    from accounts.models import CrewProfile, Studio, User
    from tests.factories import credit_code

    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    city = _seed_city()

    # Crew: sign up, verify by the emailed link, land on the profile.
    _sign_up(
        page,
        live_server,
        name="李小灯",
        email="crew@example.com",
        intent="crew",
        screenshot=screenshot,
    )
    expect(page).to_have_url(live_server.url + "/zh-hans/me/profile/")
    screenshot("accounts-profile-empty")

    page.locator("input[name=headline]").fill("灯光助理 · 跟过三部短剧")
    page.locator("input[name=departments][value=lighting]").check()
    page.locator("select[name=home_city]").select_option(str(city.pk))
    page.locator("textarea[name=bio]").fill("北京电影学院摄影系 2025 届毕业生。")
    page.locator("input[name=credits-0-production_title]").fill("闪婚后，豪门老公宠翻天")
    page.locator("input[name=credits-0-role]").fill("灯光助理")
    page.locator("input[name=credits-0-year]").fill("2025")
    page.locator("input[name=new_cv]").set_input_files(
        {"name": "简历-李小灯.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("#completeness")).to_have_attribute("value", "100")
    expect(page.get_by_role("link", name="简历-李小灯.pdf")).to_be_visible()
    profile = CrewProfile.objects.get(user__email="crew@example.com")
    assert profile.cv and profile.credits.count() == 1
    screenshot("accounts-profile-complete")

    # Mark unavailable days, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    start = timezone.localdate() + timedelta(days=3)
    page.goto(live_server.url + "/zh-hans/me/availability/")
    page.locator("input[name=start_date]").fill(start.isoformat())
    page.locator("input[name=end_date]").fill((start + timedelta(days=1)).isoformat())
    page.locator("input[name=note]").fill("回家")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("td.cal-off").first).to_be_visible()
    assert profile.unavailabilities.count() == 1
    # The month arrows are 44×44 px tap targets at least, named for screen readers.
    for name in ("上个月", "下个月"):
        arrow = page.get_by_role("link", name=name)
        box = arrow.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (name, box)
    screenshot("accounts-availability-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/zh-hans/me/")
    screenshot("accounts-dashboard")
    page.goto(live_server.url + "/zh-hans/accounts/email/")
    screenshot("accounts-email")

    page.locator("header details.account-menu summary").click()  # the menu holds log out
    page.locator("header form[action*=logout] button").click()  # log out
    page.wait_for_load_state()

    # Studio person: sign up, verify, register the studio.
    _sign_up(page, live_server, name="陈制片", email="boss@example.com", intent="studio")
    expect(page).to_have_url(live_server.url + "/zh-hans/studios/new/")
    page.locator("input[name=name]").fill("好运来短剧")
    page.locator("select[name=city]").select_option(str(city.pk))
    page.locator("input[name=credit_code]").fill(credit_code(5))
    page.locator("textarea[name=description]").fill("横店的竖屏短剧工作室。")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("好运来短剧")
    studio = Studio.objects.get(name="好运来短剧")
    assert studio.verification_status == "pending"
    screenshot("accounts-studio-pending")
    page.locator("header details.account-menu summary").click()
    page.locator("header form[action*=logout] button").click()
    page.wait_for_load_state()

    # A moderator verifies it in the admin (signing in through allauth).
    from allauth.account.models import EmailAddress

    moderator = User.objects.create_superuser("mod@example.com", PASSWORD, name="审核员")
    EmailAddress.objects.create(user=moderator, email=moderator.email, verified=True, primary=True)
    TOTP.activate(moderator, MODERATOR_TOTP_SECRET)
    page.goto(live_server.url + "/zh-hans/admin/accounts/studio/")
    page.locator("input[name=login]").fill("mod@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.auth-form button[type=submit]").click()
    # Staff give the code of their authenticator app as a second factor.
    page.locator("input[name=code]").fill(current_totp())
    page.locator("main form button[type=submit]:not([form])").click()
    expect(page).to_have_url(re.compile(r"/zh-hans/admin/accounts/studio/"))
    page.locator(f"input[name=_selected_action][value='{studio.pk}']").check()
    page.locator("select[name=action]").select_option("verify")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    studio.refresh_from_db()
    assert studio.is_verified and studio.verified_by == moderator
    screenshot("accounts-admin-verified")
    assert errors == []
