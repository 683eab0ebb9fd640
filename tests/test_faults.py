"""The app survives its database going away: a real gunicorn against a PostgreSQL server of
its own, which the test stops and starts again."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from jobboard import database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(url: str, status: int, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if _get(url)[0] == status:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer {status} within {seconds}s")


@pytest.fixture
def gunicorn(own_database):
    pgdata, db = own_database
    port = _free_port()
    url = "postgresql://postgres@{host}:{port}/{name}".format(
        host=urllib.parse.quote(db["HOST"], safe=""), port=db["PORT"], name=db["NAME"]
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESSLOG": "",
    }
    # Sessions are the one table these requests read.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "sessions", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = pgdata.parent / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "jobboard.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", 200, 30)
        yield base, pgdata, log
    finally:
        process.terminate()
        process.wait(timeout=30)
    # A database out of reach is logged in one line per request, never with a traceback.
    assert "Traceback" not in log.read_text()


def _unavailable_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "database unavailable" in line]


def test_readyz_follows_the_database_and_the_app_recovers_by_itself(gunicorn):
    base, pgdata, log = gunicorn
    assert _get(f"{base}/readyz")[0] == 200

    database.stop(pgdata)
    status, body = _get(f"{base}/readyz")
    assert status == 503
    assert _get(f"{base}/healthz")[0] == 200

    # A page that needs the database (a session to load) answers a friendly, translated 503.
    status, body = _get(
        f"{base}/en/", headers={"Cookie": "sessionid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
    )
    assert status == 503
    assert "briefly unavailable" in body and "Traceback" not in body
    status, body = _get(
        f"{base}/zh-hans/", headers={"Cookie": "sessionid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
    )
    assert status == 503 and "暂时无法访问" in body
    # Each 503 page is one log line, with the path and the reason (/readyz logs none).
    lines = _unavailable_lines(log)
    assert len(lines) == 2, lines
    assert "GET /en/" in lines[0] and "GET /zh-hans/" in lines[1]

    database.pg_ctl(
        "-w", "-l", str(pgdata / "log"), "-o", '-h ""', "-o", f"-k {pgdata}", "start", pgdata=pgdata
    )
    ready_at = time.monotonic()
    recovered_after = _wait_for(f"{base}/readyz", 200, 10)
    assert recovered_after < 2
    # From then on, no more errors.
    while time.monotonic() - ready_at < 3:
        assert _get(f"{base}/readyz")[0] == 200
        assert (
            _get(f"{base}/en/", headers={"Cookie": "sessionid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})[0]
            == 200
        )


def test_a_locked_table_answers_503_quickly_and_leaves_the_rest_serving(gunicorn):
    """A table locked for longer than a page may wait (a migration, a stuck transaction):
    pages that need it answer the translated 503 after the lock timeout, and /healthz,
    /readyz and static files keep answering meanwhile. Management commands are not limited."""
    import threading

    import psycopg

    base, pgdata, log = gunicorn
    db = database.embedded_settings(pgdata, name="own")
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user="postgres", dbname=db["NAME"]
        ) as conn:
            conn.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        cookie = {"Cookie": "sessionid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
        for path in ("/en/", "/zh-hans/"):
            started = time.monotonic()
            status, body = _get(f"{base}{path}", headers=cookie)
            waited = time.monotonic() - started
            assert status == 503, (path, status)
            assert "Traceback" not in body
            assert ("briefly unavailable" in body) or ("暂时无法访问" in body)
            # At most two statements wait out the lock timeout (3 s): far below the 30 s of
            # gunicorn's worker timeout, which used to answer with a blank page.
            assert waited < 10, waited
        started = time.monotonic()
        assert _get(f"{base}/healthz")[0] == 200
        assert _get(f"{base}/readyz")[0] == 200
        assert time.monotonic() - started < 2
    finally:
        release.set()
        holder.join()
    assert [line.split(" (")[0] for line in _unavailable_lines(log)] == [
        "database unavailable: GET /en/",
        "database unavailable: GET /zh-hans/",
    ]
    assert _get(f"{base}/en/", headers={"Cookie": "sessionid=" + "a" * 32})[0] == 200


def test_only_web_processes_get_the_database_timeouts():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50}
    env.pop("CALLSHEET_WEB", None)
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jobboard.settings');"
        "django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    plain = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    web = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "CALLSHEET_WEB": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "statement_timeout" not in plain and "lock_timeout" not in plain
    assert "statement_timeout=10000" in web and "lock_timeout=3000" in web
    config = (ROOT / "gunicorn.conf.py").read_text()
    assert 'os.environ.setdefault("CALLSHEET_WEB", "1")' in config
