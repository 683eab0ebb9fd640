import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "cv.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, "application/pdf")


@pytest.fixture
def profile_data(graduate):
    """A complete, valid POST for the profile form, credits formset included."""
    from tests.factories import city

    return {
        "name": "李小灯",
        "headline": "灯光助理 · 2 年经验",
        "departments": ["lighting", "camera"],
        "home_city": city().pk,
        "work_cities": [city().pk],
        "experience_level": "newcomer",
        "school": "北京电影学院",
        "major": "摄影",
        "graduation_year": "2025",
        "bio": "毕业于北京电影学院，跟过三部短剧。",
        "showreel_url": "https://example.com/reel",
        "portfolio_url": "",
        "expected_day_rate": "400",
        "own_kit": "",
        "visibility": "applied",
        "credits-TOTAL_FORMS": "1",
        "credits-INITIAL_FORMS": "0",
        "credits-MIN_NUM_FORMS": "0",
        "credits-MAX_NUM_FORMS": "50",
        "credits-0-production_title": "",
        "credits-0-role": "",
        "credits-0-year": "",
        "credits-0-studio_name": "",
        "credits-0-link": "",
    }


def book(role, user, cv=""):
    """A booked application of ``user`` on ``role`` (through the model methods)."""
    from applications.models import Application

    application = Application.submit(
        role=role, applicant=user, note="", cv=cv, cv_name="", dates_confirmed=True
    )
    owner = role.shoot.studio.owners().first() or user
    application.offer(by=owner)
    application.accept(by=user)
    return application
