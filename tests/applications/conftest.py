from io import BytesIO

import pytest
from django.core.files.base import ContentFile


def make_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def pdf_bytes() -> bytes:
    return make_pdf()


@pytest.fixture
def role(studio_a):
    """An open lighting role with one opening on a published shoot of studio A."""
    from tests.factories import published_role

    return published_role(
        shoot__studio=studio_a,
        shoot__contact_name="钱场务",
        shoot__contact_phone="13800000000",
        openings=1,
    )


def submit(role, user, note: str = ""):
    from applications.models import Application

    return Application.submit(
        role=role,
        applicant=user,
        note=note,
        cv=ContentFile(make_pdf(), name="cv.pdf"),
        cv_name="李小灯简历.pdf",
        dates_confirmed=True,
    )


@pytest.fixture
def application(role, graduate):
    return submit(role, graduate, note="有两年灯光经验，自带工具。")
