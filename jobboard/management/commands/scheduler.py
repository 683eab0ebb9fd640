"""Run the periodic management commands on their schedule, in one long-lived process (the
compose `scheduler` service; `make run` starts one too). Cron can run the same commands
instead: see the README."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.tasks import task_backends
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass
class Job:
    command: str
    every: timedelta | None = None  # run at this interval...
    daily_at: str | None = None  # ...or once a day at this local time (Asia/Shanghai), "HH:MM"
    when: Callable[[], bool] | None = None  # scheduled only where this says the job applies

    def next_run(self, after: datetime) -> datetime:
        if self.every:
            return after + self.every
        hour, minute = map(int, self.daily_at.split(":"))
        local = timezone.localtime(after)
        run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return run if run > local else run + timedelta(days=1)


def _task_results_in_database() -> bool:
    """With the immediate task backend no result is stored: prune_db_task_results has nothing
    to prune, and refuses to run."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


SCHEDULE = [
    # Alerts may be "as soon as possible": their own batching (15 minutes) decides what is due.
    Job("send_alerts", every=timedelta(minutes=5)),
    Job("close_expired_shoots", every=timedelta(hours=1)),
    Job("remind_offers", every=timedelta(hours=1)),
    Job("send_application_digests", daily_at="08:00"),
    Job("send_message_digests", daily_at="18:00"),
    Job("ask_wrap", daily_at="10:00"),
    Job("prune_db_task_results", daily_at="04:00", when=_task_results_in_database),
]


class Command(BaseCommand):
    help = (
        "Run periodic commands forever: send_alerts every 5 minutes, close_expired_shoots and "
        "remind_offers hourly, send_application_digests daily at 08:00, "
        "send_message_digests daily at 18:00 and "
        "prune_db_task_results daily at 04:00 (Asia/Shanghai; with the database task backend). "
        "Each command is idempotent, so a restart or two schedulers at once cause no duplicate "
        "effect. A failing command is logged and the others go on. --once runs each command a "
        "single time and exits with status 1 if any of them failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once, then exit")

    def handle(self, *args, once: bool, **options):
        available = get_commands()
        jobs = [
            job for job in SCHEDULE if job.command in available and (job.when is None or job.when())
        ]
        if once:
            failed = [job.command for job in jobs if not self._run(job)]
            if failed:
                raise CommandError(
                    f"{len(failed)} of {len(jobs)} periodic commands failed: "
                    f"{', '.join(failed)} (tracebacks in the log)"
                )
            return
        now = timezone.now()
        due = {job.command: (now if job.every else job.next_run(now)) for job in jobs}
        self.stdout.write("Scheduler running: " + ", ".join(job.command for job in jobs))
        while True:
            now = timezone.now()
            for job in jobs:
                if due[job.command] <= now:
                    self._run(job)
                    due[job.command] = job.next_run(timezone.now())
            time.sleep(max(1.0, min((t - timezone.now()).total_seconds() for t in due.values())))

    def _run(self, job: Job) -> bool:
        """Run one job; False if it failed. A failure is logged, never raised: one failing
        job must not stop the others."""
        close_old_connections()
        try:
            call_command(job.command, stdout=self.stdout, stderr=self.stderr)
        except Exception:
            logger.exception("periodic command %s failed", job.command)
            return False
        return True
