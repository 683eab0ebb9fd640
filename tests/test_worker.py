"""The task worker loses no email: killed in the middle of a batch, or with its database
restarted under it. Real ``manage.py db_worker`` processes (jobboard/worker.py) against a
real PostgreSQL; the mail goes to files, one per message."""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from jobboard import database
from jobboard.mail import send_templated_email
from tests.conftest import DATABASE_TASKS, database_url

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
TIMEOUT = (
    "2"  # TASK_WORKER_TIMEOUT of the workers here: seconds before a dead one's task runs again
)


def worker_env(url: str, outbox: Path, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobboard.settings",
        "DATABASE_URL": url,
        "TASKS_BACKEND": "database",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-" + "x" * 40,
        "EMAIL_BACKEND": "tests.mail_backends.SlowFileBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "TASK_WORKER_TIMEOUT": TIMEOUT,
        "LOG_LEVEL": "INFO",
        **extra,
    }
    for name in ("EMAIL_HOST", "TEST_DATABASE_NAME", "CALLSHEET_WEB"):
        env.pop(name, None)
    return env


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--skip-checks",
            "--interval=0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )


def recipients(outbox: Path) -> list[str]:
    """The recipient of every message written, once per time it was written."""
    found = []
    for path in outbox.glob("*.log"):
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                message = email.message_from_string(chunk, policy=email.policy.default)
                found.append(str(message["To"]))
    return found


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def queue(addresses: list[str]) -> None:
    with override_settings(TASKS=DATABASE_TASKS):
        for address in addresses:
            send_templated_email.enqueue(
                to=[address],
                template="studio_status_changed",
                context={"studio": "星河短剧", "status": "verified", "reason": "", "url": "/"},
                language="zh-hans",
            )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_batch_loses_no_email(tmp_path):
    """250 emails; the worker is killed twice (once at an arbitrary moment, once while a
    message hangs at the mail server): each task it was running is queued again once its
    heartbeat is TASK_WORKER_TIMEOUT old, and every email is sent, a duplicate at most per
    kill."""
    from django_tasks_db.models import DBTaskResult

    outbox, log = tmp_path / "outbox", tmp_path / "worker.log"
    addresses = [f"crew{n}@example.com" for n in range(250)]
    addresses[150] = "slow-crew150@example.com"
    queue(addresses)
    url = database_url()

    # First kill: at whatever the worker is doing once 50 messages are out.
    worker = start_worker(worker_env(url, outbox), log)
    wait_until(lambda: len(recipients(outbox)) >= 50, 60, "50 messages sent")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    # Second kill: while the 151st message hangs at the mail server.
    worker = start_worker(worker_env(url, outbox, SLOW_MAIL_SECONDS="60"), log)
    slow = DBTaskResult.objects.get(args_kwargs__kwargs__to=[addresses[150]])

    def slow_is_running():
        slow.refresh_from_db()
        return slow.status == "RUNNING"

    wait_until(slow_is_running, 60, "the slow message's task running")
    time.sleep(0.3)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    slow.refresh_from_db()
    assert slow.status == "RUNNING"  # as the dead worker left it

    # A worker started now finishes the batch, the two abandoned tasks included.
    worker = start_worker(worker_env(url, outbox), log)
    try:
        wait_until(
            lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(),
            90,
            "every task successful",
        )
    finally:
        worker.terminate()
        worker.wait(30)
    sent = recipients(outbox)
    lost = set(addresses) - set(sent)
    duplicates = len(sent) - len(set(sent))
    print(f"\n250 emails, 2 kills: {len(lost)} lost, {duplicates} duplicate(s)")
    assert lost == set()
    assert set(sent) == set(addresses)
    assert duplicates <= 2
    assert sent.count(addresses[150]) == 1  # killed before the server took it: sent once
    slow.refresh_from_db()
    assert len(slow.worker_ids) == 2  # claimed by the killed worker, then by the last one
    assert worker.returncode == 0
    text = log.read_text()
    assert "Traceback" not in text
    assert f"Task id={slow.id} queued again" in text


def test_the_worker_waits_out_a_database_restart(own_database, tmp_path):
    """The database stops under a running worker and starts again: the worker logs the
    outage (one line per attempt, no traceback), stays up, and sends what is queued after."""
    pgdata, settings = own_database
    outbox, log = tmp_path / "outbox", tmp_path / "worker.log"
    env = worker_env(database_url(settings), outbox)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
    )

    def enqueue(address: str) -> None:
        code = (
            "from jobboard.mail import send_templated_email as t;"
            f"t.enqueue(to=[{address!r}], template='studio_status_changed',"
            " context={'studio': 'S', 'status': 'verified', 'reason': '', 'url': '/'},"
            " language='en')"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            check=True,
        )

    worker = start_worker(env, log)
    try:
        enqueue("before@example.com")
        wait_until(lambda: "before@example.com" in recipients(outbox), 60, "first email")
        database.stop(pgdata)
        time.sleep(3)
        assert worker.poll() is None, log.read_text()
        database.pg_ctl(
            "-w",
            "-l",
            str(pgdata / "log"),
            "-o",
            '-h ""',
            "-o",
            f"-k {pgdata}",
            "start",
            pgdata=pgdata,
        )
        enqueue("after@example.com")
        wait_until(lambda: "after@example.com" in recipients(outbox), 60, "email after restart")
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(30)
    text = log.read_text()
    assert "Traceback" not in text, text
    assert "Database unavailable" in text or "Heartbeat: database unavailable" in text
    assert sorted(recipients(outbox)) == ["after@example.com", "before@example.com"]


@pytest.mark.django_db
def test_a_mail_server_out_of_reach_is_tried_again_later_then_given_up(settings):
    """A transient failure (the mail server or the database out of reach) queues the task
    again, later each time (30 s, doubling), up to MAX_ATTEMPTS runs; then it fails, with the
    error kept. Any other error fails the task at once."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from jobboard.worker import MAX_ATTEMPTS, Worker, transient

    settings.TASKS = DATABASE_TASKS
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.UnreachableBackend"}}
    queue(["crew@example.com"])
    worker = Worker(
        queue_names=["default"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
    )
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        DBTaskResult.objects.update(run_after=timezone.now())  # due now
        task = DBTaskResult.objects.ready().get()
        task.claim(f"worker-{attempt}")
        before = timezone.now()
        worker.run_task(task)
        task.refresh_from_db()
        if attempt < MAX_ATTEMPTS:
            assert task.status == "READY"
            delays.append(round((task.run_after - before).total_seconds()))
        else:
            assert task.status == "FAILED"
            assert task.exception_class_path == "builtins.ConnectionRefusedError"
    assert delays == [30 * 2**n for n in range(MAX_ATTEMPTS - 1)]

    import smtplib

    assert not transient(smtplib.SMTPRecipientsRefused({}))
    assert not transient(smtplib.SMTPDataError(550, b"mailbox unavailable"))
    assert transient(smtplib.SMTPDataError(451, b"try again later"))
    assert not transient(ValueError("a bug"))
