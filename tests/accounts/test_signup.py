import re

import pytest
from django.core import mail

from accounts.models import CrewProfile, User

pytestmark = pytest.mark.django_db

SIGNUP = "/zh-hans/accounts/signup/"


def _signup(client, intent, email="new@example.com"):
    return client.post(
        SIGNUP,
        {
            "name": "新人小周",
            "email": email,
            "password1": "pw-correct-horse-9",
            "password2": "pw-correct-horse-9",
            "intent": intent,
        },
    )


def _confirm(client):
    body = mail.outbox[-1].body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    path = link.split("testserver", 1)[-1]
    assert client.get(path).status_code == 200
    return client.post(path)


def test_signup_page_renders_in_our_layout(client):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="site-header"' in content
    assert 'name="intent"' in content and 'name="name"' in content


def test_crew_signup_lands_on_profile(client):
    response = _signup(client, "crew")
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.name == "新人小周"
    assert user.preferred_language == "zh-hans"
    assert CrewProfile.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    response = _confirm(client)
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/me/profile/"


def test_studio_signup_lands_on_studio_registration(client):
    _signup(client, "studio", email="boss@example.com")
    assert not CrewProfile.objects.filter(user__email="boss@example.com").exists()
    response = _confirm(client)
    assert response["Location"] == "/zh-hans/studios/new/"


def test_english_signup_prefers_english(client):
    client.post(
        "/en/accounts/signup/",
        {
            "name": "Zhou",
            "email": "en@example.com",
            "password1": "pw-correct-horse-9",
            "password2": "pw-correct-horse-9",
            "intent": "crew",
        },
    )
    assert User.objects.get(email="en@example.com").preferred_language == "en"
    assert "Confirm" in mail.outbox[-1].subject or "confirm" in mail.outbox[-1].body


def test_invalid_signup_keeps_what_was_typed(client):
    response = client.post(
        SIGNUP,
        {"name": "留着", "email": "x@example.com", "password1": "a", "password2": "b"},
    )
    assert response.status_code == 200
    assert "留着".encode() in response.content
    assert not User.objects.filter(email="x@example.com").exists()


def test_login_page_in_both_languages(client):
    assert client.get("/zh-hans/accounts/login/").status_code == 200
    assert client.get("/en/accounts/login/").status_code == 200


def test_logout_by_get_does_not_log_out(as_user, graduate):
    client = as_user(graduate)
    client.get("/zh-hans/accounts/logout/")
    assert client.get("/zh-hans/me/").status_code == 200


def test_admin_login_goes_through_allauth(client):
    response = client.get("/zh-hans/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/zh-hans/accounts/login/")


def test_argon2_is_first():
    from django.conf import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_changing_email_asks_for_the_password_again(as_user, graduate):
    response = as_user(graduate).post(
        "/zh-hans/accounts/email/", {"action_add": "", "email": "new-address@example.com"}
    )
    assert response.status_code == 302
    assert "/accounts/reauthenticate/" in response["Location"]


def test_failed_logins_are_rate_limited(client, graduate):
    """Per visitor address: ten a minute (tests/safety/test_rate_limits.py shows that another
    address is not held back)."""
    for _ in range(11):
        response = client.post(
            "/en/accounts/login/", {"login": graduate.email, "password": "wrong"}
        )
    assert "Too many failed login attempts" in str(response.context["form"].non_field_errors())
    # Even the right password is refused until the limit expires.
    response = client.post(
        "/en/accounts/login/", {"login": graduate.email, "password": "pw-correct-horse-9"}
    )
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_accounts(client):
    response = client.post("/zh-hans/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert "/accounts/password/reset/done/" in response["Location"]
