"""Run the periodic management commands on their schedule, in one long-lived process (the
compose `scheduler` service; `make run` starts one too). Cron can run the same commands
instead: see the README."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass
class Job:
    command: str
    every: timedelta | None = None  # run at this interval...
    daily_at: str | None = None  # ...or once a day at this local time (Asia/Shanghai), "HH:MM"

    def next_run(self, after: datetime) -> datetime:
        if self.every:
            return after + self.every
        hour, minute = map(int, self.daily_at.split(":"))
        local = timezone.localtime(after)
        run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return run if run > local else run + timedelta(days=1)


SCHEDULE = [
    # Alerts may be "as soon as possible": their own batching (15 minutes) decides what is due.
    Job("send_alerts", every=timedelta(minutes=5)),
    Job("close_expired_shoots", every=timedelta(hours=1)),
    Job("remind_offers", every=timedelta(hours=1)),
    Job("send_application_digests", daily_at="08:00"),
    Job("prune_db_task_results", daily_at="04:00"),
]


class Command(BaseCommand):
    help = (
        "Run periodic commands forever: send_alerts every 5 minutes, close_expired_shoots and "
        "remind_offers hourly, send_application_digests daily at 08:00 and "
        "prune_db_task_results daily at 04:00 (Asia/Shanghai). Each command is idempotent, so "
        "a restart or two schedulers at once cause no duplicate effect. --once runs each "
        "command a single time and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once, then exit")

    def handle(self, *args, once: bool, **options):
        available = get_commands()
        jobs = [job for job in SCHEDULE if job.command in available]
        if once:
            for job in jobs:
                self._run(job)
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

    def _run(self, job: Job) -> None:
        close_old_connections()
        try:
            call_command(job.command, stdout=self.stdout, stderr=self.stderr)
        except Exception:  # one failing job must not stop the others
            logger.exception("periodic command %s failed", job.command)
