from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import CrewProfile, Unavailability
from applications.models import Application, ApplicationEvent
from jobboard.transitions import InvalidTransition
from tests.applications.conftest import make_pdf, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()


def _profile_edit_exists() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("accounts:profile_edit")
    except NoReverseMatch:
        return False
    return True


def apply_url(role):
    return reverse("applications:apply", kwargs={"pk": role.pk})


def upload(content: bytes | None = None, name: str = "我的简历.pdf"):
    return SimpleUploadedFile(name, content or make_pdf(), content_type="application/pdf")


def valid_post(**extra):
    return {
        "note": "做过三部短剧的灯光助理。",
        "cv_choice": "upload",
        "cv_file": upload(),
        "dates_confirmed": "on",
        "consent": "on",
        **extra,
    }


def test_form_shows_role_summary_and_safety_copy(as_user, graduate, role):
    response = as_user(graduate).get(apply_url(role))
    assert response.status_code == 200
    body = response.content.decode()
    assert role.title in body and role.shoot.title in body
    assert response.context["first_application"] is True
    assert 'class="safety-note"' in body
    assert 'name="consent"' in body and 'name="dates_confirmed"' in body
    assert role.shoot.studio.name in body


def test_safety_copy_only_before_the_first_application(as_user, graduate, role):
    from tests.factories import published_role

    submit(published_role(shoot__studio=role.shoot.studio), graduate)
    response = as_user(graduate).get(apply_url(role))
    assert response.context["first_application"] is False


def test_apply_with_an_uploaded_pdf(as_user, graduate, role, django_capture_on_commit_callbacks):
    client = as_user(graduate)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(apply_url(role), valid_post())
    application = Application.objects.get(role=role, applicant=graduate)
    assert response.status_code == 302
    assert response.url.startswith(reverse("applications:my_applications"))
    assert application.cv_name == "我的简历.pdf"
    assert application.cv.name.startswith("applications/")
    assert application.consent_at is not None and application.dates_confirmed
    assert application.note == "做过三部短剧的灯光助理。"
    assert application.events.get().to_status == Application.Status.SUBMITTED


