"""Dead ends a newcomer met in their first hour, each closed."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import Studio
from tests.factories import CrewProfileFactory, UserFactory, member

pytestmark = pytest.mark.django_db
PASSWORD = "pw-correct-horse-9"


def test_the_menu_shows_my_shoots_only_to_studio_members(as_user, studio_a):
    crew = CrewProfileFactory().user
    recruiter = UserFactory()
    member(recruiter, studio_a)
    my_shoots = reverse("postings:my_shoots")
    assert my_shoots not in as_user(crew).get(reverse("accounts:dashboard")).content.decode()
    assert my_shoots in as_user(recruiter).get(reverse("home")).content.decode()


def test_a_new_studio_s_page_leads_to_posting_a_shoot(as_user):
    from tests.factories import StudioFactory

    owner = UserFactory()
    studio = StudioFactory(verification_status=Studio.Verification.PENDING)
    member(owner, studio, role="owner")
    html = as_user(owner).get(studio.get_absolute_url()).content.decode()
    assert reverse("postings:shoot_create") in html
    assert "每个剧组都会在公开前经过审核" in html


def test_after_asking_for_a_reset_there_is_a_way_to_sign_in(client):
    page = client.get(reverse("account_reset_password_done")).content.decode()
    assert f'href="{reverse("account_login")}"' in page


def test_asking_for_the_password_again_says_why(as_user):
    page = as_user(UserFactory()).get(reverse("account_reauthenticate")).content.decode()
    assert "即使刚刚登录" in page


def test_staff_are_told_why_a_second_factor_is_needed(client):
    staff = UserFactory(email="new-mod@callsheet.example", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert "即使刚刚登录" in page.content.decode()  # first, the password again, and why
    client.post(page.redirect_chain[-1][0], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "第二重认证" in page


def test_bulk_reject_says_so_when_nothing_is_ticked(as_user, recruiter, studio_a):
    from tests.applications.conftest import submit
    from tests.factories import published_role

    role = published_role(shoot__studio=studio_a)
    submit(role, CrewProfileFactory().user)
    page = as_user(recruiter).get(reverse("applications:pipeline", args=[role.shoot_id]))
    html = page.content.decode()
    assert 'data-needs-ticked="applications"' in html and "请先勾选" in html
