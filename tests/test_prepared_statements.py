"""jobboard.sql.prepared: the role list's unfiltered pages and the role page's lookups are
prepared on their connection at once, a filtered search from its second run (with its values
written in), nothing else; prepared statements still read current rows. And the role list's
cached body follows what it shows."""

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.test import override_settings
from django.urls import reverse

from jobboard.sql import PreparingCursor, prepared
from postings.filters import PAGE_SIZE
from postings.models import Role
from tests.factories import CrewProfileFactory, city, published_role

pytestmark = pytest.mark.django_db

URL = reverse("postings:role_list")


def prepared_statements(conn=connection) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def plans(marker: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each prepared statement containing ``marker``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE strpos(statement, %s) > 0",
            [marker],
        )
        return cursor.fetchall()


def test_the_unfiltered_list_is_prepared_and_planned_once(client):
    published_role()
    for _ in range(3):
        client.get(URL)
    assert plans('ORDER BY "U0"."published_at" DESC') == [(3, 0)]
    client.get(URL, {"sort": "pay"})
    assert plans('ORDER BY "U0"."day_rate" DESC') == [(1, 0)]


def test_a_filtered_search_is_prepared_from_its_second_run(client):
    published_role(shoot__city=city("hengdian"))
    city_filter = '"U0"."city_id" IN ('
    client.get(URL, {"city": "hengdian"})
    assert plans(city_filter) == []  # a search seen once is planned for that once
    client.get(URL, {"city": "hengdian"})
    client.get(URL, {"city": "hengdian"})
    assert plans(city_filter) == [(2, 0)]  # its values are in the SQL: one plan, for them


def test_a_repeated_search_is_prepared_with_its_values_and_stays_current(client):
    lighting = published_role(title="灯光助理", department="lighting", shoot__city=city("hengdian"))
    published_role(title="摄影助理", department="camera", shoot__city=city("hengdian"))
    search = {"department": "lighting", "city": "hengdian", "min_pay": "1"}
    for _ in range(3):
        assert [r.pk for r in client.get(URL, search).context["roles"]] == [lighting.pk]
    mine = [s for s in prepared_statements() if "'lighting'" in s and '"U0"."day_rate" >=' in s]
    assert mine and all("$1" not in s for s in mine)  # planned for these values
    Role.objects.filter(pk=lighting.pk).update(listed=False)
    assert client.get(URL, search).context["roles"] == []


def test_a_keyword_is_written_into_the_statement_safely(client):
    role = published_role(title="灯光助理 100% 'on set'")
    for _ in range(3):
        found = client.get(URL, {"q": "100% 'on set"}).context["roles"]
        assert [r.pk for r in found] == [role.pk]
    for _ in range(3):
        assert client.get(URL, {"q": "x' OR 1=1 --"}).context["roles"] == []
    assert Role.objects.filter(pk=role.pk).exists()


def test_a_prepared_page_reads_current_rows(client):
    role = published_role(title="灯光助理")
    assert [r.pk for r in client.get(URL).context["roles"]] == [role.pk]
    Role.objects.filter(pk=role.pk).update(listed=False)
    assert client.get(URL).context["roles"] == []
    later = published_role(title="摄影助理")
    assert [r.pk for r in client.get(URL).context["roles"]] == [later.pk]


def test_the_role_page_s_lookups_are_prepared(client):
    role = published_role()
    assert client.get(role.get_absolute_url()).status_code == 200
    statements = prepared_statements()
    # Who may see it (ROLE_ACCESS), and the content version its cached body is keyed by.
    assert [s for s in statements if '"shoot__studio__verification_status"' in s]
    assert [s for s in statements if "FROM jobboard_contentversion" in s]


def test_only_what_runs_inside_prepared_is_prepared():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'not prepared' WHERE %s", [True])
        with prepared():
            cursor.execute("SELECT 'prepared' WHERE %s", [True])
    statements = prepared_statements()
    assert "SELECT 'prepared' WHERE $1" in statements
    assert "SELECT 'not prepared' WHERE $1" not in statements


@override_settings(DATABASE_PREPARED_STATEMENTS=False)
def test_prepared_statements_can_be_turned_off():
    connection.ensure_connection()  # made before the override: it allows them
    assert connection.connection.cursor_factory is PreparingCursor
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            assert other.connection.cursor_factory is ServerBindingCursor
            assert other.connection.prepare_threshold is None
            with prepared():
                cursor.execute("SELECT 'never prepared' WHERE %s", [True])
        assert "SELECT 'never prepared' WHERE $1" not in prepared_statements(other)
    finally:
        other.close()


# --- The role list's cached body -------------------------------------------------------------


def test_the_cached_list_body_drops_a_card_when_its_role_closes(client):
    role = published_role(title="夜戏灯光助理（横店）")
    assert role.title in client.get(URL).content.decode()
    Role.objects.filter(pk=role.pk).update(listed=False)
    assert role.title not in client.get(URL).content.decode()


def test_the_cached_list_body_differs_for_a_signed_in_crew_member(client):
    published_role()
    assert 'name="fits_me"' not in client.get(URL).content.decode()
    client.force_login(CrewProfileFactory().user)
    assert 'name="fits_me"' in client.get(URL).content.decode()


def test_the_cached_list_body_follows_the_page(client):
    for n in range(PAGE_SIZE + 2):
        published_role(title=f"灯光助理 {n}")
    first = client.get(URL)
    cursor = first.context["next_cursor"]
    assert cursor and 'rel="next"' in first.content.decode()
    later = client.get(URL, {"after": cursor}).content.decode()
    assert 'rel="next"' not in later
    assert "灯光助理 0" in later and "灯光助理 0" not in first.content.decode()
