"""Rules that live on the models: publishing, screening, booking."""

import pytest

from jobboard.transitions import InvalidTransition
from postings.models import Role, Shoot
from tests.factories import RoleFactory, StudioFactory, published_role

pytestmark = pytest.mark.django_db


def test_verified_studio_without_flags_publishes_at_once():
    role = published_role()
    assert role.shoot.status == Shoot.Status.PUBLISHED
    assert role.listed and Role.objects.listed().filter(pk=role.pk).exists()


def test_unverified_studio_waits_for_review():
    role = RoleFactory(shoot__studio=StudioFactory(verification_status="pending"))
    role.shoot.submit()
    assert role.shoot.status == Shoot.Status.PENDING
    role.refresh_from_db()
    assert not role.listed


def test_fee_request_is_flagged_and_held():
    role = RoleFactory(description="进组前需交押金500元")
    role.shoot.submit()
    assert role.shoot.status == Shoot.Status.PENDING
    assert role.shoot.flags[0]["rule"] == "fee"


def test_search_finds_chinese_and_english():
    role = published_role(title="灯光助理")
    assert Role.objects.listed().search("灯光").get() == role
    assert Role.objects.listed().search("LIGHTING").get() == role
    assert not Role.objects.listed().search("化妆").exists()


def test_booking_fills_the_role_and_refuses_overlaps(graduate, recruiter):
    from applications.models import Application

    role = published_role(openings=1)
    app = Application.submit(
        role=role, applicant=graduate, note="", cv="", cv_name="", dates_confirmed=True
    )
    app.offer(by=recruiter)
    app.accept(by=graduate)
    role.refresh_from_db()
    assert role.is_filled and not role.listed
    other = published_role(shoot__start_date=role.start_date)
    second = Application.submit(
        role=other, applicant=graduate, note="", cv="", cv_name="", dates_confirmed=True
    )
    second.offer(by=recruiter)
    with pytest.raises(InvalidTransition):
        second.accept(by=graduate)
    app.release(by=recruiter)
    role.refresh_from_db()
    assert role.listed and role.booked_count == 0
