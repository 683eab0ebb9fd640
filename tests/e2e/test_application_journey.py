"""A crew member applies; the studio shortlists and offers; the crew member accepts; both see
the booking; the role shows as filled."""

from io import BytesIO

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def setting(db):
    from postings.models import City

    City.objects.get_or_create(
        slug="hengdian",
        defaults={"name_zh": "横店", "name_en": "Hengdian", "province": "浙江", "is_hub": True},
    )
    from tests.factories import (
        CrewProfileFactory,
        StudioFactory,
        UserFactory,
        member,
        published_role,
    )

    studio = StudioFactory(name="星河短剧")
    recruiter = UserFactory(email="rec@xinghe.example", name="赵统筹")
    member(recruiter, studio)
    role = published_role(
        shoot__studio=studio,
        shoot__title="闪婚总裁的小娇妻",
        shoot__contact_name="钱场务",
        shoot__contact_phone="13800000000",
        title="灯光助理",
        openings=1,
    )
    crew = CrewProfileFactory(user__email="crew@example.com", user__name="李小灯").user
    return role, recruiter, crew


def test_apply_offer_accept_and_fill(page, live_server, screenshot, setting):
    from applications.models import Application
    from postings.models import Role

    role, recruiter, crew = setting
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The crew member applies.
    sign_in(page, live_server, crew)
    page.goto(f"{live_server.url}/en/roles/{role.pk}/")
    page.get_by_role("link", name="Apply", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/en/roles/{role.pk}/apply/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("灯光助理")
    expect(page.locator(".safety-note")).to_contain_text("Never pay to apply")
    page.get_by_label("A short note to the studio").fill("两年灯光经验，自带工具。")
    page.get_by_label("CV for this application").set_input_files(
        {"name": "李小灯简历.pdf", "mimeType": "application/pdf", "buffer": _pdf()}
    )
    page.get_by_label("I can work every day of the shoot").check()
    page.get_by_label("I agree to share my profile and CV with 星河短剧").check()
    screenshot("apply-form")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator(".message-success")).to_contain_text("Application sent")
    expect(page.locator(".application-card .badge")).to_have_text("Submitted")

    # The studio shortlists, then offers.
    sign_in(page, live_server, recruiter)
    page.goto(f"{live_server.url}/en/studio/shoots/{role.shoot_id}/applicants/")
    applicant = page.locator("article.applicant")
    expect(applicant).to_contain_text("李小灯")
    expect(applicant).to_contain_text("Free on the shoot dates")
    applicant.get_by_role("button", name="Shortlist").click()
    expect(page.locator("article.applicant .badge").first).to_have_text("Shortlisted")
    page.locator("article.applicant").get_by_role("button", name="Offer the role").click()
    expect(page.locator("article.applicant .badge").first).to_have_text("Offered")
    screenshot("pipeline-offered")

    # The crew member accepts and sees the address and contact.
    sign_in(page, live_server, crew)
    page.goto(f"{live_server.url}/en/me/applications/")
    page.get_by_role("button", name="Accept the offer").click()
    booked = page.locator(".booked-section")
    expect(booked).to_contain_text("浙江省东阳市横店镇")
    expect(booked).to_contain_text("钱场务")
    expect(booked).to_contain_text("13800000000")
    screenshot("my-applications-booked")

    # The studio sees the booking and the role filled.
    sign_in(page, live_server, recruiter)
    page.goto(f"{live_server.url}/en/studio/shoots/{role.shoot_id}/applicants/")
    expect(page.locator("article.applicant .badge").first).to_have_text("Booked")
    expect(page.locator(".fill-board")).to_contain_text("Filled")
    expect(page.locator("article.applicant")).to_contain_text("crew@example.com")
    screenshot("pipeline-booked")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("pipeline-booked-phone")

    # The role page says the role is filled; search no longer lists it.
    page.goto(f"{live_server.url}/en/roles/{role.pk}/")
    expect(page.locator("main")).to_contain_text("Filled")
    expect(page.get_by_role("link", name="Apply", exact=True)).to_have_count(0)

    assert Application.objects.get().status == Application.Status.BOOKED
    assert not Role.objects.listed().filter(pk=role.pk).exists()
    assert errors == []
