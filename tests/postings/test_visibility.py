"""Unpublished shoots never show outside their studio: listings, search, feeds, sitemap and the
studio's public page."""

import pytest
from django.urls import reverse

from accounts.models import Studio
from postings.models import Shoot
from tests.factories import RoleFactory, ShootFactory, published_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(studio_a):
    """One public shoot and one of every non-public kind, all of studio A."""
    public = published_role(shoot__studio=studio_a, shoot__title="公开短剧", title="公开岗位")
    hidden = {}
    for status in ("draft", "pending", "rejected", "cancelled"):
        role = RoleFactory(
            shoot__studio=studio_a, shoot__title=f"{status}短剧", title=f"{status}岗位"
        )
        Shoot.objects.filter(pk=role.shoot_id).update(status=status)
        role.shoot.refresh_from_db()
        role.shoot.sync_roles()
        hidden[status] = role
    return public, hidden


def test_unpublished_shoots_never_appear_publicly(client, as_user, graduate, board, studio_a):
    _public, hidden = board
    pages = [
        reverse("postings:role_list"),
        reverse("postings:role_list") + "?q=短剧",
        reverse("postings:feed"),
        reverse("postings:feed") + "?q=岗位",
        reverse("sitemap"),
        studio_a.get_absolute_url(),
    ]
    for c in (client, as_user(graduate)):
        for url in pages:
            response = c.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            if "sitemap" not in url:
                assert "公开" in html, url
            for role in hidden.values():
                assert role.title not in html, url
                assert role.shoot.title not in html, url
                assert f"/roles/{role.pk}/" not in html, url


def test_studio_members_see_their_drafts_in_my_shoots(as_user, recruiter, board):
    _public, hidden = board
    html = as_user(recruiter).get(reverse("postings:my_shoots")).content.decode()
    for role in hidden.values():
        assert role.shoot.title in html


@pytest.mark.parametrize("n", [1, 6])
def test_my_shoots_query_count_is_fixed(as_user, recruiter, studio_a, django_assert_num_queries, n):
    for _i in range(n):
        RoleFactory(shoot=ShootFactory(studio=studio_a))
    c = as_user(recruiter)
    # session, user, shoots, studios
    with django_assert_num_queries(4):
        assert c.get(reverse("postings:my_shoots")).status_code == 200


def test_editing_a_pending_shoot_screens_it_again(as_user, recruiter, studio_a):
    from tests.postings.test_studio import edit_data

    Studio.objects.filter(pk=studio_a.pk).update(verification_status="unverified")
    studio_a.refresh_from_db()
    role = RoleFactory(shoot__studio=studio_a)
    role.shoot.submit()
    shoot = role.shoot
    assert shoot.status == "pending" and shoot.flags == []
    data = edit_data(shoot, synopsis="报名请先交报名费")
    assert (
        as_user(recruiter).post(reverse("postings:shoot_edit", args=[shoot.pk]), data).status_code
        == 302
    )
    shoot.refresh_from_db()
    assert shoot.status == "pending" and shoot.flags[0]["rule"] == "fee"


@pytest.mark.parametrize("status", [choice for choice, _label in Shoot.Status.choices])
@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("suspended", [False, True])
def test_shoot_access_decides_as_visible_to_does(status, hidden, suspended, graduate):
    """The role page decides from the shoot's columns (Shoot.access); the other pages ask the
    database (Shoot.objects.visible_to). They must agree for every viewer."""
    from django.utils import timezone

    from accounts.models import Studio, User
    from tests.factories import ShootFactory, UserFactory, member

    shoot = ShootFactory()
    Shoot.objects.filter(pk=shoot.pk).update(
        status=status, hidden_at=timezone.now() if hidden else None
    )
    if suspended:
        Studio.objects.filter(pk=shoot.studio_id).update(verification_status="suspended")
    shoot = Shoot.objects.select_related("studio").get(pk=shoot.pk)
    recruiter = UserFactory()
    member(recruiter, shoot.studio)
    staff = UserFactory(is_staff=True)
    viewers: list[User | None] = [None, graduate, recruiter, staff]
    public_page = status in {"published", "closed", "expired"} and not hidden and not suspended
    for viewer in viewers:
        expected = Shoot.objects.visible_to(viewer).filter(pk=shoot.pk).exists()
        access = Shoot.access(
            shoot.status,
            shoot.hidden_at,
            shoot.studio.verification_status,
            shoot.studio_id,
            viewer,
        )
        assert access.visible == expected, (status, hidden, suspended, viewer)
        assert access.preview == (not public_page)
        assert access.is_member == (not public_page and viewer == recruiter)
        assert (status == "published" and public_page) == shoot.is_public
        assert Studio.Verification.SUSPENDED == "suspended"
