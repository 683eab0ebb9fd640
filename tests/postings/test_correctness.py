"""Regressions: wrong answers the speed machinery once served (issue "Correct before fast").
Each test replays one defect as a person met it."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio, Unavailability
from postings.models import City, Role, SavedSearch, Shoot
from tests.factories import CrewProfileFactory, RoleFactory, ShootFactory, published_role

pytestmark = pytest.mark.django_db

LIST = "/en/roles/"


def shown(response) -> list[int]:
    html = response.content.decode()
    return [
        int(pk) for pk in re.findall(r'class="role-card-title"><a href="/\w+/roles/(\d+)/', html)
    ]


def count(response) -> int:
    paragraph = re.search(r'<p class="result-count">(.*?)·', response.content.decode(), re.S)
    return int(re.search(r"\d+", paragraph.group(1)).group())


def test_fits_my_availability_never_leaks_into_searches_without_it(as_user):
    roles = [published_role(title=f"assistant {n}") for n in range(4)]
    busy, other = CrewProfileFactory(), CrewProfileFactory()
    Unavailability.objects.create(
        profile=busy, start_date=roles[0].start_date, end_date=roles[0].end_date
    )
    busy_client, other_client = as_user(busy.user), as_user(other.user)
    assert shown(busy_client.get(LIST, {"q": "assistant", "fits_me": "on"})) == []
    for client in (busy_client, other_client):
        response = client.get(LIST, {"q": "assistant"})
        assert sorted(shown(response)) == sorted(r.pk for r in roles)
        assert count(response) == 4
    # An unticked box posted as "false" filters nothing either.
    assert count(busy_client.get(LIST, {"q": "assistant", "fits_me": "false"})) == 4


def test_a_repeated_keyword_searches_the_value_the_form_uses(client):
    sound = published_role(title="Sound mixer", department="sound")
    gaffer = published_role(title="Gaffer")
    first = client.get(LIST + "?q=sound&q=gaffer")
    assert shown(first) == [gaffer.pk]  # the last value, as the form shows it
    assert 'value="gaffer"' in first.content.decode()
    second = client.get(LIST + "?q=gaffer&q=sound")
    assert shown(second) == [sound.pk]
    assert 'value="sound"' in second.content.decode()


def test_suspending_a_studio_delists_its_roles_and_refuses_applications(client, as_user):
    role = published_role(title="灯光助理")
    graduate = CrewProfileFactory().user
    studio = role.shoot.studio
    assert shown(client.get(LIST, {"verified": "on"})) == [role.pk]
    studio.suspend(by=None, reason="营业执照不符")
    role.refresh_from_db()
    assert not role.listed and not role.studio_verified
    assert shown(client.get(LIST)) == []
    assert shown(client.get(LIST, {"verified": "on"})) == []
    assert client.get(reverse("postings:role_detail", args=[role.pk])).status_code == 404
    apply_url = reverse("applications:apply", args=[role.pk])
    assert as_user(graduate).get(apply_url).status_code == 404
    # Reinstated, the roles come back as they were.
    studio.verify(by=None)
    role.refresh_from_db()
    assert role.listed and role.studio_verified
    assert shown(client.get(LIST, {"verified": "on"})) == [role.pk]


@pytest.mark.parametrize("ending", ["cancel", "reject", "back_to_review"])
def test_the_apply_page_of_a_shoot_that_left_the_public_is_404(as_user, ending):
    role = published_role(title="灯光助理")
    shoot = role.shoot
    if ending == "cancel":
        shoot.cancel()
    elif ending == "reject":
        shoot.reject(by=None, reason="请补充合同")
    else:
        shoot.after_edit(material=True)
        shoot.refresh_from_db()
        assert shoot.status == Shoot.Status.PENDING
    graduate = CrewProfileFactory().user
    client = as_user(graduate)
    assert client.get(reverse("postings:role_detail", args=[role.pk])).status_code == 404
    response = client.get(reverse("applications:apply", args=[role.pk]))
    assert response.status_code == 404
    assert role.title not in response.content.decode()


def test_a_role_added_to_a_published_shoot_reaches_alerts(django_capture_on_commit_callbacks):
    graduate = CrewProfileFactory().user
    first = published_role(title="灯光助理")
    shoot = first.shoot
    two_days_ago = timezone.now() - timedelta(days=2)
    Shoot.objects.filter(pk=shoot.pk).update(published_at=two_days_ago)
    Role.objects.filter(pk=first.pk).update(added_at=two_days_ago)
    shoot.refresh_from_db()
    shoot.sync_roles()
    alert = SavedSearch.objects.create(user=graduate, name="灯光", query="q=灯光")
    SavedSearch.objects.filter(pk=alert.pk).update(
        created_at=two_days_ago, last_sent_at=timezone.now() - timedelta(days=1)
    )
    added = RoleFactory(shoot=shoot, title="灯光大助")
    shoot.sync_roles()
    added.refresh_from_db()
    assert added.published_at == added.added_at > shoot.published_at
    alert.refresh_from_db()
    now = timezone.now()
    assert [role.pk for role in alert.new_roles(now)] == [added.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert alert.send(now) == 1
    assert "灯光大助" in mail.outbox[-1].body


def test_verifying_a_studio_badges_its_roles(client):
    role = published_role(
        title="灯光助理", shoot__studio__verification_status=Studio.Verification.UNVERIFIED
    )
    role.shoot.approve(by=None)
    assert shown(client.get(LIST)) == [role.pk]
    assert shown(client.get(LIST, {"verified": "on"})) == []
    role.shoot.studio.verify(by=None)
    assert shown(client.get(LIST, {"verified": "on"})) == [role.pk]
    assert "✓" in client.get(LIST).content.decode()


def test_a_renamed_studio_is_found_by_its_new_name(client):
    role = published_role(title="灯光助理")
    studio = role.shoot.studio
    studio.name = "长安竖屏"
    studio.save()
    studio.sync_roles()  # as the admin's change form does (StudioAdmin.save_related)
    assert shown(client.get(LIST, {"q": "长安竖屏"})) == [role.pk]


def test_a_moderators_edit_of_dates_and_city_reaches_the_roles():
    role = published_role(title="灯光助理")
    shoot = role.shoot
    xian = City.objects.get(slug="xian")
    start = shoot.start_date + timedelta(days=5)
    from django.contrib.admin.sites import site

    from postings.admin import ShootAdmin

    admin = ShootAdmin(Shoot, site)
    form_class = admin.get_form(None, shoot)
    data = {
        field: getattr(shoot, field)
        for field in form_class.base_fields
        if field not in {"studio", "city"}
    }
    data |= {
        "studio": shoot.studio_id,
        "city": xian.pk,
        "start_date": start,
        "end_date": start + timedelta(days=3),
    }
    form = form_class(data, instance=shoot)
    assert form.is_valid(), form.errors
    admin.save_model(None, form.save(commit=False), form, change=True)
    admin.save_related(None, form, [], change=True)
    role.refresh_from_db()
    assert (role.city_id, role.start_date, role.end_date) == (
        xian.pk,
        start,
        start + timedelta(days=3),
    )
    assert "xi'an" in role.search_document or "西安" in role.search_document


def test_a_role_past_its_apply_by_date_leaves_search_while_a_sibling_stays(client):
    shoot = ShootFactory()
    soon = RoleFactory(shoot=shoot, apply_by=timezone.localdate())
    later = RoleFactory(shoot=shoot, apply_by=shoot.start_date)
    shoot.submit()
    assert sorted(shown(client.get(LIST))) == sorted([soon.pk, later.pk])
    Role.objects.filter(pk=soon.pk).update(apply_by=timezone.localdate() - timedelta(days=1))
    assert shown(client.get(LIST)) == [later.pk]
    feed = client.get(reverse("postings:feed")).content.decode()
    assert f"/roles/{later.pk}/" in feed and f"/roles/{soon.pk}/" not in feed


def test_the_views_use_no_compiled_queries_or_raw_sql():
    """Speed machinery lives behind model-layer functions (docs/caches.md)."""
    root = Path(__file__).resolve().parents[2]
    for name in ("applications/views.py", "postings/views.py", "accounts/views.py"):
        source = (root / name).read_text()
        for marker in ("CompiledQuery", "cursor(", "prepared(", ".raw(", "RawSQL", "caches["):
            assert marker not in source, (name, marker)


def test_a_transition_on_an_instance_loaded_before_an_edit_copies_what_is_stored():
    """Found by the oracle's scripted walk: approving an instance loaded before the studio
    moved the dates copied the old dates onto the roles."""
    role = published_role(title="灯光助理")
    stale = Shoot.objects.get(pk=role.shoot_id)
    moved = stale.start_date + timedelta(days=3)
    Shoot.objects.filter(pk=stale.pk).update(
        start_date=moved, end_date=stale.end_date + timedelta(days=3)
    )
    stale.close()
    role.refresh_from_db()
    assert role.start_date == moved
