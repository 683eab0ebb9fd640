import email
import email.policy
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import StudioMembership
from applications.models import Application
from tests.applications.conftest import submit
from tests.conftest import DATABASE_TASKS, database_url
from tests.factories import CrewProfileFactory, UserFactory, member

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_studio_hears_of_a_new_application_with_a_link_to_the_pipeline(
    role, graduate, recruiter, owner, django_capture_on_commit_callbacks
):
    StudioMembership.objects.filter(user=owner).update(
        notify_new_applications=StudioMembership.Notify.DAILY
    )
    recruiter.preferred_language = "en"
    recruiter.save()
    with django_capture_on_commit_callbacks(execute=True):
        submit(role, graduate)
    [email] = mail.outbox
    assert email.to == [recruiter.email]
    assert role.title in email.subject
    assert f"/en/studio/shoots/{role.shoot_id}/applicants/" in email.body
    assert "李小灯" in email.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("steps", "label"),
    [
        (["shortlist"], "Shortlisted"),
        (["offer"], "Offered"),
        (["reject"], "Not selected"),
    ],
)
def test_applicant_hears_of_every_status_change(
    role, graduate, recruiter, steps, label, django_capture_on_commit_callbacks
):
    graduate.preferred_language = "en"
    graduate.save()
    application = submit(role, graduate)
    mail.outbox.clear()  # the studio's email about the new application
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            getattr(application, step)(by=recruiter)
    [email] = mail.outbox
    assert email.to == [graduate.email]
    assert email.body.startswith(label)
    assert "/en/me/applications/" in email.body
    assert role.shoot.studio.name in email.body


@pytest.mark.django_db
def test_status_email_is_in_the_applicants_language(
    role, graduate, recruiter, django_capture_on_commit_callbacks
):
    application = submit(role, graduate)
    mail.outbox.clear()  # the studio's email about the new application
    with django_capture_on_commit_callbacks(execute=True):
        application.reject(by=recruiter, message="档期已满，谢谢")
    [email] = mail.outbox
    assert "/zh-hans/me/applications/" in email.body
    assert "档期已满，谢谢" in email.body


@pytest.mark.django_db
def test_daily_digest_goes_to_members_who_chose_it(
    role, graduate, other_graduate, owner, recruiter
):
    StudioMembership.objects.filter(user=owner).update(
        notify_new_applications=StudioMembership.Notify.DAILY
    )
    submit(role, graduate)
    submit(role, other_graduate)
    old = submit(role, CrewProfileFactory().user)
    Application.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    mail.outbox.clear()  # the recruiter asked for an email per application
    call_command("send_application_digests", stdout=StringIO())
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert "李小灯" in email.body and "王二助" in email.body
    assert email.body.count(role.title) == 2
    assert f"/studio/shoots/{role.shoot_id}/applicants/" in email.body


@pytest.mark.django_db
def test_no_digest_without_new_applications(owner):
    StudioMembership.objects.filter(user=owner).update(
        notify_new_applications=StudioMembership.Notify.DAILY
    )
    call_command("send_application_digests", stdout=StringIO())
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_an_unanswered_offer_is_reminded_once(hub_city):
    from tests.factories import StudioFactory, published_role

    studio = StudioFactory()
    studio_recruiter = UserFactory()
    member(studio_recruiter, studio)
    role = published_role(shoot__studio=studio)
    person = CrewProfileFactory().user
    fresh_person = CrewProfileFactory().user
    stale = submit(role, person)
    fresh = submit(role, fresh_person)
    stale.offer(by=studio_recruiter)
    fresh.offer(by=studio_recruiter)
    Application.objects.filter(pk=stale.pk).update(offered_at=timezone.now() - timedelta(hours=25))
    mail.outbox.clear()
    call_command("remind_offers", stdout=StringIO())
    call_command("remind_offers", stdout=StringIO())
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "/me/applications/" in mail.outbox[0].body
    stale.refresh_from_db()
    assert stale.offer_reminded_at is not None


def test_commands_state_their_policy():
    from applications.management.commands import remind_offers, send_application_digests

    assert "24" in remind_offers.Command.help and "one reminder" in remind_offers.Command.help
    assert "daily" in send_application_digests.Command.help


