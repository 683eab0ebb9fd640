"""jobboard.sessions and jobboard.backends: the session and the signed-in user of a request are
read by prepared statements, and behave as Django's own: expired or unknown sessions and
inactive or missing users are signed out."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from jobboard.backends import AccountBackend, ModelBackend
from jobboard.sessions import SessionStore
from tests.test_prepared_statements import prepared_statements

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("accounts:dashboard")


def test_a_signed_in_page_reads_its_session_and_user_by_prepared_statements(client, graduate):
    client.force_login(graduate)
    for _ in range(2):
        response = client.get(DASHBOARD)
        assert response.status_code == 200 and response.context["user"] == graduate
    statements = prepared_statements()
    assert [s for s in statements if 'FROM "django_session"' in s]
    assert [s for s in statements if 'FROM "accounts_user"' in s and "$1" in s]


def test_the_user_is_loaded_whole(graduate):
    loaded = ModelBackend().get_user(str(graduate.pk))
    fresh = get_user_model().objects.get(pk=graduate.pk)
    fields = [field.attname for field in fresh._meta.concrete_fields]
    assert [getattr(loaded, name) for name in fields] == [getattr(fresh, name) for name in fields]
    assert loaded.get_session_auth_hash() == fresh.get_session_auth_hash()
    assert loaded._state.adding is False and loaded.has_usable_password()
    loaded.name = "李灯光"
    loaded.save(update_fields=["name"])  # an instance like the ORM's: it saves
    assert get_user_model().objects.get(pk=graduate.pk).name == "李灯光"


@pytest.mark.parametrize("user_id", ["", "abc", "-1", "0", str(2**63), None, "99999999"])
def test_no_user_for_a_key_that_matches_none(user_id):
    assert ModelBackend().get_user(user_id) is None
    assert AccountBackend().get_user(user_id) is None


def test_an_inactive_user_is_signed_out(client, graduate):
    client.force_login(graduate)
    get_user_model().objects.filter(pk=graduate.pk).update(is_active=False)
    assert ModelBackend().get_user(graduate.pk) is None
    assert client.get(DASHBOARD).status_code == 302  # to the login page


def test_an_expired_session_is_signed_out(client, graduate):
    client.force_login(graduate)
    key = client.session.session_key
    assert client.get(DASHBOARD).status_code == 200
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(DASHBOARD).status_code == 302
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None


def test_an_unknown_session_key_is_anonymous(client):
    client.cookies["sessionid"] = "x" * 32
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert SessionStore("x" * 32).load() == {}


@pytest.mark.parametrize(
    "key",
    ["\x00abc", "\x00abcdefghijkl", "abc\x00defghijklmnop", "ABC-DEF_ghi!jkl", "é" * 32, "a" * 500],
)
def test_a_malformed_session_cookie_is_no_session(client, key):
    """A cookie value no Django key could be (a NUL byte, which PostgreSQL refuses in text,
    other characters, any length) counts as no session, on public and signed-in pages."""
    client.cookies["sessionid"] = key
    assert client.get(reverse("home")).status_code == 200
    assert client.get(DASHBOARD).status_code == 302
    assert SessionStore(key).load() == {}


def test_a_session_reads_back_what_was_saved():
    store = SessionStore()
    store["shoot"] = "横店夜戏"
    store.save()
    again = SessionStore(store.session_key)
    assert again["shoot"] == "横店夜戏" and again.session_key == store.session_key
    assert again.get_expiry_date() > timezone.now()


def test_signing_in_with_a_password_keeps_the_user_signed_in(client, graduate):
    EmailAddress.objects.create(user=graduate, email=graduate.email, verified=True, primary=True)
    response = client.post(
        reverse("account_login"), {"login": graduate.email, "password": "pw-correct-horse-9"}
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
    assert client.get(DASHBOARD).context["user"] == graduate
