"""The task worker, made safe against crashes: ``manage.py db_worker`` runs this one
(jobboard/management/commands/db_worker.py) instead of django-tasks-db's own, which (0.13)
leaves a task RUNNING forever when its worker dies and exits when the database restarts.

- **A dead worker's task runs again.** Each worker writes a heartbeat (``WorkerHeartbeat``)
  every ``TASK_WORKER_TIMEOUT / 5`` seconds from a thread of its own. A task RUNNING under a
  worker whose heartbeat is older than ``TASK_WORKER_TIMEOUT`` (60 s) is put back in the queue
  by any worker still alive, and run again: a duplicate email at most, per crash, never a loss.
- **A database outage is waited out.** A worker that loses the database logs one line, waits
  (1 s, doubling to 30 s) and goes on; the task it was running is queued again.
- **Transient failures are retried.** A task that fails because the database or the mail
  server could not be reached is queued again after a delay (30 s, doubling), up to
  ``MAX_ATTEMPTS`` runs in all; any other error fails the task at once, with its traceback.

Sending is safe to repeat because each email is one task: a task run twice sends its one
email twice, and no task depends on another having run once only.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as BaseWorker
from django_tasks_db.models import DBTaskResult

from jobboard.models import WorkerHeartbeat

logger = logging.getLogger("jobboard.worker")

MAX_ATTEMPTS = 8
RETRY_DELAY = timedelta(seconds=30)  # after the first failed attempt; doubles each time
DATABASE_DOWN = (OperationalError, InterfaceError)


def _timeout() -> timedelta:
    return timedelta(seconds=settings.TASK_WORKER_TIMEOUT)


def transient(error: BaseException) -> bool:
    """A failure that another attempt later may not meet: the database or the mail server was
    out of reach. A mail server's permanent refusal (5xx) is not."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(error, (*DATABASE_DOWN, OSError))


def requeue_abandoned(*, worker_id: str | None = None) -> list[str]:
    """Put back in the queue the tasks RUNNING under a worker that is gone: one whose heartbeat
    is older than TASK_WORKER_TIMEOUT (and the task too), or ``worker_id``, a worker that knows
    it runs nothing now. Returns the tasks' ids."""
    now = timezone.now()
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        if worker_id is None:
            alive = set(
                WorkerHeartbeat.objects.filter(seen_at__gte=now - _timeout()).values_list(
                    "worker_id", flat=True
                )
            )
            candidates = running.filter(started_at__lt=now - _timeout())
            ids = [
                task.id
                for task in candidates.only("id", "worker_ids")
                if not task.worker_ids or task.worker_ids[-1] not in alive
            ]
        else:
            ids = [
                task.id
                for task in running.only("id", "worker_ids")
                if task.worker_ids and task.worker_ids[-1] == worker_id
            ]
        if ids:
            DBTaskResult.objects.filter(id__in=ids).update(status="READY", started_at=None)
    for task_id in ids:
        logger.warning("Task id=%s queued again: its worker stopped while running it", task_id)
    return ids


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat, queues again what dead workers left running, and forgets
    workers gone for a day. Its own thread, so that a long task does not stop the beat."""

    def __init__(self, worker_id: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.interval = settings.TASK_WORKER_TIMEOUT / 5
        self.database_down = False

    def beat(self) -> None:
        now = timezone.now()
        try:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={"seen_at": now},
                create_defaults={"seen_at": now, "started_at": self.started_at},
            )
            requeue_abandoned()
            WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
        except DatabaseError as error:
            if not self.database_down:
                logger.warning("Heartbeat: database unavailable (%s)", _one_line(error))
            self.database_down = True
            _drop_connection()
        else:
            self.database_down = False

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                self.beat()
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop beating and remove the row (a clean exit leaves nothing for others to wait
        out). Called from the worker's thread."""
        self.stopping.set()
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            _drop_connection()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _drop_connection() -> None:
    """Forget this thread's connection after a database error (it may be broken)."""
    with contextlib.suppress(DatabaseError):
        connection.close()


class Worker(BaseWorker):
    """django-tasks-db's worker with a heartbeat, a retry of transient failures, and a loop
    that outlives the database's restarts."""

    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.beat()
        heartbeat.start()
        delay = 1.0
        try:
            while True:
                try:
                    # After an outage, the task this worker was running is still RUNNING
                    # under its id: nothing runs here now, so it goes back to the queue.
                    requeue_abandoned(worker_id=self.worker_id)
                    super().run()
                    return  # --batch found nothing left, or --max-tasks was reached
                except DATABASE_DOWN as error:
                    if not self.running:
                        return
                    logger.warning(
                        "Database unavailable (%s): trying again in %.0f s", _one_line(error), delay
                    )
                    self.running_task = False
                    _drop_connection()
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    self.startup_delay = False
                else:
                    delay = 1.0
        finally:
            heartbeat.stop()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed task: successful, failed, or (a transient failure, attempts left)
        queued again for later."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except Exception as error:
            attempts = len(db_task_result.worker_ids)
            if isinstance(error, DATABASE_DOWN) and attempts < MAX_ATTEMPTS:
                raise  # run() waits the outage out, then queues the task again
            if transient(error) and attempts < MAX_ATTEMPTS:
                self.retry_later(db_task_result, error, attempts)
            else:
                db_task_result.set_failed(error)
                logger.error(
                    "Task id=%s failed after %d attempt(s): %s",
                    db_task_result.id,
                    attempts,
                    _one_line(error),
                )
                task_finished.send(
                    sender=type(db_task_result.task.get_backend()),
                    task_result=db_task_result.task_result,
                )
        finally:
            self.running_task = False
            self._run_tasks += 1

    @staticmethod
    def retry_later(db_task_result: DBTaskResult, error: BaseException, attempts: int) -> None:
        delay = RETRY_DELAY * 2 ** (attempts - 1)
        logger.warning(
            "Task id=%s: %s; attempt %d of %d again in %d s",
            db_task_result.id,
            _one_line(error),
            attempts + 1,
            MAX_ATTEMPTS,
            delay.total_seconds(),
        )
        db_task_result.status = "READY"
        db_task_result.started_at = None
        db_task_result.run_after = timezone.now() + delay
        db_task_result.save(update_fields=["status", "started_at", "run_after"])
