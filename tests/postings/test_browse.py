from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio, Unavailability
from postings.choices import Department, PayUnit
from postings.models import Role, Shoot
from tests.factories import (
    CrewProfileFactory,
    RoleFactory,
    ShootFactory,
    StudioFactory,
    city,
    published_role,
)

pytestmark = pytest.mark.django_db

URL = reverse("postings:role_list")


def today():
    return timezone.localdate()


def found(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return {role.pk for role in response.context["roles"]}


def test_anonymous_sees_published_roles_only(client):
    shown = published_role(title="灯光助理")
    draft = RoleFactory(title="草稿角色")
    pending = RoleFactory(shoot__studio__verification_status=Studio.Verification.PENDING)
    pending.shoot.submit()
    assert pending.shoot.status == Shoot.Status.PENDING
    response = client.get(URL)
    assert response.status_code == 200
    assert {r.pk for r in response.context["roles"]} == {shown.pk}
    assert response.context["count"] == 1
    assert draft.title not in response.content.decode()


def test_card_shows_pay_dates_and_city_first(client):
    role = published_role(pay_min=450)
    html = client.get(URL).content.decode()
    card = html[html.index('class="role-card"') :]
    assert card.index("¥450") < card.index(role.title)
    assert role.city.name_zh in card


def test_keyword_search_chinese_and_english(client):
    gaffer = published_role(title="灯光师 Gaffer", department=Department.LIGHTING)
    costume = published_role(title="服装助理", department=Department.COSTUME)
    assert found(client, q="灯光师") == {gaffer.pk}
    assert found(client, q="GAFFER") == {gaffer.pk}
    assert found(client, q="costume") == {costume.pk}  # the department's English name
    assert found(client, q=gaffer.shoot.studio.name) == {gaffer.pk}


def test_departments_and_cities_several(client):
    lighting = published_role(department=Department.LIGHTING)
    camera = published_role(department=Department.CAMERA, shoot__city=city("zhengzhou"))
    sound = published_role(department=Department.SOUND, shoot__city=city("xian"))
    assert found(client, department=["lighting", "camera"]) == {lighting.pk, camera.pk}
    assert found(client, city=["zhengzhou", "xian"]) == {camera.pk, sound.pk}
    assert found(client, department="camera", city="hengdian") == set()


def test_dates_fit_between_d1_and_d2(client):
    start = today() + timedelta(days=20)
    inside = published_role(shoot__start_date=start, shoot__end_date=start + timedelta(days=5))
    overlapping = published_role(
        shoot__start_date=start + timedelta(days=8), shoot__end_date=start + timedelta(days=14)
    )
    before = published_role(
        shoot__start_date=start - timedelta(days=5), shoot__end_date=start + timedelta(days=1)
    )
    d1, d2 = start.isoformat(), (start + timedelta(days=10)).isoformat()
    assert found(client, start=d1, end=d2) == {inside.pk}
    assert found(client, start=d1) == {inside.pk, overlapping.pk}
    assert found(client, end=d2) == {inside.pk, before.pk}


def test_fits_my_availability(as_user, graduate):
    start = today() + timedelta(days=20)
    free = published_role(shoot__start_date=start, shoot__end_date=start + timedelta(days=4))
    busy = published_role(
        shoot__start_date=start + timedelta(days=10), shoot__end_date=start + timedelta(days=15)
    )
    Unavailability.objects.create(
        profile=graduate.crew_profile,
        start_date=start + timedelta(days=12),
        end_date=start + timedelta(days=13),
    )
    client = as_user(graduate)
    assert found(client, fits_me="on") == {free.pk}
    assert found(client) == {free.pk, busy.pk}


def test_fits_me_is_not_offered_to_anonymous(client):
    role = published_role()
    response = client.get(URL, {"fits_me": "on"})
    assert "fits_me" not in response.context["form"].fields
    assert {r.pk for r in response.context["roles"]} == {role.pk}


def test_minimum_pay_per_day_counts_project_fees_per_day(client):
    day = published_role(pay_min=500)
    # 7 days at ¥2,800 per project = ¥400 a day
    project = published_role(pay_unit=PayUnit.PROJECT, pay_min=2800)
    assert project.day_rate == 400
    assert found(client, min_pay=450) == {day.pk}
    assert found(client, min_pay=400) == {day.pk, project.pk}
    assert found(client, pay_unit="project") == {project.pk}


def test_condition_checkboxes(client):
    newcomer = published_role(newcomers_welcome=True, shoot__lodging_provided=True)
    plain = published_role(shoot__meals_provided=False)
    unverified = RoleFactory(shoot__studio__verification_status=Studio.Verification.UNVERIFIED)
    unverified.shoot.submit()
    unverified.shoot.approve(by=None)
    assert found(client, newcomers="on") == {newcomer.pk}
    assert found(client, lodging="on") == {newcomer.pk}
    assert found(client, meals="on") == {newcomer.pk, unverified.pk}
    assert found(client, verified="on") == {newcomer.pk, plain.pk}
    assert found(client) == {newcomer.pk, plain.pk, unverified.pk}


def test_posted_within_days(client):
    fresh = published_role()
    old = published_role()
    Shoot.objects.filter(pk=old.shoot_id).update(published_at=timezone.now() - timedelta(days=10))
    Role.objects.filter(pk=old.pk).update(added_at=timezone.now() - timedelta(days=11))
    old.shoot.refresh_from_db()
    old.shoot.sync_roles()
    assert found(client, posted="7") == {fresh.pk}
    assert found(client, posted="30") == {fresh.pk, old.pk}


def test_sorts(client):
    start = today() + timedelta(days=10)
    cheap_late = published_role(
        pay_min=300,
        shoot__start_date=start + timedelta(days=9),
        shoot__end_date=start + timedelta(days=12),
    )
    rich_soon = published_role(
        pay_min=900, shoot__start_date=start, shoot__end_date=start + timedelta(days=3)
    )

    def order(sort):
        return [r.pk for r in client.get(URL, {"sort": sort}).context["roles"]]

    assert order("pay") == [rich_soon.pk, cheap_late.pk]
    assert order("start") == [rich_soon.pk, cheap_late.pk]
    assert order("apply_by") == [rich_soon.pk, cheap_late.pk]
    assert order("newest") == [rich_soon.pk, cheap_late.pk]


@pytest.mark.parametrize("sort", ["newest", "pay", "start", "apply_by"])
def test_keyset_pages_cover_every_role_once(client, sort):
    shoot = ShootFactory()
    for n in range(45):
        RoleFactory(shoot=shoot, pay_min=300 + (n % 4) * 50, title=f"场务 {n}")
    shoot.submit()
    seen, after, pages = [], None, 0
    while True:
        params = {"sort": sort} | ({"after": after} if after else {})
        response = client.get(URL, params)
        seen += [r.pk for r in response.context["roles"]]
        pages += 1
        after = response.context["next_cursor"]
        if not after:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 45
    assert response.context["count"] == 45


def test_empty_state_is_helpful(client):
    response = client.get(URL, {"q": "不存在的角色"})
    assert response.status_code == 200
    assert "Try fewer filters" in response.content.decode() or "放宽" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "灯" * 500},
        {"start": "2026-13-45"},
        {"start": "yesterday", "end": "2026-02-30"},
        {"end": "2026-01-01", "start": "2026-02-01"},
        {"min_pay": "abc"},
        {"min_pay": "-5"},
        {"min_pay": "1e400"},
        {"min_pay": "99999999999999999999999"},
        {"department": "astronaut"},
        {"city": ["nowhere", "\x00"]},
        {"pay_unit": "hour"},
        {"posted": "9999"},
        {"sort": "random"},
        {"after": "garbage"},
        {"after": "2026-99-99~1", "sort": "start"},
        {"after": "9999999999999999999999~1", "sort": "pay"},
        {"after": "2026-01-01T00:00:00~99999999999999999999999"},
        {"newcomers": "maybe"},
    ],
)
def test_malformed_input_never_500(client, params):
    published_role()
    response = client.get(URL, params)
    assert response.status_code == 200
    feed = client.get(reverse("postings:feed"), params)
    assert feed.status_code == 200


