"""Endings are events: when a shoot is cancelled, taken down, expires after it started, or its
studio is suspended, or a person deletes their account, every active application follows:
bookings are released (openings and dates freed), pending applications and offers end, the
history says why, and each person is emailed once."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from applications.models import Application
from jobboard.transitions import InvalidTransition
from postings.models import Shoot
from tests.applications.conftest import submit
from tests.factories import CrewProfileFactory, RoleFactory, ShootFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(studio_a):
    """A published shoot of studio A with two roles; one person booked on the first, offered
    the second; another with a pending application; a third shortlisted."""
    studio_member = UserFactory(name="制片")
    member(studio_member, studio_a)
    shoot = ShootFactory(studio=studio_a)
    first = RoleFactory(shoot=shoot, openings=1, title="灯光助理")
    second = RoleFactory(shoot=shoot, openings=2, title="摄影助理")
    shoot.submit()
    booked_person, pending_person, shortlisted_person = (CrewProfileFactory().user for _ in "123")
    booking = submit(first, booked_person)
    shortlisted = submit(first, shortlisted_person)
    offer = submit(second, booked_person)
    pending = submit(second, pending_person)
    booking.offer(by=studio_member)
    booking.accept(by=booked_person)
    offer.offer(by=studio_member)
    shortlisted.shortlist(by=studio_member)
    return {
        "shoot": shoot,
        "member": studio_member,
        "booking": booking,
        "offer": offer,
        "pending": pending,
        "shortlisted": shortlisted,
    }


def statuses(board):
    return {
        name: Application.objects.get(pk=board[name].pk).status
        for name in ("booking", "offer", "pending", "shortlisted")
    }


def emails_by_person(outbox):
    found = {}
    for message in outbox:
        for address in message.to:
            found[address] = found.get(address, 0) + 1
    return found


def test_cancelling_releases_bookings_ends_the_rest_and_tells_each_person_once(
    board, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board["shoot"].cancel(by=board["member"])
    assert statuses(board) == {
        "booking": "released",
        "offer": "ended",
        "pending": "ended",
        "shortlisted": "ended",
    }
    booking = Application.objects.get(pk=board["booking"].pk)
    assert booking.booked_dates is None
    assert booking.role.booked_count == 0
    last = booking.events.order_by("-pk").first()
    assert (last.from_status, last.to_status) == ("booked", "released")
    assert "cancelled the shoot" in last.note
    # Three people, three emails: the booked person hears once of both their applications.
    booked_email = board["booking"].applicant.email
    assert emails_by_person(mail.outbox) == {
        booked_email: 1,
        board["pending"].applicant.email: 1,
        board["shortlisted"].applicant.email: 1,
    }
    message = next(m for m in mail.outbox if m.to == [booked_email])
    assert "灯光助理" in message.body and "摄影助理" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body


def test_a_cancelled_booking_frees_the_dates_for_another_shoot(board, studio_a):
    person = board["booking"].applicant
    board["shoot"].cancel(by=board["member"])
    other_shoot = ShootFactory(
        studio=studio_a,
        start_date=board["shoot"].start_date,
        end_date=board["shoot"].end_date,
    )
    other = RoleFactory(shoot=other_shoot)
    other_shoot.submit()
    application = submit(other, person)
    application.offer(by=board["member"])
    application.accept(by=person)  # no "already booked on overlapping dates"
    assert application.status == Application.Status.BOOKED


def test_a_shoot_taken_down_after_publication_ends_its_applications(board):
    board["shoot"].reject(by=None, reason="押金")
    assert set(statuses(board).values()) == {"released", "ended"}


def test_a_shoot_rejected_in_review_has_no_applications_to_end(studio_a):
    shoot = ShootFactory(studio=studio_a)
    RoleFactory(shoot=shoot)
    shoot.submit()
    shoot.after_edit(material=True)
    shoot.reject(by=None, reason="请补充")
    assert shoot.status == Shoot.Status.REJECTED


def test_suspending_the_studio_ends_every_application_to_it(
    board, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board["shoot"].studio.suspend(by=None, reason="假公司")
    assert set(statuses(board).values()) == {"released", "ended"}
    people = {board[n].applicant.email for n in ("booking", "pending", "shortlisted")}
    assert people <= set(emails_by_person(mail.outbox))
    assert all(emails_by_person(mail.outbox)[p] == 1 for p in people)


def test_expiring_before_the_shoot_starts_keeps_the_pipeline(board):
    board["shoot"].expire()
    assert statuses(board) == {
        "booking": "booked",
        "offer": "offered",
        "pending": "submitted",
        "shortlisted": "shortlisted",
    }


def test_once_a_shoot_has_started_open_applications_end_and_bookings_stay(board):
    from freezegun import freeze_time

    shoot = board["shoot"]
    shoot.close(by=board["member"])
    with freeze_time(shoot.start_date + timedelta(days=1)):
        call_command("close_expired_shoots", stdout=StringIO())
        assert statuses(board) == {
            "booking": "booked",
            "offer": "ended",
            "pending": "ended",
            "shortlisted": "ended",
        }
        # Idempotent: a second run ends nothing more.
        out = StringIO()
        call_command("close_expired_shoots", stdout=out)
        assert "0 application(s)" in out.getvalue()


def test_an_ended_offer_cannot_be_accepted(board):
    board["shoot"].cancel(by=board["member"])
    offer = Application.objects.get(pk=board["offer"].pk)
    with pytest.raises(InvalidTransition):
        offer.accept(by=offer.applicant)


def test_deleting_an_account_frees_the_booking_and_forgets_the_person(
    board, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    person = board["booking"].applicant
    email, name = person.email, person.name
    application = Application.objects.get(pk=board["booking"].pk)
    application.add_private_note(by=board["member"], note=f"{name} 很准时")
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"to": [email], "context": {"applicant": name}}},
        task_path="jobboard.mail.send_templated_email",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        person.erase()
    booking = Application.objects.get(pk=board["booking"].pk)
    offer = Application.objects.get(pk=board["offer"].pk)
    assert (booking.status, offer.status) == ("released", "withdrawn")
    assert booking.role.booked_count == 0 and booking.role.listed
    # No row keeps their email or name.
    with connection.cursor() as cursor:
        for text in (email, name):
            cursor.execute(
                f"SELECT count(*) FROM {DBTaskResult._meta.db_table}"  # noqa: S608 - our table
                " WHERE args_kwargs::text LIKE %s",
                [f"%{text}%"],
            )
            assert cursor.fetchone()[0] == 0
    assert not Application.objects.filter(events__note__contains=name).exists()


def test_studios_are_told_once_and_see_a_deleted_account(board, as_user, studio_a):
    """The studio that booked the person (and offered them a role) hears once, without their
    name; its pipeline shows "Deleted account", never the placeholder address."""
    person = board["booking"].applicant
    name = person.name
    mail.outbox.clear()
    person.erase()
    studio_emails = [m for m in mail.outbox if board["member"].email in m.to]
    assert len(studio_emails) == 1
    body = studio_emails[0].body
    assert "灯光助理" in body and "摄影助理" in body  # the booking and the offer
    assert name not in body
    # Pending applications and shortlists of others stay as they were; nobody else is mailed.
    assert {address for m in mail.outbox for address in m.to} <= {
        membership.user.email for membership in studio_a.memberships.all()
    }
    from django.urls import reverse

    page = as_user(board["member"]).get(reverse("applications:pipeline", args=[board["shoot"].pk]))
    text = page.content.decode()
    assert "已注销的账户" in text
    assert "deleted.invalid" not in text and name not in text
