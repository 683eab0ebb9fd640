"""The walking skeleton: database, settings, pages and health endpoints."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_tests_run_on_postgresql_with_trigram_search():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
    assert "pg_trgm" in extensions


def test_user_logs_in_by_email_without_username(django_user_model):
    user = django_user_model.objects.create_user("Grad@Example.com", "correct horse battery")
    assert django_user_model.USERNAME_FIELD == "email"
    assert not hasattr(user, "username")
    assert user.email == "Grad@example.com"
    assert user.check_password("correct horse battery")
    assert user.password.startswith("argon2")


def test_email_is_unique_whatever_its_case(django_user_model):
    from django.db import IntegrityError

    django_user_model.objects.create_user("crew@example.com", "pw-123456789")
    with pytest.raises(IntegrityError):
        django_user_model.objects.create_user("CREW@example.com", "pw-123456789")


def test_root_redirects_to_the_browser_language(client):
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    response = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert response["Location"] == "/zh-hans/"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "找到下一个剧组"), ("en", "Find your next shoot")],
)
def test_home_page_speaks_both_languages(client, language, expected):
    with translation.override(language):
        url = reverse("home")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert expected in body
    assert f'<html lang="{language}"' in body


def test_home_page_is_public_and_sets_no_cookie(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_language_switch_keeps_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/zh-hans/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.parametrize("saved", [None, "en", "zh-hans"])
@pytest.mark.parametrize(
    ("page", "switch_to", "expected"),
    [
        ("/zh-hans/roles/?q=灯光", "en", "/en/roles/?q=%E7%81%AF%E5%85%89"),
        ("/en/roles/?q=gaffer", "zh-hans", "/zh-hans/roles/?q=gaffer"),
        ("/zh-hans/accounts/login/", "en", "/en/accounts/login/"),
        ("/en/", "zh-hans", "/zh-hans/"),
    ],
)
def test_the_language_switch_always_switches_and_keeps_the_place(
    client, saved, page, switch_to, expected
):
    """Whatever language the cookie holds (a /zh-hans/ link from an email, opened after
    choosing English once), the switch goes to the same page in the other language."""
    if saved:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = saved
    response = client.post("/i18n/setlang/", {"language": switch_to, "next": page})
    assert response.status_code == 302
    assert response["Location"] == expected
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == switch_to


def test_missing_page_is_a_translated_404(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page." in response.content.decode()
    response = client.get("/zh-hans/no-such-page/")
    assert "页面" in response.content.decode()


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_health_endpoints_refuse_posts(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_every_html_page_carries_security_headers(client):
    response = client.get("/en/")
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "'nonce-" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_https_responses_carry_a_year_of_hsts(client):
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_that_need_an_account_redirect_anonymous_users_to_login(client):
    response = client.get("/en/me/")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/me/"
    admin = f"/en/{settings.ADMIN_URL}"
    response = client.get(admin)
    assert response.status_code == 302
    assert response["Location"] == f"{admin}login/?next={admin}"


def test_signed_in_pages_are_never_cached(client, django_user_model):
    user = django_user_model.objects.create_user("crew@example.com", "pw-123456789")
    client.force_login(user)
    response = client.get("/en/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_database_errors_answer_a_friendly_503(client, monkeypatch):
    from django.db import OperationalError

    from jobboard import views

    def broken(request):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "render", lambda *a, **k: broken(None))
    client.raise_request_exception = False
    response = client.get("/en/")
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_public_pages_say_how_a_cdn_may_keep_them(client):
    """Anonymous pages that are the same for everyone are public for PUBLIC_CACHE_SECONDS;
    one with a form (its CSRF cookie) or a redirect is private; health checks never cached."""
    from django.utils.cache import get_max_age

    from tests.factories import published_role

    role = published_role()
    for url in ("/zh-hans/", "/zh-hans/roles/", role.get_absolute_url(), "/en/roles/?q=gaffer"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert "public" in cache_control, url
        assert f"s-maxage={settings.PUBLIC_CACHE_SECONDS}" in cache_control, url
        assert get_max_age(response) == 0, url  # browsers ask again; a CDN keeps it
        assert "Cookie" not in response.get("Vary", ""), url
    login = client.get(reverse("account_login"))
    assert "private" in login["Cache-Control"] and "public" not in login["Cache-Control"]
    redirect = client.get(reverse("accounts:dashboard"))
    assert redirect.status_code == 302 and "private" in redirect["Cache-Control"]
    assert "no-cache" in client.get(reverse("readyz"))["Cache-Control"]


def test_the_role_list_varies_on_htmx(client):
    """/roles/ answers the whole page, or its results alone to htmx: one URL, two bodies, so
    both say Vary: HX-Request."""
    full = client.get("/zh-hans/roles/")
    fragment = client.get("/zh-hans/roles/", headers={"HX-Request": "true"})
    assert b"<html" in full.content and b"<html" not in fragment.content
    for response in (full, fragment):
        assert "HX-Request" in response["Vary"]
