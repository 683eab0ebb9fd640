"""The role list runs SQL compiled once per search and process (postings.filters.compiled_page):
the same rows as the ORM, always current data, and never another viewer's calendar."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unavailability
from jobboard.models import content_version
from postings.cards import KEY_FIELDS
from postings.choices import Department
from postings.filters import PAGE_SIZE, RoleFilter, compiled_page, fetch_page, paginate
from postings.models import Role
from tests.factories import CrewProfileFactory, city, published_role

pytestmark = pytest.mark.django_db

URL = reverse("postings:role_list")


def filterset(query: str, user=None) -> RoleFilter:
    # As alert matching does: a holder of the user, without cookies.
    request = SimpleNamespace(user=user or AnonymousUser())
    return RoleFilter(QueryDict(query) or None, queryset=Role.objects.listed(), request=request)


@pytest.fixture
def roles():
    start = timezone.localdate() + timedelta(days=20)
    made = []
    for n in range(PAGE_SIZE + 5):
        made.append(
            published_role(
                title=f"灯光助理 {n}" if n % 2 else f"Camera assistant {n}",
                department=Department.LIGHTING if n % 2 else Department.CAMERA,
                pay_min=300 + 10 * n,
                shoot__start_date=start + timedelta(days=n % 7),
                shoot__end_date=start + timedelta(days=n % 7 + 3),
                shoot__city=city("hengdian" if n % 3 else "xiangshan"),
            )
        )
    return made


QUERIES = [
    "",
    "sort=pay",
    "sort=start",
    "sort=apply_by",
    "q=灯光",
    "q=assistant",
    "department=lighting&city=hengdian&min_pay=350",
    "city=xiangshan&city=hengdian&sort=pay&newcomers=on",
    f"start={timezone.localdate() + timedelta(days=21)}",
    "city=nowhere",  # an invalid choice: reported, and ignored
    "min_pay=-5",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_compiled_page_returns_what_the_orm_does(roles, query):
    first = filterset(query)
    expected, expected_next, _later = paginate(first.qs.values(*KEY_FIELDS), first.sort_order, None)
    rows, next_cursor = fetch_page(compiled_page(filterset(query), None, content_version()))
    assert rows == expected
    assert next_cursor == expected_next
    if expected_next:  # and the next page, from its cursor
        later = filterset(query)
        expected, _, is_later = paginate(
            later.qs.values(*KEY_FIELDS), later.sort_order, expected_next
        )
        page = compiled_page(filterset(query), next_cursor, content_version())
        assert page.is_later_page and is_later
        assert fetch_page(page)[0] == expected


def test_a_repeated_search_runs_its_sql_without_compiling_it_again(client, roles):
    params = {"q": "灯光", "department": "lighting"}
    client.get(URL, params)
    with CaptureQueriesContext(connection) as first:
        client.get(URL, params)
    # The content version and the page itself: the count and cards are cached too.
    assert len(first.captured_queries) == 2
    # ...and it sees current data: a role published since is on the next response.
    newest = published_role(title="灯光组长 new", department=Department.LIGHTING)
    response = client.get(URL, params)
    assert response.context["roles"][0].pk == newest.pk
    # A role that is filled leaves the results at once.
    Role.objects.filter(pk=newest.pk).update(listed=False)
    assert newest.pk not in {r.pk for r in client.get(URL, params).context["roles"]}


def test_a_clock_relative_filter_is_compiled_every_time(roles):
    assert filterset("posted=7").cache_key(1) is None
    assert filterset("q=灯光").cache_key(1) is not None


def test_each_viewer_gets_their_own_calendar(as_user, roles):
    soon = roles[0].start_date
    busy = CrewProfileFactory()
    Unavailability.objects.create(
        profile=busy, start_date=soon - timedelta(days=30), end_date=soon + timedelta(days=30)
    )
    free = CrewProfileFactory()
    busy_keys = filterset("fits_me=on", busy.user).cache_key(1)
    free_keys = filterset("fits_me=on", free.user).cache_key(1)
    assert busy_keys != free_keys
    # The same search, one after the other, by the same process:
    assert as_user(busy.user).get(URL, {"fits_me": "on"}).context["roles"] == []
    assert len(as_user(free.user).get(URL, {"fits_me": "on"}).context["roles"]) == PAGE_SIZE
    # Anonymous visitors are not offered the filter: it is ignored, whatever the URL says.
    assert filterset("fits_me=on").cache_key(1) != busy_keys


def test_invalid_parameters_are_reported_on_every_request(client, roles):
    # The first request compiles the page (and validates the form); later ones reuse the
    # compiled page without validating, and must still say that a filter was not used.
    for _ in range(2):
        response = client.get(URL, {"min_pay": "-5", "department": "lighting"})
        assert response.status_code == 200
        assert response.context["has_errors"]
        assert 'class="message message-error"' in response.text
        shown = [r.pk for r in response.context["roles"]]
        assert shown
        assert not Role.objects.filter(pk__in=shown).exclude(department=Department.LIGHTING)
    assert not client.get(URL, {"department": "lighting"}).context["has_errors"]


def test_the_alert_offered_is_the_search_without_its_page_cursor(client, roles):
    after = client.get(URL, {"sort": "pay"}).context["next_cursor"]
    later = client.get(URL, {"sort": "pay", "after": after})
    assert later.context["is_later_page"]
    assert 'name="query" value="sort=pay"' in later.text


def test_the_language_switcher_returns_to_the_page_it_is_on(client, roles):
    # The anonymous header is cached per language and address: each search keeps its own.
    for query in ("department=lighting", "department=camera"):
        response = client.get(f"{URL}?{query}")
        assert f'name="next" value="{URL}?{query}"' in response.text
