"""Errors answer in the site's style and the request's language: 400, the CSRF 403 and 405,
like 403, 404, 500 and 503."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "这个表单已过期"), ("en", "This form has expired.")]
)
def test_a_form_without_its_token_gets_a_page_that_says_what_to_do(language, expected):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/{language}/accounts/login/", {"login": "a@b.c", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert expected in html and 'class="error-page"' in html and "<nav" in html


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "不能这样使用"), ("en", "cannot be used")]
)
def test_a_wrong_method_gets_a_page_and_the_allowed_methods(as_user, graduate, language, expected):
    from applications.models import Application
    from tests.applications.conftest import submit
    from tests.factories import published_role

    application = submit(published_role(), graduate)
    assert isinstance(application, Application)
    response = as_user(graduate).get(f"/{language}/me/applications/{application.pk}/withdraw/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert expected in html and 'class="error-page"' in html


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "无法理解"), ("en", "could not understand")]
)
def test_a_bad_request_gets_a_page(language, expected, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = Client().post(f"/{language}/accounts/login/", {f"field{n}": "x" for n in range(20)})
    assert response.status_code == 400
    html = response.content.decode()
    assert expected in html and 'class="error-page"' in html


def test_a_refused_host_gets_a_plain_400():
    response = Client().get("/en/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"evil.example" not in response.content


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "大于 6 MB"), ("en", "larger than 6 MB")]
)
def test_a_body_over_the_limit_is_refused_before_it_is_read(as_user, graduate, language, expected):
    """A CV upload of 7 MB (over MAX_REQUEST_BYTES, 6 MB) gets the translated 413 page before
    any view reads it; nothing is saved."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024), "application/pdf")
    response = as_user(graduate).post(f"/{language}/me/profile/", {"cv": big, "headline": "x"})
    assert response.status_code == 413
    html = response.content.decode()
    assert expected in html and 'class="error-page"' in html
    graduate.crew_profile.refresh_from_db()
    assert not graduate.crew_profile.cv


def test_development_shows_the_site_s_own_404_unless_asked(client, settings):
    settings.DEBUG = True
    response = client.get("/zh-hans/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="error-page"' in html and "URLconf" not in html
    settings.DEBUG_PAGES = True
    assert "URLconf" in client.get("/zh-hans/no-such-page/").content.decode()
