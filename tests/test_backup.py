"""A backup restores into a fresh database with the same rows and the same CV files."""

import uuid

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from jobboard import backup
from jobboard.storage import private_storage
from tests.factories import CrewProfileFactory, published_role

pytestmark = pytest.mark.django_db(transaction=True)
TABLES = ("accounts_user", "accounts_crewprofile", "postings_shoot", "postings_role")


def _connect(dbname: str):
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def _rows(dbname: str) -> dict:
    with _connect(dbname) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in TABLES
        } | {
            "emails": sorted(r[0] for r in conn.execute("SELECT email FROM accounts_user")),
            "cv": conn.execute("SELECT cv FROM accounts_crewprofile WHERE cv <> ''").fetchone()[0],
        }


def test_backup_restores_rows_and_cv_files_into_a_fresh_database(tmp_path, _private_media):
    profile = CrewProfileFactory(user__email="restore-me@example.com")
    profile.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 restore test"), save=True)
    published_role()
    before = _rows(connection.settings_dict["NAME"])

    folder = backup.dump(tmp_path / "backups")
    assert (folder / backup.DATABASE_FILE).stat().st_size > 0

    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    restored_media = tmp_path / "restored-private"
    with _connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        backup.restore(folder, database=fresh, media_root=restored_media)
        assert _rows(fresh) == before
        assert (restored_media / before["cv"]).read_bytes() == b"%PDF-1.4 restore test"
        assert private_storage.exists(before["cv"])
    finally:
        with _connect("postgres") as conn:
            conn.execute(f'DROP DATABASE "{fresh}" WITH (FORCE)')
