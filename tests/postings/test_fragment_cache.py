"""Rendered cards and page bodies are reused, and never outlive a change they show."""

import pytest
from django.urls import reverse

from applications.models import Application
from tests.factories import RoleFactory, published_role

pytestmark = pytest.mark.django_db

LIST = "/zh-hans/roles/"


def test_a_card_follows_an_edit_of_its_shoot(client):
    role = published_role()
    assert role.shoot.title in client.get(LIST).content.decode()
    shoot = role.shoot
    shoot.title = "全新的剧名"
    shoot.save()
    assert "全新的剧名" in client.get(LIST).content.decode()


def test_a_card_follows_a_studio_rename(client):
    role = published_role()
    client.get(LIST)
    studio = role.shoot.studio
    studio.name = "改名后的公司"
    studio.save()
    assert "改名后的公司" in client.get(LIST).content.decode()


def test_role_page_and_call_sheet_follow_a_booking(client, graduate, recruiter):
    role = published_role(openings=2)
    other = RoleFactory(shoot=role.shoot, title="另一个岗位", openings=1)
    detail, sheet = role.get_absolute_url(), role.shoot.get_absolute_url()
    before_detail = client.get(detail).content.decode()
    before_sheet = client.get(sheet).content.decode()
    application = Application.submit(
        role=other, applicant=graduate, note="", cv="", cv_name="", dates_confirmed=True
    )
    application.offer(by=recruiter)
    application.accept(by=graduate)
    assert client.get(detail).content.decode() != before_detail
    assert client.get(sheet).content.decode() != before_sheet


def test_anonymous_search_pages_set_no_cookie_and_do_not_vary_on_it(client):
    published_role()
    for url in (LIST, f"{LIST}?q=灯光", reverse("postings:role_list") + "?sort=pay"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies
        assert "Cookie" not in response.get("Vary", "")


def test_random_searches_stay_in_the_small_searches_cache(client, monkeypatch):
    """What each distinct query string adds (page SQL, count, filter form, header) goes to the
    `searches` cache, whose cap bounds it: random keywords never grow `fragments`, where the
    cards live, nor push them out."""
    from django.core.cache import caches

    published_role(title="灯光助理")
    client.get(LIST)
    cards = dict(caches["fragments"]._cache)
    assert any(key.find("role-card") >= 0 for key in cards)
    searches = caches["searches"]
    monkeypatch.setattr(searches, "_max_entries", 40)  # the same cap, smaller, for the test
    for n in range(60):
        assert client.get(LIST, {"q": f"随机{n}xq"}).status_code == 200
    assert set(caches["fragments"]._cache) == set(cards)
    assert 0 < len(searches._cache) <= 40
