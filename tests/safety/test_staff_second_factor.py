"""Staff reach the admin only with a second factor: allauth's TOTP."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.conftest import current_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-correct-horse-9"


def test_staff_without_totp_is_sent_to_set_it_up(client):
    staff = UserFactory(email="new-mod@callsheet.example", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    for url in (reverse("admin:index"), reverse("admin:postings_shoot_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up a second factor asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    assert b'name="code"' in setup.content
    assert b"site-header" in setup.content or b"<header" in setup.content  # the site's layout


def test_staff_with_totp_reaches_the_admin(as_user, moderator):
    assert Authenticator.objects.filter(user=moderator, type="totp").exists()
    assert as_user(moderator).get(reverse("admin:index")).status_code == 200


def test_non_staff_are_not_asked_for_a_second_factor(as_user, graduate):
    assert as_user(graduate).get(reverse("accounts:dashboard")).status_code == 200


def test_admin_login_asks_for_the_code(client, moderator):
    EmailAddress.objects.create(user=moderator, email=moderator.email, verified=True, primary=True)
    admin_index = reverse("admin:index")
    response = client.get(admin_index, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    response = client.post(
        reverse("account_login") + f"?next={admin_index}",
        {"login": moderator.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the admin still sends the visitor to log in.
    assert client.get(admin_index).status_code == 302
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()  # not 错误代码, "error code"
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp()})
    assert response.status_code == 302
    assert response["Location"] == admin_index
    assert client.get(admin_index).status_code == 200


def staff_powers(client, world) -> dict[str, int]:
    """What a client gets from each staff power: an application's CV, a studio's pipeline and
    its CSV crew list, an unpublished shoot's call sheet and role page."""
    application = world["app_submitted"]
    shoot, draft = world["shoot"], world["draft"]
    urls = {
        "cv": reverse("applications:cv", args=[application.pk]),
        "pipeline": reverse("applications:pipeline", args=[shoot.pk]),
        "csv": reverse("applications:pipeline_csv", args=[shoot.pk]),
        "draft call sheet": reverse("postings:call_sheet", args=[draft.pk]),
        "draft role": reverse("postings:role_detail", args=[world["draft_role"].pk]),
    }
    return {name: client.get(url).status_code for name, url in urls.items()}


REFUSED = {"cv": 404, "pipeline": 404, "csv": 404, "draft call sheet": 404, "draft role": 404}
GRANTED = {"cv": 200, "pipeline": 200, "csv": 200, "draft call sheet": 200, "draft role": 200}


def test_staff_who_never_set_up_a_second_factor_have_no_staff_powers(client, world):
    """Signed in with the password alone, a staff account without an authenticator is an
    ordinary user on every page: no CV, pipeline, crew list or unpublished shoot."""
    from django.core.files.base import ContentFile

    from tests.accounts.conftest import pdf_bytes

    application = world["app_submitted"]
    application.cv.save("cv.pdf", ContentFile(pdf_bytes()), save=True)
    staff = UserFactory(email="new-mod@callsheet.example", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert staff_powers(client, world) == REFUSED


def test_staff_powers_wait_for_the_code_in_this_session(client, world, moderator):
    """A moderator with an authenticator whose session has not given a code (signed in before
    setting it up, say) has no staff power either; the admin asks for the code, then every
    power is there."""
    from django.core.files.base import ContentFile

    from tests.accounts.conftest import pdf_bytes

    world["app_submitted"].cv.save("cv.pdf", ContentFile(pdf_bytes()), save=True)
    client.force_login(moderator)
    assert staff_powers(client, world) == REFUSED
    admin_index = reverse("admin:index")
    response = client.get(admin_index)
    assert response.status_code == 302
    from urllib.parse import urlencode

    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?" + urlencode(
        {"next": admin_index}
    )
    response = client.post(reverse("mfa_reauthenticate"), {"code": current_totp()})
    assert response.status_code == 302
    assert client.get(admin_index).status_code == 200
    assert staff_powers(client, world) == GRANTED