def test_invalid_values_show_a_form_error(client):
    response = client.get(URL, {"min_pay": "abc", "start": "2026-13-45"})
    form = response.context["form"]
    assert "min_pay" in form.errors and "start" in form.errors
    end_before = client.get(URL, {"start": "2026-02-01", "end": "2026-01-01"})
    assert "end" in end_before.context["form"].errors


def test_filter_state_is_kept_in_links(client):
    shoot = ShootFactory()
    for _n in range(25):
        RoleFactory(shoot=shoot, department=Department.PROPS)
    shoot.submit()
    html = client.get(URL, {"department": "props", "q": "灯光"}).content.decode()
    assert "department=props" in html
    response = client.get(URL, {"department": "props"})
    html = response.content.decode()
    href = html[: html.index('rel="next"')].rsplit('href="', 1)[1].split('"')[0]
    query = parse_qs(unescape(href).lstrip("?"))
    assert query == {"department": ["props"], "after": [response.context["next_cursor"]]}


def test_result_count_is_capped(client, monkeypatch):
    monkeypatch.setattr("postings.filters.COUNT_CAP", 3)
    shoot = ShootFactory()
    for _n in range(5):
        RoleFactory(shoot=shoot)
    shoot.submit()
    response = client.get(URL)
    assert response.context["count"] == 3 and response.context["more"] is True


def test_a_cached_count_follows_every_write(client):
    """Counts are cached under the content version: a role published, filled or closed is
    counted (and shown) on the next request, never a minute later."""
    shoot = ShootFactory()
    roles = [RoleFactory(shoot=shoot, openings=1) for _n in range(3)]
    shoot.submit()
    assert client.get(URL).context["count"] == 3
    assert client.get(URL).context["count"] == 3  # from the cache
    Role.objects.filter(pk=roles[0].pk).update(booked_count=1, listed=False)
    response = client.get(URL)
    assert response.context["count"] == 2 and len(response.context["roles"]) == 2
    shoot.close()
    response = client.get(URL)
    assert response.context["count"] == 0 and response.context["roles"] == []


def test_home_has_search_box_and_header_link(client):
    html = client.get(reverse("home")).content.decode()
    assert f'action="{URL}"' in html
    assert 'name="q"' in html and 'for="search-box-q"' in html


def test_wrong_method_405(client):
    assert client.post(URL).status_code == 405


def test_profile_helper_unused():
    # CrewProfileFactory is imported for other modules' symmetry.
    assert CrewProfileFactory and StudioFactory


def test_htmx_request_gets_only_the_results(client):
    role = published_role()
    response = client.get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert role.title in html and "<html" not in html
