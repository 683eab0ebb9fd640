import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import Client

from accounts.models import CrewProfile, User
from applications.models import Application
from tests.accounts.conftest import book, pdf_upload
from tests.factories import published_role

pytestmark = pytest.mark.django_db

EXPORT = "/zh-hans/me/data/"
DELETE = "/zh-hans/me/delete/"


def _with_cv(client, profile_data):
    client.post("/zh-hans/me/profile/", {**profile_data, "new_cv": pdf_upload("简历.pdf")})


def test_export_zip_has_json_and_cv(as_user, graduate, profile_data):
    client = as_user(graduate)
    _with_cv(client, profile_data)
    graduate.crew_profile.credits.create(production_title="闪婚", role="灯光助理", year=2025)
    role = published_role()
    book(role, graduate)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == graduate.email
    assert data["crew_profile"]["credits"][0]["production"] == "闪婚"
    assert data["applications"][0]["role"] == role.title
    assert archive.read("cv/简历.pdf").startswith(b"%PDF")


def test_export_anonymous_and_post(client, as_user, graduate):
    assert client.get(EXPORT).status_code == 302
    assert as_user(graduate).post(EXPORT).status_code == 405


def test_export_of_a_studio_person(as_user, owner):
    response = as_user(owner).get(EXPORT)
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["crew_profile"] is None
    assert data["studio_memberships"][0]["role"] == "owner"


def test_delete_needs_the_password_and_keeps_data(as_user, graduate):
    response = as_user(graduate).post(DELETE, {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert User.objects.get(pk=graduate.pk).is_active


def test_delete_page_renders(as_user, graduate, client):
    assert as_user(graduate).get(DELETE).status_code == 200
    assert client.get(DELETE).status_code == 302


def test_delete_erases_everything_personal(
    as_user, graduate, profile_data, django_capture_on_commit_callbacks, _private_media
):
    graduate.phone = "13800138000"
    graduate.save()
    client = as_user(graduate)
    _with_cv(client, profile_data)
    role = published_role()
    application = book(role, graduate)
    Application.objects.filter(pk=application.pk).update(
        cv="applications/x.pdf", cv_name="简历.pdf"
    )
    (_private_media / "applications").mkdir()
    (_private_media / "applications" / "x.pdf").write_bytes(b"%PDF-1.4")
    other_session = Client()
    other_session.force_login(graduate)
    assert other_session.get("/zh-hans/me/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"password": "pw-correct-horse-9", "confirm": "on"})
    assert response.status_code == 302

    assert not [p for p in _private_media.rglob("*") if p.is_file()]
    user = User.objects.get(pk=graduate.pk)
    assert not user.is_active and user.is_erased and not user.has_usable_password()
    assert not CrewProfile.objects.filter(user=user).exists()
    # The studio's pipeline keeps the application, shown as a deleted user.
    assert Application.objects.get(pk=application.pk).applicant == user
    with connection.cursor() as cursor:
        for needle in ["grad@example.com", "李小灯", "13800138000"]:
            cursor.execute(
                "SELECT count(*) FROM accounts_user WHERE email ILIKE %s OR name LIKE %s "
                "OR phone LIKE %s",
                [needle, needle, needle],
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                "SELECT count(*) FROM account_emailaddress WHERE email ILIKE %s", [needle]
            )
            assert cursor.fetchone()[0] == 0
    # Both sessions are over.
    assert client.get("/zh-hans/me/").status_code == 302
    assert other_session.get("/zh-hans/me/").status_code == 302


def test_deleted_user_cannot_log_in(client, as_user, graduate):
    as_user(graduate).post(DELETE, {"password": "pw-correct-horse-9", "confirm": "on"})
    response = client.post(
        "/zh-hans/accounts/login/",
        {"login": "grad@example.com", "password": "pw-correct-horse-9"},
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_export_holds_the_history_views_reports_consent_and_addresses(as_user, graduate):
    """Everything held about the person's applications: the history with the studio's
    messages (never its private notes), who opened the CV and when, the consent, offer and
    booking times; the reports they filed; their email-address records."""
    from allauth.account.models import EmailAddress

    from applications.models import CVView
    from postings.models import Report
    from tests.factories import UserFactory, member

    role = published_role()
    studio_member = UserFactory()
    member(studio_member, role.shoot.studio)
    application = book(role, graduate)
    application.add_private_note(by=studio_member, note="只给工作室看的备注")
    application.release(by=studio_member, note="剧组改期，抱歉")
    CVView.objects.create(application=application, viewer=studio_member, studio=role.shoot.studio)
    other = published_role(title="另一个岗位")
    Report.file(shoot=other.shoot, reporter=graduate, reason="fee", details="要押金")
    EmailAddress.objects.create(user=graduate, email=graduate.email, verified=True, primary=True)

    response = as_user(graduate).get(EXPORT)
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    exported = data["applications"][0]
    assert exported["consent_to_share_at"] and exported["offered_at"]
    assert exported["booked_dates"] is None  # released
    history = [(e["from"], e["to"], e["message"]) for e in exported["history"]]
    assert ("", "submitted", "") in history
    assert ("booked", "released", "剧组改期，抱歉") in history
    assert "只给工作室看的备注" not in response.content.decode("latin-1")
    assert "只给工作室看的备注" not in json.dumps(data, ensure_ascii=False)
    assert exported["cv_viewed"][0]["by_studio"] == role.shoot.studio.name
    assert data["reports_filed"][0]["details"] == "要押金"
    assert data["email_addresses"] == [{"email": graduate.email, "verified": True, "primary": True}]


def test_export_gives_a_booking_its_first_and_last_day(as_user, graduate):
    role = published_role()
    book(role, graduate)
    response = as_user(graduate).get(EXPORT)
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["applications"][0]["booked_dates"] == [
        role.start_date.isoformat(),
        role.end_date.isoformat(),
    ]
