"""The content version (jobboard.models.ContentVersion) moves with every committed write to what
public pages show, once per transaction, whoever writes; applying alone does not move it."""

import pytest
from django.db import connection, transaction

from accounts.models import Unavailability
from jobboard.models import CONTENT_TABLES, content_version
from postings.models import City, Role, Shoot
from tests.factories import CrewProfileFactory, RoleFactory, StudioFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_table_of_public_content_has_its_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgname LIKE '%%_content_%%' AND NOT tgisinternal"
        )
        found = set(cursor.fetchall())
    for table in CONTENT_TABLES:
        assert (table, f"{table}_content_changed") in found
        assert (table, f"{table}_content_truncated") in found


def test_a_committed_write_to_each_table_moves_it_once():
    role = RoleFactory()
    profile = CrewProfileFactory()
    writes = [
        lambda: Role.objects.filter(pk=role.pk).update(title="新标题"),
        lambda: Shoot.objects.filter(pk=role.shoot_id).update(title="新剧名"),
        lambda: City.objects.filter(slug="hengdian").update(name_en="Hengdian"),
        lambda: StudioFactory(),
        lambda: Unavailability.objects.create(
            profile=profile, start_date=role.shoot.start_date, end_date=role.shoot.end_date
        ),
    ]
    for write in writes:
        before = content_version()
        with transaction.atomic():
            write()
            write_again = Role.objects.filter(pk=role.pk).update(openings=3)
            assert write_again == 1
            # Deferred to the commit: nobody, this transaction included, sees it yet.
            assert content_version() == before
        assert content_version() == before + 1


def test_a_manual_update_moves_it_too():
    RoleFactory()
    before = content_version()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE postings_role SET openings = openings + 1")
    assert content_version() == before + 1


def test_applying_and_a_rolled_back_write_do_not_move_it(graduate):
    from django.core.files.base import ContentFile

    from applications.models import Application
    from tests.factories import published_role

    role = published_role()
    before = content_version()
    Application.submit(
        role=role,
        applicant=graduate,
        note="",
        cv=ContentFile(b"%PDF-1.4\n%%EOF\n", name="cv.pdf"),
        cv_name="cv.pdf",
        dates_confirmed=True,
    )
    assert content_version() == before
    with pytest.raises(RuntimeError), transaction.atomic():
        Role.objects.filter(pk=role.pk).update(title="回滚")
        raise RuntimeError
    assert content_version() == before