@pytest.mark.django_db(transaction=True)
def test_a_real_db_worker_delivers_the_email(hub_city):
    """The email is queued in the database and sent by ``manage.py db_worker`` in a separate
    process, as in production (the console mailer prints it)."""
    from django_tasks_db.models import DBTaskResult

    from tests.factories import StudioFactory, published_role

    studio = StudioFactory()
    studio_recruiter = UserFactory(email="worker-test@xinghe.example")
    member(studio_recruiter, studio)
    role = published_role(shoot__studio=studio)
    person = CrewProfileFactory(user__name="工人测试").user
    with override_settings(TASKS=DATABASE_TASKS):
        submit(role, person)
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobboard.settings",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "DEBUG": "1",  # the console mailer: the email is printed to stdout
        "SECRET_KEY": "worker-test-" + "x" * 40,
    }
    for name in ("EMAIL_HOST", "TEST_DATABASE_NAME"):
        env.pop(name, None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--skip-checks",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # The console mailer prints each message followed by a line of dashes.
    printed = result.stdout.split("\n" + "-" * 79)[0]
    message = email.message_from_string(printed, policy=email.policy.default)
    assert message["To"] == "worker-test@xinghe.example"
    body = message.get_body().get_content()
    assert f"/studio/shoots/{role.shoot_id}/applicants/" in body
    assert "工人测试" in body
    # Applying queued one task; the worker ran it, which queued the studio member's email.
    tasks = DBTaskResult.objects.order_by("enqueued_at")
    assert [t.task_path for t in tasks] == [
        "applications.emails.new_application_task",
        "jobboard.mail.send_templated_email",
    ]
    assert {t.status for t in tasks} == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_the_email_task_commits_with_the_application(hub_city):
    """The studio's email is queued in the application's own transaction: a rolled-back
    application leaves no task, and a committed one always has its task."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from tests.factories import StudioFactory, published_role

    studio = StudioFactory()
    member(UserFactory(), studio)
    role = published_role(shoot__studio=studio)
    person = CrewProfileFactory().user

    class Abort(Exception):
        pass

    with override_settings(TASKS=DATABASE_TASKS):
        with pytest.raises(Abort), transaction.atomic():
            submit(role, person)
            assert DBTaskResult.objects.count() == 1  # written, not yet committed
            raise Abort
        assert not Application.objects.exists()
        assert not DBTaskResult.objects.exists()
        submit(role, person)
    assert Application.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_no_reminder_for_an_offer_that_can_no_longer_be_accepted(hub_city):
    """A full role, a cancelled shoot or one that has started: nothing to remind of."""
    from tests.factories import StudioFactory, published_role

    studio = StudioFactory()
    studio_recruiter = UserFactory()
    member(studio_recruiter, studio)
    full = published_role(shoot__studio=studio, openings=1)
    cancelled = published_role(shoot__studio=studio)
    started = published_role(shoot__studio=studio)
    offers = []
    for role in (full, cancelled, started):
        application = submit(role, CrewProfileFactory().user)
        application.offer(by=studio_recruiter)
        offers.append(application)
    booked = submit(full, CrewProfileFactory().user)
    booked.offer(by=studio_recruiter)
    booked.accept(by=booked.applicant)
    cancelled.shoot.cancel(by=studio_recruiter)
    from postings.models import Shoot

    Shoot.objects.filter(pk=started.shoot_id).update(
        start_date=timezone.localdate() - timedelta(days=1)
    )
    Application.objects.filter(pk__in=[a.pk for a in offers]).update(
        offered_at=timezone.now() - timedelta(hours=25)
    )
    assert not Application.objects.offers_to_remind().exists()
    mail.outbox.clear()
    call_command("remind_offers", stdout=StringIO())
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_transition_emails_are_queued_in_the_transition_s_transaction(hub_city):
    """Every email that tells of a change is queued inside the change's transaction (with the
    database task backend the task row commits with it): none is left to an after-commit hook
    that a crash between the two would skip."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from tests.factories import StudioFactory, published_role

    studio = StudioFactory()
    member(UserFactory(), studio, role=StudioMembership.Role.OWNER)
    role = published_role(shoot__studio=studio)
    person = CrewProfileFactory().user
    with override_settings(TASKS=DATABASE_TASKS):
        application = submit(role, person)
        DBTaskResult.objects.all().delete()
        steps = [
            lambda: application.shortlist(by=None),
            lambda: role.shoot.cancel(by=None),
            lambda: studio.suspend(by=None, reason="押金诈骗"),
            lambda: studio.verify(by=None),
        ]
        for step in steps:
            with transaction.atomic():
                step()
                queued = DBTaskResult.objects.filter(
                    task_path="jobboard.mail.send_templated_email"
                ).count()
            assert queued >= 1, step
            DBTaskResult.objects.all().delete()
