import logging
import time
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command, load_command_class
from django.utils import timezone
from freezegun import freeze_time

from jobboard.management.commands.scheduler import SCHEDULE, Job
from postings.models import Role, Shoot
from tests.conftest import DATABASE_TASKS
from tests.factories import published_role

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_daily_jobs_run_at_their_local_hour():
    job = Job("x", daily_at="08:00")
    assert job.next_run(datetime(2026, 6, 1, 7, 59, tzinfo=SHANGHAI)) == datetime(
        2026, 6, 1, 8, 0, tzinfo=SHANGHAI
    )
    assert job.next_run(datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI)) == datetime(
        2026, 6, 2, 8, 0, tzinfo=SHANGHAI
    )


def test_interval_jobs_run_again_after_their_interval():
    start = datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI)
    assert Job("x", every=timedelta(minutes=5)).next_run(start) == start + timedelta(minutes=5)


def test_every_scheduled_command_exists():
    from django.core.management import get_commands

    commands = get_commands()
    missing = [job.command for job in SCHEDULE if job.command not in commands]
    assert missing == []


# The scheduler is its own process, outside any transaction (each job starts by closing stale
# connections): its tests are transactional. Tasks go through the database backend, as in
# production, so prune_db_task_results is scheduled too (DATABASE_TASKS).

# What each command prints when it has run to the end (prune_db_task_results logs it instead).
FINISHED = {
    "send_alerts": "Checked 0 alert(s)",
    "close_expired_shoots": "1 shoot(s) expired.",
    "remind_offers": "Sent 0 offer reminder(s).",
    "send_application_digests": "Sent 0 digest(s).",
    "send_message_digests": "Message digests sent: 0.",
    "ask_wrap": "Asked 0 crew member(s)",
    "prune_db_task_results": "Deleted 0 task result(s)",
}


@pytest.fixture
def scheduled(settings, hub_city):
    """Every scheduled command has something to show for itself: one shoot is due to expire."""
    settings.TASKS = DATABASE_TASKS
    role = published_role()
    Role.objects.filter(pk=role.pk).update(apply_by=timezone.localdate() - timedelta(days=1))
    return role.shoot


def finished(output: str, caplog) -> list[str]:
    """The commands that ran to the end."""
    text = output + "\n".join(r.getMessage() for r in caplog.records)
    return [command for command, line in FINISHED.items() if line in text]


def test_every_command_is_scheduled_with_the_database_task_backend(settings):
    settings.TASKS = DATABASE_TASKS
    assert [job.command for job in SCHEDULE if job.when is None or job.when()] == list(FINISHED)


def test_task_results_are_not_pruned_where_none_are_stored():
    # The test settings run tasks immediately: prune_db_task_results would refuse to run.
    assert "prune_db_task_results" not in [
        job.command for job in SCHEDULE if job.when is None or job.when()
    ]


@pytest.mark.django_db(transaction=True)
def test_once_runs_every_job(scheduled, caplog):
    out = StringIO()
    with caplog.at_level(logging.INFO):
        call_command("scheduler", "--once", stdout=out)
    assert finished(out.getvalue(), caplog) == list(FINISHED)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    scheduled.refresh_from_db()
    assert scheduled.status == Shoot.Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_once_logs_a_failing_job_runs_the_others_and_exits_non_zero(
    scheduled, caplog, capsys, monkeypatch
):
    from applications.management.commands import remind_offers

    def boom(self, *args, **options):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(remind_offers.Command, "handle", boom)
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit) as exit:
        # What `manage.py scheduler --once` runs once Django is set up.
        load_command_class("jobboard", "scheduler").run_from_argv(
            ["manage.py", "scheduler", "--once"]
        )

    assert exit.value.code == 1
    output = capsys.readouterr()
    assert "1 of 7 periodic commands failed: remind_offers" in output.err
    [failure] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failure.getMessage() == "periodic command remind_offers failed"
    assert "mail server on fire" in str(failure.exc_info[1])
    # The jobs before and after the failing one all ran.
    expected = [c for c in FINISHED if c != "remind_offers"]
    assert finished(output.out, caplog) == expected
    scheduled.refresh_from_db()
    assert scheduled.status == Shoot.Status.EXPIRED


class _Stop(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_the_loop_keeps_going_after_a_failing_job(scheduled, caplog, monkeypatch):
    from postings.management.commands import send_alerts

    def boom(self, *args, **options):
        raise RuntimeError("alerts broken")

    monkeypatch.setattr(send_alerts.Command, "handle", boom)
    out = StringIO()
    with freeze_time(datetime(2026, 6, 1, 7, 50, tzinfo=SHANGHAI)) as clock:

        def sleep(seconds):  # twenty minutes go by, then the process is stopped
            clock.tick(timedelta(seconds=seconds))
            if timezone.now() > datetime(2026, 6, 1, 8, 7, tzinfo=SHANGHAI):
                raise _Stop

        monkeypatch.setattr(time, "sleep", sleep)
        with caplog.at_level(logging.INFO), pytest.raises(_Stop):
            call_command("scheduler", stdout=out)

    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    # send_alerts failed at 07:50, 07:55, 08:00 and 08:05; each time the scheduler went on.
    assert failures == ["periodic command send_alerts failed"] * 4
    output = out.getvalue()
    assert output.count("shoot(s) expired.") == 1  # hourly, at 07:50
    assert output.count("Sent 0 offer reminder(s).") == 1
    assert output.count("Sent 0 digest(s).") == 1  # daily at 08:00, after three failures
