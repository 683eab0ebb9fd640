"""Hostile input: hypothesis drives the query parameters of every public GET view (and of the
signed-in pages that read parameters); nothing answers 500. Path parameters that are not valid
ids answer 404."""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postings.filters import RoleFilter
from tests.safety.conftest import client_for

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate: sent as the bytes ED A0 80, which are not UTF-8
    "\udfff\ud800",
    "x" * 10_000,
    "１２３",  # full-width digits
    "٣",
    "-1",
    "-99999999999999999999999",
    "99999999999999999999999999999",
    "1e309",
    "NaN",
    "0x10",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "-price",
    "__class__",
    "'; DROP TABLE postings_role; --",
    "<script>alert(1)</script>",
    "%",
    "[]",
    "../../etc/passwd",
    "\r\nSet-Cookie: x=1",
]

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)

# Every parameter the public pages read, and a few they do not.
ROLE_PARAMS = [*RoleFilter.base_filters, "after", "page", "format", "unknown"]


def query(params: list[tuple[str, str]]) -> str:
    return "&".join(
        f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in params
    )


params = st.lists(st.tuples(st.sampled_from(ROLE_PARAMS), values), min_size=1, max_size=6)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def get(client: Client, url: str, params) -> int:
    response = client.get(f"{url}?{query(params)}")
    assert response.status_code < 500, (url, params)
    return response.status_code


@pytest.fixture
def pages(world):
    return {
        "home": reverse("home"),
        "role_list": reverse("postings:role_list"),
        "feed": reverse("postings:feed"),
        "role_detail": reverse("postings:role_detail", args=[world["role"].pk]),
        "call_sheet": reverse("postings:call_sheet", args=[world["shoot"].pk]),
        "studio_detail": reverse("accounts:studio_detail", args=[world["studio_a"].slug]),
        "sitemap": reverse("sitemap"),
        "login": reverse("account_login"),
        "signup": reverse("account_signup"),
        "reset": reverse("account_reset_password"),
    }


@FUZZ
@given(params=params)
def test_role_list_and_feed_survive_any_query(world, params):
    client = Client()
    for name in ("postings:role_list", "postings:feed"):
        get(client, reverse(name), params)
    # The HTMX fragment of the list too.
    response = client.get(f"{reverse('postings:role_list')}?{query(params)}", HTTP_HX_REQUEST="1")
    assert response.status_code < 500


# The page cursor's grammar, ``<sort key>~<id>``, with each part bent: Unicode digits
# ("²".isdigit() is True), signs, exponents, offsets, overflows, separators doubled or missing.
CURSOR_PARTS = st.one_of(
    values,
    st.sampled_from(["²", "١٢", "１２", "+5", "5e3", "00", "2026-12-07T08:36:48+08:00"]),
    st.sampled_from(["2026-12-07T08:36:48.118743", "2026-12-07", "9999-12-31T23:59:59+14:00"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
CURSORS = st.builds(
    lambda value, sep, pk: f"{value}{sep}{pk}",
    CURSOR_PARTS,
    st.sampled_from(["~", "~~", "", "%7E", " ~"]),
    CURSOR_PARTS,
)


@FUZZ
@given(
    sort=st.sampled_from(["newest", "pay", "start", "apply_by", "bogus"]),
    after=CURSORS,
)
def test_any_page_cursor_starts_over_or_pages(world, sort, after):
    client = Client()
    response = client.get(reverse("postings:role_list"), {"sort": sort, "after": after})
    assert response.status_code == 200, (sort, after)


@pytest.mark.parametrize("after", ["400~²", "400~١", "²~5", "2026-12-07~1e3", "400~" + "9" * 40])
def test_the_cursors_that_once_gave_500_start_over(world, after):
    response = Client().get(reverse("postings:role_list"), {"sort": "pay", "after": after})
    assert response.status_code == 200
    assert response.context["is_later_page"] is False


@pytest.mark.parametrize("total", ["31", "1000", "1001", "5000", "-1", "x"])
def test_the_role_formset_never_builds_more_than_its_maximum(world, recruiter, total):
    """A studio's form with TOTAL_FORMS past the maximum is refused at once, with what was
    typed kept, never built a thousand rows at a time."""
    from postings.forms import RoleFormSet

    assert RoleFormSet.absolute_max == 30
    data = {
        "title": "剧",
        "roles-TOTAL_FORMS": total,
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "1",
        "roles-MAX_NUM_FORMS": "30",
        "action": "save",
    }
    formset = RoleFormSet(data, prefix="roles")
    assert len(formset.forms) <= 30
    response = client_for(recruiter).post(reverse("postings:shoot_create"), data)
    assert response.status_code == 200
    assert len(response.content) < 400_000
    assert 'value="剧"' in response.content.decode()


@FUZZ
@given(params=st.lists(st.tuples(st.sampled_from(["next", "q", "page", "lang"]), values)))
def test_public_pages_survive_any_query(pages, params):
    client = Client()
    for url in pages.values():
        get(client, url, params)


@FUZZ
@given(
    month=values,
    status=values,
    role=values,
    alert_query=values,
    next_url=values,
)
def test_signed_in_pages_survive_any_query(
    world, graduate, recruiter, month, status, role, alert_query, next_url
):
    crew = client_for(graduate)
    get(crew, reverse("accounts:availability"), [("month", month)])
    get(crew, reverse("postings:alert_create"), [("query", alert_query)])
    get(crew, reverse("accounts:profile_edit"), [("next", next_url)])
    get(crew, reverse("applications:my_applications"), [("status", status)])
    studio = client_for(recruiter)
    pipeline = reverse("applications:pipeline", args=[world["shoot"].pk])
    get(studio, pipeline, [("status", status), ("role", role)])
    get(studio, reverse("applications:pipeline_csv", args=[world["shoot"].pk]), [("role", role)])


BAD_IDS = ["0", "-1", "99999999999999999999", "１２", "abc", "1.5", "%00", "%ED%A0%80"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_path_parameters_that_are_not_ids_are_404(world, graduate, recruiter, bad):
    """Integer converters refuse what is not digits; ids that do not fit or do not exist give
    404 from the lookup, never a 500 from the database."""
    lang = "/zh-hans"
    paths = [
        f"{lang}/roles/{bad}/",
        f"{lang}/shoots/{bad}/",
        f"{lang}/roles/{bad}/apply/",
        f"{lang}/studio/shoots/{bad}/edit/",
        f"{lang}/studio/shoots/{bad}/applicants/",
        f"{lang}/applications/{bad}/cv/",
        f"{lang}/me/alerts/{bad}/edit/",
        f"{lang}/studios/{bad}/",
        f"{lang}/studios/invitations/{bad}/",
        f"{lang}/alerts/unsubscribe/{bad}/",
        f"{lang}/accounts/confirm-email/{bad}/",
    ]
    for user in (None, graduate, recruiter):
        client = client_for(user)
        for path in paths:
            response = client.get(path)
            if user is None and response.status_code == 302:
                continue  # anonymous: sent to log in first
            assert response.status_code in {404, 200}, (path, response.status_code)
            if "/accounts/confirm-email/" not in path:
                assert response.status_code == 404, path
