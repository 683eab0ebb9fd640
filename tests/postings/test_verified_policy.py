"""What "verified" means, said and done alike: until a moderator has checked a studio's
business licence, each of its shoots is reviewed before it goes public and, once approved, is
labelled "licence not yet verified" on every card, page and alert email; "verified studios
only" leaves it out. A verified studio's clean shoot publishes at once, badged."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio
from postings.models import SavedSearch, Shoot
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

LABEL = "执照尚未认证"


def test_an_unverified_studio_s_shoot_is_reviewed_then_labelled_everywhere(
    client, as_user, graduate, moderator
):
    role = RoleFactory(
        title="现场道具",
        shoot__title="我在民国开饭馆",
        shoot__studio__verification_status=Studio.Verification.UNVERIFIED,
    )
    shoot = role.shoot
    shoot.submit()
    assert shoot.status == Shoot.Status.PENDING and not shoot.is_public
    assert client.get(reverse("postings:role_detail", args=[role.pk])).status_code == 404

    alert = SavedSearch.objects.create(user=graduate, name="道具", query="q=现场道具")
    SavedSearch.objects.filter(pk=alert.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1),
        last_sent_at=timezone.now() - timezone.timedelta(hours=1),
    )
    shoot.approve(by=moderator)
    role.refresh_from_db()
    assert shoot.is_public and not role.studio_verified
    pages = {
        "list": client.get("/zh-hans/roles/"),
        "role": client.get(reverse("postings:role_detail", args=[role.pk])),
        "call sheet": client.get(reverse("postings:call_sheet", args=[shoot.pk])),
        "apply": as_user(graduate).get(reverse("applications:apply", args=[role.pk])),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert LABEL in page.content.decode(), name
    verified_only = client.get("/zh-hans/roles/", {"verified": "on"}).content.decode()
    assert "现场道具" not in verified_only
    alert.refresh_from_db()
    mail.outbox.clear()
    assert alert.send(timezone.now()) == 1
    assert LABEL in mail.outbox[-1].body


def test_a_verified_studio_s_shoot_publishes_at_once_badged(client):
    role = RoleFactory(title="灯光助理")
    role.shoot.submit()
    assert role.shoot.status == Shoot.Status.PUBLISHED
    page = client.get("/zh-hans/roles/").content.decode()
    assert "✓" in page and LABEL not in page


def test_the_studio_sign_up_page_says_the_same(as_user):
    page = as_user(UserFactory()).get(reverse("accounts:studio_create")).content.decode()
    assert "每个剧组都会在公开前经过审核" in page and LABEL in page
