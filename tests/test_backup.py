"""A backup restores into a fresh database with the same rows in every table and the same
private files (the CVs the app wrote)."""

import stat
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from applications.models import Application
from jobboard import backup
from tests.applications.conftest import make_pdf
from tests.factories import published_role

pytestmark = pytest.mark.django_db(transaction=True)


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


def _tables(dbname: str) -> dict[str, tuple[int, str]]:
    """Every table the database's catalog lists, with its row count and a digest of its rows."""
    with _connect(dbname) as conn:
        names = conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        ).fetchall()
        return {
            name: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
                f"FROM {name} AS t"
            ).fetchone()
            for (name,) in names
        }


def _files(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, by its path relative to it."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_backup_restores_every_table_and_every_private_file(
    tmp_path, _private_media, hub_city, as_user, graduate
):
    role = published_role()
    response = as_user(graduate).post(
        reverse("applications:apply", kwargs={"pk": role.pk}),
        {
            "note": "备份里也要有我。",
            "cv_choice": "upload",
            "cv_file": SimpleUploadedFile("简历.pdf", make_pdf(), "application/pdf"),
            "dates_confirmed": "on",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    cv = Application.objects.get(role=role, applicant=graduate).cv.name
    files = _files(_private_media)
    assert files[cv].startswith(b"%PDF")  # the file the app wrote, where the app keeps it

    before = _tables(connection.settings_dict["NAME"])
    # The catalog lists every model's table (and the cache table), with the rows made above.
    assert set(connection.introspection.django_table_names(only_existing=True)) <= {
        name.removeprefix("public.") for name in before
    }
    assert before["public.applications_application"][0] == 1
    assert before["public.postings_role"][0] == 1

    folder = backup.dump(tmp_path / "backups")
    assert (folder / backup.DATABASE_FILE).stat().st_size > 0
    # CVs and everyone's data: the owner alone reads a backup, whatever the umask.
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (backup.DATABASE_FILE, backup.FILES_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    restored_media = tmp_path / "restored-private"
    with _connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        # A CV uploaded after the backup, in the folder restored into: its row is gone after
        # the restore, so the file goes too, and is named.
        late = restored_media / "applications" / "late.pdf"
        late.parent.mkdir(parents=True)
        late.write_bytes(make_pdf())
        orphans = backup.restore(folder, database=fresh, media_root=restored_media)
        assert orphans == ["applications/late.pdf"]
        assert not late.exists()
        assert _tables(fresh) == before
        assert _files(restored_media) == files
        assert _files(_private_media) == files  # restoring elsewhere left the originals alone
    finally:
        with _connect("postgres") as conn:
            conn.execute(f'DROP DATABASE "{fresh}" WITH (FORCE)')