def test_profile_cv_is_copied_at_apply_time(as_user, graduate, role):
    profile = graduate.crew_profile
    profile.cv.save("x.pdf", ContentFile(make_pdf()), save=False)
    profile.cv_name = "profile-cv.pdf"
    profile.save()
    response = as_user(graduate).post(apply_url(role), valid_post(cv_choice="profile", cv_file=""))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.cv_name == "profile-cv.pdf"
    assert application.cv.name != profile.cv.name
    original = application.cv.open("rb").read()
    # A later profile edit does not change what the studio received.
    profile.cv.delete()
    assert application.cv.open("rb").read() == original


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html>not a pdf</html>", "cv.pdf"),
        (b"%PDF-1.7\nbroken beyond repair", "cv.pdf"),
        (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1), "big.pdf"),
    ],
)
def test_bad_uploads_are_refused_and_the_form_keeps_the_note(
    as_user, graduate, role, content, name
):
    response = as_user(graduate).post(
        apply_url(role), valid_post(cv_file=upload(content, name), note="我的留言")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["cv_file"]
    assert "我的留言" in response.content.decode()
    assert not Application.objects.exists()


def test_missing_consent_or_dates_rerenders(as_user, graduate, role):
    data = valid_post(note="保留我")
    del data["consent"]
    del data["dates_confirmed"]
    response = as_user(graduate).post(apply_url(role), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "consent" in errors and "dates_confirmed" in errors
    assert "保留我" in response.content.decode()
    assert not Application.objects.exists()


def test_upload_choice_without_a_file_is_an_error(as_user, graduate, role):
    response = as_user(graduate).post(apply_url(role), valid_post(cv_file=""))
    assert response.status_code == 200
    assert "cv_file" in response.context["form"].errors


def test_incomplete_profile_is_sent_to_complete_it(as_user, graduate, role):
    CrewProfile.objects.filter(user=graduate).update(departments=[])
    response = as_user(graduate).get(apply_url(role))
    assert response.status_code == 302
    if _profile_edit_exists():
        assert response.url.endswith(f"?next={apply_url(role).replace('/', '%2F')}")


def test_no_profile_at_all_is_sent_to_complete_it(as_user, recruiter, role):
    response = as_user(recruiter).post(apply_url(role), valid_post())
    assert response.status_code == 302
    assert not Application.objects.exists()


def test_second_application_is_refused(as_user, graduate, role):
    submit(role, graduate)
    client = as_user(graduate)
    response = client.get(apply_url(role))
    assert response.status_code == 302
    response = client.post(apply_url(role), valid_post(), follow=True)
    assert Application.objects.count() == 1
    assert "已经申请" in response.content.decode() or "already applied" in (
        response.content.decode()
    )


def test_closed_role_says_so(as_user, graduate, role):
    role.shoot.close()
    client = as_user(graduate)
    response = client.get(apply_url(role))
    assert response.status_code == 200
    assert response.context["form"] is None
    response = client.post(apply_url(role), valid_post())
    assert response.status_code == 302
    assert not Application.objects.exists()


def test_a_role_that_closed_after_its_page_loaded_is_refused_and_keeps_no_cv(
    graduate, role, _private_media
):
    from postings.models import Role

    loaded = Role.objects.get(pk=role.pk)  # the page loaded it open
    role.shoot.close()  # then the studio closed the shoot
    with translation.override("en"), pytest.raises(InvalidTransition, match="no longer taking"):
        submit(loaded, graduate)
    assert not Application.objects.exists()
    assert not ApplicationEvent.objects.exists()
    assert not list((_private_media / "applications").glob("*"))


def test_a_role_past_its_apply_by_date_is_refused_at_submit(graduate, role, _private_media):
    from postings.models import Role

    Role.objects.filter(pk=role.pk).update(apply_by=timezone.localdate() - timedelta(days=1))
    with translation.override("en"), pytest.raises(InvalidTransition, match="no longer taking"):
        submit(role, graduate)
    assert not Application.objects.exists()
    assert not list((_private_media / "applications").glob("*"))


def test_a_submission_stores_the_application_its_cv_and_first_event(graduate, role, _private_media):
    application = submit(role, graduate, note="自带柔光箱。")
    stored = Application.objects.get()
    assert stored.pk == application.pk
    assert (stored.role, stored.applicant, stored.note) == (role, graduate, "自带柔光箱。")
    assert stored.status == Application.Status.SUBMITTED
    assert stored.dates_confirmed and stored.consent_at and stored.created_at
    assert stored.cv_name == "李小灯简历.pdf"
    with stored.cv.open("rb") as cv:
        assert cv.read().startswith(b"%PDF")
    (event,) = stored.events.all()
    assert (event.from_status, event.to_status, event.actor) == ("", "submitted", graduate)
    # The returned object is a saved application: it can move on at once.
    application.withdraw(by=graduate)
    assert Application.objects.get().status == Application.Status.WITHDRAWN


def test_filled_role_is_refused(as_user, graduate, other_graduate, recruiter, role):
    first = submit(role, other_graduate)
    first.offer(by=recruiter)
    first.accept(by=other_graduate)
    response = as_user(graduate).post(apply_url(role), valid_post())
    assert response.status_code == 302
    assert not Application.objects.filter(applicant=graduate).exists()


def test_draft_role_is_404(as_user, graduate):
    from tests.factories import RoleFactory

    draft = RoleFactory()
    assert as_user(graduate).get(apply_url(draft)).status_code == 404
    # A submission loads the role by its own compiled query: the same rule holds.
    assert as_user(graduate).post(apply_url(draft), valid_post()).status_code == 404
    assert not Application.objects.exists()


def test_hidden_shoot_s_role_refuses_submissions_with_404(as_user, graduate, role):
    role.shoot.hidden_at = timezone.now()
    role.shoot.save(update_fields=["hidden_at"])
    assert as_user(graduate).post(apply_url(role), valid_post()).status_code == 404
    assert not Application.objects.exists()


def test_missing_role_is_404(as_user, graduate):
    assert as_user(graduate).get("/zh-hans/roles/999999/apply/").status_code == 404
    for pk in [999999, 2**63, 10**30]:
        url = f"/zh-hans/roles/{pk}/apply/"
        assert as_user(graduate).post(url, valid_post()).status_code == 404


def test_anonymous_is_sent_to_log_in(client, role):
    response = client.get(apply_url(role))
    assert response.status_code == 302
    assert "login" in response.url


def test_wrong_method_is_405(as_user, graduate, role):
    assert as_user(graduate).put(apply_url(role)).status_code == 405


def test_clash_with_marked_days_is_shown(as_user, graduate, role):
    Unavailability.objects.create(
        profile=graduate.crew_profile,
        start_date=role.start_date + timedelta(days=1),
        end_date=role.start_date + timedelta(days=2),
        note="毕业典礼",
    )
    response = as_user(graduate).get(apply_url(role))
    assert response.context["clashes"]["days_off"]
    assert "毕业典礼" in response.content.decode()


def test_clash_with_a_booking_is_shown(as_user, graduate, recruiter, role):
    from tests.factories import published_role

    other = published_role(shoot__studio=role.shoot.studio, shoot__start_date=role.start_date)
    booked = submit(other, graduate)
    booked.offer(by=recruiter)
    booked.accept(by=graduate)
    response = as_user(graduate).get(apply_url(role))
    assert [b.pk for b in response.context["clashes"]["bookings"]] == [booked.pk]


def test_no_clash_no_warning(as_user, graduate, role):
    response = as_user(graduate).get(apply_url(role))
    assert response.context["clashes"] == {"days_off": [], "bookings": [], "offers": []}


def test_clash_with_an_offer_held_is_shown(as_user, graduate, recruiter, role):
    from tests.factories import published_role

    other = published_role(shoot__studio=role.shoot.studio, shoot__start_date=role.start_date)
    held = submit(other, graduate)
    held.offer(by=recruiter)
    response = as_user(graduate).get(apply_url(role))
    assert [o.pk for o in response.context["clashes"]["offers"]] == [held.pk]
    assert other.shoot.title in response.content.decode()


def test_applying_is_rate_limited(as_user, graduate, role, settings):
    client = as_user(graduate)
    data = valid_post()
    del data["consent"]  # invalid, so every attempt counts without applying
    for _ in range(10):
        assert client.post(apply_url(role), {**data, "cv_file": upload()}).status_code == 200
    response = client.post(apply_url(role), {**data, "cv_file": upload()})
    assert response.status_code == 429


def test_a_submission_reads_and_writes_through_prepared_statements(as_user, graduate, role):
    # All found by their keys (one plan fits every request), so planned once per connection.
    assert as_user(graduate).post(apply_url(role), valid_post()).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [statement for (statement,) in cursor.fetchall()]
    for marker in ['FROM "django_session"', 'FROM "accounts_user"', "WITH open_role AS"]:
        assert [s for s in statements if marker in s], marker
