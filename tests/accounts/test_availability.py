from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import CrewProfile, Unavailability
from tests.accounts.conftest import book
from tests.factories import published_role

pytestmark = pytest.mark.django_db

URL = "/zh-hans/me/availability/"


def test_month_view_shows_marked_and_booked_days(as_user, graduate, django_assert_max_num_queries):
    role = published_role()
    book(role, graduate)
    start = role.start_date
    graduate.crew_profile.unavailabilities.create(
        start_date=start + timedelta(days=20), end_date=start + timedelta(days=21), note="回家"
    )
    client = as_user(graduate)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"month": start.strftime("%Y-%m")})
    assert response.status_code == 200
    days = [d for week in response.context["weeks"] for d in week]
    booked = {d["date"] for d in days if d["booked"]}
    assert start in booked and role.end_date in booked
    off = {d["date"] for d in days if d["off"]}
    if (start + timedelta(days=20)).month == start.month:
        assert start + timedelta(days=20) in off
    assert "cal-booked" in response.content.decode()


def test_bad_month_falls_back_to_this_month(as_user, graduate):
    response = as_user(graduate).get(URL, {"month": "nonsense"})
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_mark_a_range(as_user, graduate):
    response = as_user(graduate).post(
        URL, {"start_date": "2026-12-01", "end_date": "2026-12-03", "note": "考试"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?month=2026-12")
    (range_,) = graduate.crew_profile.unavailabilities.all()
    assert (range_.start_date, range_.end_date, range_.days) == (
        date(2026, 12, 1),
        date(2026, 12, 3),
        3,
    )


def test_single_day_needs_no_end(as_user, graduate):
    as_user(graduate).post(URL, {"start_date": "2026-12-05"})
    assert graduate.crew_profile.unavailabilities.get().end_date == date(2026, 12, 5)


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-12-03", "2026-12-01"), ("2026-12-01", "2026-12-01"), ("2026-12-01", "2026-12-09")],
    ids=["end-before-start", "duplicate", "overlap"],
)
def test_invalid_ranges_are_refused_with_data_kept(as_user, graduate, start, end):
    graduate.crew_profile.unavailabilities.create(
        start_date=date(2026, 12, 1), end_date=date(2026, 12, 1)
    )
    response = as_user(graduate).post(URL, {"start_date": start, "end_date": end, "note": "留"})
    assert response.status_code == 200
    assert not response.context["form"].is_valid()
    assert 'value="留"' in response.content.decode()
    assert graduate.crew_profile.unavailabilities.count() == 1


def test_remove_a_range(as_user, graduate):
    range_ = graduate.crew_profile.unavailabilities.create(
        start_date=date(2026, 12, 1), end_date=date(2026, 12, 2)
    )
    client = as_user(graduate)
    assert client.get(f"{URL}{range_.pk}/delete/").status_code == 405
    assert client.post(f"{URL}{range_.pk}/delete/").status_code == 302
    assert not Unavailability.objects.exists()


def test_other_crew_cannot_remove_my_range(as_user, graduate, other_graduate):
    range_ = graduate.crew_profile.unavailabilities.create(
        start_date=date(2026, 12, 1), end_date=date(2026, 12, 2)
    )
    assert as_user(other_graduate).post(f"{URL}{range_.pk}/delete/").status_code == 404
    assert Unavailability.objects.filter(pk=range_.pk).exists()


def test_without_crew_profile_is_404(as_user, owner):
    assert as_user(owner).get(URL).status_code == 404


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_free_between(graduate, other_graduate):
    graduate.crew_profile.unavailabilities.create(
        start_date=date(2026, 12, 1), end_date=date(2026, 12, 5)
    )
    free = CrewProfile.objects.free_between(date(2026, 12, 4), date(2026, 12, 8))
    assert list(free) == [other_graduate.crew_profile]
    later = CrewProfile.objects.free_between(date(2026, 12, 6), date(2026, 12, 8))
    assert set(later) == {graduate.crew_profile, other_graduate.crew_profile}


def test_free_between_counts_bookings(graduate, other_graduate):
    role = published_role()
    book(role, graduate)
    free = CrewProfile.objects.free_between(role.start_date, role.start_date)
    assert list(free) == [other_graduate.crew_profile]
