import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Studio, StudioInvitation, StudioMembership
from accounts.validators import validate_credit_code
from tests.factories import ShootFactory, UserFactory, city, credit_code, member

pytestmark = pytest.mark.django_db

NEW = "/zh-hans/studios/new/"


# --- Unified social credit code ---------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000802100433B", credit_code(1), credit_code(42).lower()],
)
def test_valid_credit_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check_digit"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M00010OY43", "alphabet"),
        ("91350100M00010IY43", "alphabet"),
        ("91350100M00010SY43", "alphabet"),
        ("91350100M00010VY43", "alphabet"),
        ("91350100M00010ZY43", "alphabet"),
        ("", "length"),
    ],
)
def test_invalid_credit_codes(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == reason


# --- Register ---------------------------------------------------------------------------------


def _studio_data(**overrides):
    return {
        "name": "好运来短剧",
        "city": city("zhengzhou").pk,
        "credit_code": credit_code(777),
        "website": "https://haoyunlai.example",
        "description": "郑州的竖屏短剧工作室。",
        **overrides,
    }


def test_register_a_studio(as_user):
    user = UserFactory()
    response = as_user(user).post(NEW, _studio_data())
    studio = Studio.objects.get(name="好运来短剧")
    assert response.status_code == 302
    assert response["Location"] == studio.get_absolute_url()
    assert studio.verification_status == Studio.Verification.PENDING
    assert studio.submitted_at is not None
    assert studio.slug == "studio"
    assert list(studio.owners()) == [user]
    assert not studio.can_publish


def test_slugs_are_unique(as_user):
    as_user(UserFactory()).post(NEW, _studio_data(name="Lucky Films"))
    as_user(UserFactory()).post(NEW, _studio_data(name="Lucky Films", credit_code=credit_code(8)))
    assert sorted(Studio.objects.values_list("slug", flat=True)) == [
        "lucky-films",
        "lucky-films-2",
    ]


def test_invalid_studio_form_keeps_data(as_user):
    response = as_user(UserFactory()).post(NEW, _studio_data(credit_code="91350100M000100Y44"))
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors
    assert "好运来短剧".encode() in response.content
    assert not Studio.objects.filter(name="好运来短剧").exists()


def test_duplicate_credit_code_refused(as_user, studio_a):
    response = as_user(UserFactory()).post(NEW, _studio_data(credit_code=studio_a.credit_code))
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors


def test_register_anonymous_goes_to_login(client):
    assert client.get(NEW).status_code == 302


# --- Public page ------------------------------------------------------------------------------


def test_public_page_with_badge_and_public_shoots(client, studio_a, django_assert_max_num_queries):
    from tests.factories import published_role

    role = published_role(shoot=ShootFactory(studio=studio_a))
    ShootFactory(studio=studio_a, title="还在草稿")
    with django_assert_max_num_queries(6):
        response = client.get(studio_a.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "badge-verified" in content
    assert role.shoot.title in content
    assert "还在草稿" not in content


def test_unknown_studio_is_404(client):
    assert client.get("/zh-hans/studios/nope/").status_code == 404


def test_suspended_studio_is_hidden_from_the_public(client, as_user, studio_a, owner):
    Studio.objects.filter(pk=studio_a.pk).update(verification_status="suspended")
    assert client.get(studio_a.get_absolute_url()).status_code == 404
    assert as_user(owner).get(studio_a.get_absolute_url()).status_code == 200


def test_studio_page_post_is_405(client, studio_a):
    assert client.post(studio_a.get_absolute_url()).status_code == 405


# --- Team -------------------------------------------------------------------------------------


def team(studio):
    return f"/zh-hans/studios/{studio.slug}/team/"


def test_owner_sees_the_team(as_user, owner, recruiter, studio_a):
    response = as_user(owner).get(team(studio_a))
    assert response.status_code == 200
    assert recruiter.email.encode() in response.content


@pytest.mark.parametrize("persona", ["recruiter", "other_recruiter", "graduate", "moderator"])
def test_only_owners_manage_the_team(request, as_user, owner, studio_a, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(team(studio_a)).status_code == 404
    assert as_user(user).post(team(studio_a), {"email": "x@example.com"}).status_code == 404


def test_invite_accept_flow(as_user, owner, studio_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(owner).post(team(studio_a), {"email": "New.Hire@Example.com"})
    assert response.status_code == 302
    invitation = StudioInvitation.objects.get()
    assert invitation.email == "new.hire@example.com"
    assert len(mail.outbox) == 1
    assert studio_a.name in mail.outbox[0].subject
    link = re.search(r"http\S+/studios/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")

    stranger = UserFactory(email="someone@example.com")
    assert as_user(stranger).get(path).status_code == 404
    assert as_user(stranger).post(path).status_code == 404

    invitee = UserFactory(email="new.hire@example.com")
    invitee_client = as_user(invitee)
    assert invitee_client.get(path).status_code == 200
    assert invitee_client.post(path).status_code == 302
    assert StudioMembership.objects.get(user=invitee, studio=studio_a).role == "recruiter"
    assert invitee_client.post(path).status_code == 404  # used once


def test_invite_twice_or_a_member_is_refused(as_user, owner, recruiter, studio_a):
    client = as_user(owner)
    client.post(team(studio_a), {"email": "a@example.com"})
    for email in ["A@example.com", recruiter.email, "not-an-email"]:
        response = client.post(team(studio_a), {"email": email})
        assert response.status_code == 200
        assert "email" in response.context["form"].errors
        assert email.encode() in response.content
    assert StudioInvitation.objects.count() == 1


def test_owner_removes_a_recruiter(as_user, owner, recruiter, studio_a):
    membership = StudioMembership.objects.get(user=recruiter)
    url = f"{team(studio_a)}{membership.pk}/remove/"
    assert as_user(owner).get(url).status_code == 405
    assert as_user(recruiter).post(url).status_code == 404
    assert as_user(owner).post(url).status_code == 302
    assert not studio_a.is_member(recruiter)


def test_owner_cannot_be_removed_and_other_studio_404(as_user, owner, studio_a, other_recruiter):
    own = StudioMembership.objects.get(user=owner)
    assert as_user(owner).post(f"{team(studio_a)}{own.pk}/remove/").status_code == 404
    theirs = StudioMembership.objects.get(user=other_recruiter)
    assert as_user(owner).post(f"{team(studio_a)}{theirs.pk}/remove/").status_code == 404


def test_cancel_an_invitation(as_user, owner, studio_a):
    invitation = StudioInvitation.objects.create(studio=studio_a, email="c@example.com")
    url = f"/zh-hans/studios/{studio_a.slug}/invitations/{invitation.pk}/cancel/"
    assert as_user(owner).post(url).status_code == 302
    assert not StudioInvitation.objects.exists()


# --- Moderation in the admin ------------------------------------------------------------------


CHANGELIST = "/zh-hans/admin/accounts/studio/"


def _pending_studio_with_owner():
    from tests.factories import StudioFactory

    studio = StudioFactory(verification_status="pending", name="待审核影业")
    owner = UserFactory(email="boss@pending.example", preferred_language="en")
    member(owner, studio, StudioMembership.Role.OWNER)
    return studio


def test_moderator_verifies_in_admin(as_user, moderator, django_capture_on_commit_callbacks):
    studio = _pending_studio_with_owner()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(moderator).post(
            CHANGELIST, {"action": "verify", "_selected_action": [studio.pk]}
        )
    assert response.status_code == 302
    studio.refresh_from_db()
    assert studio.is_verified
    assert studio.verified_by == moderator and studio.verified_at
    assert LogEntry.objects.filter(object_id=str(studio.pk)).exists()
    (message,) = mail.outbox
    assert message.to == ["boss@pending.example"]
    assert "verified" in message.subject


def test_reject_asks_for_a_reason(as_user, moderator, django_capture_on_commit_callbacks):
    studio = _pending_studio_with_owner()
    client = as_user(moderator)
    response = client.post(CHANGELIST, {"action": "reject", "_selected_action": [studio.pk]})
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    studio.refresh_from_db()
    assert studio.verification_status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            CHANGELIST,
            {
                "action": "reject",
                "_selected_action": [studio.pk],
                "apply": "1",
                "reason": "营业执照与名称不符",
            },
        )
    studio.refresh_from_db()
    assert studio.verification_status == "rejected"
    assert studio.status_reason == "营业执照与名称不符"
    assert "营业执照与名称不符" in mail.outbox[0].body


def test_suspend_ends_posting(as_user, moderator, studio_a, owner):
    as_user(moderator).post(
        CHANGELIST,
        {"action": "suspend", "_selected_action": [studio_a.pk], "apply": "1", "reason": "收押金"},
    )
    studio_a.refresh_from_db()
    assert studio_a.verification_status == "suspended"
    assert not studio_a.can_post and not studio_a.can_publish


def test_admin_pages_render(as_user, moderator, graduate, studio_a, owner):
    client = as_user(moderator)
    for url in [
        CHANGELIST,
        f"{CHANGELIST}{studio_a.pk}/change/",
        "/zh-hans/admin/accounts/user/?q=grad",
        "/zh-hans/admin/accounts/crewprofile/?q=李",
        f"/zh-hans/admin/accounts/crewprofile/{graduate.crew_profile.pk}/change/",
        "/zh-hans/admin/accounts/studiomembership/",
        "/zh-hans/admin/accounts/studioinvitation/",
        f"{CHANGELIST}?verification_status__exact=pending",
    ]:
        assert client.get(url).status_code == 200, url


def test_non_staff_cannot_use_admin(as_user, owner):
    assert as_user(owner).get(CHANGELIST).status_code in (302, 403)


def test_dashboard_shows_open_invitations(as_user, studio_a):
    invitee = UserFactory(email="invitee@example.com")
    invitation = StudioInvitation.objects.create(studio=studio_a, email="Invitee@example.com")
    response = as_user(invitee).get("/zh-hans/me/")
    assert invitation.get_absolute_url().encode() in response.content


def test_moderator_blocks_a_user(as_user, moderator, graduate):
    response = as_user(moderator).post(
        "/zh-hans/admin/accounts/user/", {"action": "deactivate", "_selected_action": [graduate.pk]}
    )
    assert response.status_code == 302
    graduate.refresh_from_db()
    assert not graduate.is_active
    assert LogEntry.objects.filter(object_id=str(graduate.pk)).exists()


def test_invitations_are_limited_far_lower_until_the_studio_is_verified(as_user, owner, studio_a):
    """An unverified studio sends 3 invitations a day (a verified one 30); the email says
    when the studio is not verified; the limit is per studio, with the reason shown."""
    from accounts.views import INVITATIONS_PER_DAY

    Studio.objects.filter(pk=studio_a.pk).update(verification_status="pending")
    studio_a.refresh_from_db()
    client = as_user(owner)
    limit = INVITATIONS_PER_DAY["other"]
    for n in range(limit):
        assert client.post(team(studio_a), {"email": f"crew{n}@example.com"}).status_code == 302
    refused = client.post(team(studio_a), {"email": "spam-target@example.com"})
    assert refused.status_code == 429
    assert (
        "邀请" in refused.content.decode() and "spam-target@example.com" in refused.content.decode()
    )
    assert StudioInvitation.objects.count() == limit
    assert len(mail.outbox) == limit
    assert "尚未认证" in mail.outbox[0].body or "not verified" in mail.outbox[0].body


def test_a_verified_studio_s_invitation_does_not_warn(as_user, owner, studio_a):
    assert studio_a.is_verified
    assert as_user(owner).post(team(studio_a), {"email": "crew@example.com"}).status_code == 302
    assert "尚未认证" not in mail.outbox[0].body and "not verified" not in mail.outbox[0].body
