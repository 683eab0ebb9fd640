from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from jobboard.management.commands.scheduler import SCHEDULE, Job

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


@pytest.mark.django_db
def test_once_runs_every_job_without_stopping_on_a_failure(capsys):
    call_command("scheduler", "--once")
