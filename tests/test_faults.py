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
def own_database(tmp_path_factory):
    # A short path: the server's Unix socket lives in its data folder.
    pgdata = Path(tmp_path_factory.mktemp("pg")) / "data"
    settings = database.embedded_settings(pgdata, name="faults")
    yield pgdata, settings
    database.stop(pgdata)


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
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "jobboard.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", 200, 30)
        yield base, pgdata
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
        assert b"Traceback" not in stderr or b"OperationalError" in stderr


def test_readyz_follows_the_database_and_the_app_recovers_by_itself(gunicorn):
    base, pgdata = gunicorn
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
