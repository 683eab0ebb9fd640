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
