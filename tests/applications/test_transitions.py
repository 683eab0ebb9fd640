"""Every transition, allowed and refused, from every status."""

from datetime import timedelta

import pytest

from applications.models import Application
from jobboard.transitions import InvalidTransition
from tests.applications.conftest import submit

pytestmark = pytest.mark.django_db

S = Application.Status

# Which actions each status allows.
ALLOWED = {
    S.SUBMITTED: {"shortlist", "reject", "offer", "withdraw"},
    S.SHORTLISTED: {"reject", "offer", "withdraw"},
    S.OFFERED: {"reject", "accept", "decline", "withdraw"},
    S.BOOKED: {"release"},
    S.REJECTED: set(),
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.RELEASED: set(),
    S.ENDED: set(),
}
RESULT = {
    "shortlist": S.SHORTLISTED,
    "reject": S.REJECTED,
    "offer": S.OFFERED,
    "withdraw": S.WITHDRAWN,
    "accept": S.BOOKED,
    "decline": S.DECLINED,
    "release": S.RELEASED,
}
# How to reach each status from a fresh application: (action, by) steps.
PATHS = {
    S.SUBMITTED: [],
    S.SHORTLISTED: ["shortlist"],
    S.OFFERED: ["offer"],
    S.BOOKED: ["offer", "accept"],
    S.REJECTED: ["reject"],
    S.DECLINED: ["offer", "decline"],
    S.WITHDRAWN: ["withdraw"],
    S.RELEASED: ["offer", "accept", "release"],
    S.ENDED: ["offer", "shoot_cancelled"],  # ended with the shoot, by no one's action on it
}
CREW_ACTIONS = {"withdraw", "accept", "decline"}


def act(application, action, graduate, recruiter):
    if action == "shoot_cancelled":
        application.role.shoot.cancel(by=recruiter)
        return
    by = graduate if action in CREW_ACTIONS else recruiter
    getattr(application, action)(by=by)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(RESULT))
def test_transition(status, action, role, graduate, recruiter, django_capture_on_commit_callbacks):
    application = submit(role, graduate)
    for step in PATHS[status]:
        act(application, step, graduate, recruiter)
    application.refresh_from_db()
    assert application.status == status
    events = application.events.count()
    if action in ALLOWED[status]:
        with django_capture_on_commit_callbacks(execute=True):
            act(application, action, graduate, recruiter)
        application.refresh_from_db()
        assert application.status == RESULT[action]
        event = application.events.last()
        assert (event.from_status, event.to_status) == (status, RESULT[action])
        assert application.events.count() == events + 1
    else:
        with pytest.raises(InvalidTransition):
            act(application, action, graduate, recruiter)
        application.refresh_from_db()
        assert application.status == status
        assert application.events.count() == events


def test_booking_fills_the_role_and_a_release_reopens_it(role, graduate, recruiter):
    application = submit(role, graduate)
    application.offer(by=recruiter)
    application.accept(by=graduate)
    role.refresh_from_db()
    assert role.is_filled and not role.listed
    application.release(by=recruiter)
    role.refresh_from_db()
    assert not role.is_filled and role.listed


def test_offer_records_when_it_was_made(role, graduate, recruiter):
    application = submit(role, graduate)
    application.offer(by=recruiter)
    application.refresh_from_db()
    assert application.offered_at is not None


def test_accept_refused_when_booked_on_overlapping_dates(role, graduate, recruiter):
    from tests.factories import published_role

    other = published_role(shoot__studio=role.shoot.studio, shoot__start_date=role.start_date)
    first, second = submit(role, graduate), submit(other, graduate)
    first.offer(by=recruiter)
    second.offer(by=recruiter)
    first.accept(by=graduate)
    with pytest.raises(InvalidTransition):
        second.accept(by=graduate)


def test_an_offer_on_a_cancelled_shoot_cannot_be_accepted(role, graduate, recruiter):
    application = submit(role, graduate)
    application.offer(by=recruiter)
    role.shoot.cancel(by=recruiter)
    with pytest.raises(InvalidTransition):
        application.accept(by=graduate)


def test_an_offer_on_a_closed_shoot_can_still_be_accepted(role, graduate, recruiter):
    application = submit(role, graduate)
    application.offer(by=recruiter)
    role.shoot.close(by=recruiter)
    application.accept(by=graduate)
    assert application.status == Application.Status.BOOKED


def test_date_clashes_lists_days_off_and_bookings(role, graduate, recruiter):
    from accounts.models import Unavailability
    from applications.models import date_clashes

    assert date_clashes(graduate, role.start_date, role.end_date) == {
        "days_off": [],
        "bookings": [],
        "offers": [],
    }
    day_off = Unavailability.objects.create(
        profile=graduate.crew_profile, start_date=role.end_date, end_date=role.end_date
    )
    application = submit(role, graduate)
    application.offer(by=recruiter)
    application.accept(by=graduate)
    clashes = date_clashes(graduate, role.end_date, role.end_date)
    assert clashes == {"days_off": [day_off], "bookings": [application], "offers": []}
    later = role.end_date + timedelta(days=400)
    assert date_clashes(graduate, later, later) == {
        "days_off": [],
        "bookings": [],
        "offers": [],
    }


def test_an_offer_on_a_shoot_that_has_started_cannot_be_accepted(role, graduate, recruiter):
    """Accepting books the person: never into the past."""
    from freezegun import freeze_time

    application = submit(role, graduate)
    application.offer(by=recruiter)
    with freeze_time(role.start_date + timedelta(days=1)), pytest.raises(InvalidTransition):
        application.accept(by=graduate)
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED


def test_an_offer_on_a_shoot_in_review_cannot_be_accepted(role, graduate, recruiter):
    application = submit(role, graduate)
    application.offer(by=recruiter)
    role.shoot.after_edit(material=True)
    with pytest.raises(InvalidTransition):
        application.accept(by=graduate)
