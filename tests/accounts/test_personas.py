"""Every accounts page against every persona: who gets the page, who gets 404, who is sent
to log in."""

import pytest

pytestmark = pytest.mark.django_db

PERSONAS = ["graduate", "other_graduate", "recruiter", "other_recruiter", "owner", "moderator"]

# Pages about the signed-in person themselves: everyone signed in gets their own.
OWN_PAGES = [
    "/zh-hans/me/",
    "/zh-hans/me/profile/",
    "/zh-hans/me/data/",
    "/zh-hans/me/delete/",
    "/zh-hans/studios/new/",
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", OWN_PAGES)
def test_own_pages(request, as_user, client, persona, url):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_availability_needs_a_crew_profile(request, as_user, persona):
    user = request.getfixturevalue(persona)
    expected = 200 if persona in {"graduate", "other_graduate"} else 404
    assert as_user(user).get("/zh-hans/me/availability/").status_code == expected


@pytest.mark.parametrize("persona", [*PERSONAS, None])
def test_studio_page_is_public(request, as_user, client, studio_a, persona):
    browser = as_user(request.getfixturevalue(persona)) if persona else client
    assert browser.get(studio_a.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("owner", 200),
        ("recruiter", 404),
        ("other_recruiter", 404),
        ("graduate", 404),
        ("other_graduate", 404),
        ("moderator", 404),
    ],
)
def test_team_page_is_for_owners(request, as_user, studio_a, persona, expected):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(f"/zh-hans/studios/{studio_a.slug}/team/").status_code == expected


def test_team_page_anonymous(client, studio_a):
    assert client.get(f"/zh-hans/studios/{studio_a.slug}/team/").status_code == 302


@pytest.mark.parametrize(
    "url",
    ["/zh-hans/me/cv/delete/", "/zh-hans/me/availability/1/delete/"],
)
def test_mutations_are_post_only(as_user, graduate, url):
    assert as_user(graduate).get(url).status_code == 405


def test_dashboard_query_count_is_constant(as_user, owner, studio_b, django_assert_num_queries):
    from accounts.models import StudioMembership
    from tests.factories import member

    client = as_user(owner)
    client.get("/zh-hans/me/")
    with django_assert_num_queries(5):
        client.get("/zh-hans/me/")
    member(owner, studio_b, StudioMembership.Role.OWNER)
    with django_assert_num_queries(5):
        client.get("/zh-hans/me/")
