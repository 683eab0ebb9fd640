"""Rate limits on login, sign-up, password reset, applying and reporting."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application
from postings.models import Report
from postings.views import REPORT_RATE
from tests.applications.conftest import make_pdf
from tests.factories import CrewProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_window():
    """Our limits count in fixed windows (jobboard.ratelimit): the clock stands still, so
    that a run of requests never straddles the start of a new window."""
    from django.utils import timezone
    from freezegun import freeze_time

    with freeze_time(timezone.now()):
        yield


def test_login_is_limited_per_address(client, graduate):
    url = reverse("account_login")
    statuses = [
        client.post(url, {"login": f"nobody{i}@example.com", "password": "x"}).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_failed_logins_from_elsewhere_never_lock_the_owner_out(graduate):
    """An attacker failing on purpose, from their own address, is held back there; the owner,
    from theirs, signs in with the right password (and can always ask for a reset)."""
    from allauth.account.models import EmailAddress
    from django.test import Client

    EmailAddress.objects.create(user=graduate, email=graduate.email, verified=True, primary=True)
    url = reverse("account_login")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(10):
        attacker.post(url, {"login": graduate.email, "password": f"guess-{n}"})
    # The attacker's address is held back: there, even the right password is refused.
    response = attacker.post(url, {"login": graduate.email, "password": "pw-correct-horse-9"})
    assert response.status_code != 302 and "_auth_user_id" not in attacker.session
    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = owner.post(url, {"login": graduate.email, "password": "pw-correct-horse-9"})
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(graduate.pk)
    reset = reverse("account_reset_password")
    for _ in range(6):
        attacker.post(reset, {"email": graduate.email})
    assert (
        Client(REMOTE_ADDR="198.51.100.7").post(reset, {"email": graduate.email}).status_code == 302
    )


def test_signup_is_limited_per_address(client):
    url = reverse("account_signup")
    statuses = [client.post(url, {"email": "not-an-email"}).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_password_reset_is_limited_per_address(client, graduate):
    url = reverse("account_reset_password")
    statuses = [client.post(url, {"email": graduate.email}).status_code for _ in range(6)]
    assert 302 in statuses[:5]
    assert statuses[5] in {200, 429}  # refused: the form says so, or the limit answers 429
    assert statuses[5] != 302


def test_applying_is_limited(world, as_user, other_graduate, one_window):
    """applications.views counts every POST (tests/applications/test_apply.py covers the
    message); here: the limit answers 429 and is per person."""
    from applications.views import APPLY_RATE

    client = as_user(other_graduate)
    url = reverse("applications:apply", args=[world["role"].pk])
    statuses = [client.post(url, {}).status_code for _ in range(APPLY_RATE + 1)]
    assert 429 not in statuses[:APPLY_RATE]
    assert statuses[APPLY_RATE] == 429

    # Per person: while other_graduate is held back, someone else applies.
    someone = CrewProfileFactory(user__name="赵三灯").user
    response = as_user(someone).post(
        url,
        {
            "note": "",
            "cv_choice": "upload",
            "cv_file": SimpleUploadedFile("cv.pdf", make_pdf(), "application/pdf"),
            "dates_confirmed": "on",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    assert Application.objects.filter(role=world["role"], applicant=someone).exists()
    assert client.post(url, {}).status_code == 429  # still held back


def test_reporting_is_limited(world, as_user, other_recruiter, graduate, one_window):
    limit, _window = REPORT_RATE
    client = as_user(other_recruiter)
    url = reverse("postings:report", args=[world["shoot"].pk])
    data = {"reason": Report.Reason.values[0], "details": "招聘信息要求交押金"}
    statuses = [client.post(url, data).status_code for _ in range(limit + 1)]
    assert statuses[0] == 302  # filed
    assert 429 not in statuses[:limit]
    assert statuses[limit] == 429
    # Per person: someone else can still report.
    other = as_user(graduate).post(url, data)
    assert other.status_code == 302
