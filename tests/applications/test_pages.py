"""The persona matrix on every applications page and on CV downloads."""

import pytest
from django.urls import reverse

from applications.models import Application, CVView
from tests.applications.conftest import submit

pytestmark = pytest.mark.django_db


def pipeline_url(application):
    return reverse("applications:pipeline", kwargs={"pk": application.role.shoot_id})


def csv_url(application):
    return reverse("applications:pipeline_csv", kwargs={"pk": application.role.shoot_id})


def cv_url(application):
    return reverse("applications:cv", kwargs={"pk": application.pk})


# --- Anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [pipeline_url, csv_url, cv_url])
def test_anonymous_is_sent_to_log_in(client, application, url):
    response = client.get(url(application))
    assert response.status_code == 302
    assert "login" in response.url


def test_anonymous_my_applications_is_sent_to_log_in(client):
    response = client.get(reverse("applications:my_applications"))
    assert response.status_code == 302 and "login" in response.url


# --- Strangers get 404 ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["other_graduate", "other_recruiter", "graduate"])
@pytest.mark.parametrize("url", [pipeline_url, csv_url])
def test_strangers_get_404_on_the_pipeline(request, application, persona, url, as_user):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(url(application)).status_code == 404


@pytest.mark.parametrize("persona", ["other_graduate", "other_recruiter"])
def test_strangers_get_404_on_the_cv(request, application, persona, as_user):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(cv_url(application)).status_code == 404
    assert not CVView.objects.exists()


@pytest.mark.parametrize("persona", ["other_graduate", "other_recruiter"])
@pytest.mark.parametrize("action", ["shortlist", "reject", "offer", "release", "note"])
def test_strangers_get_404_on_pipeline_actions(request, application, persona, action, as_user):
    user = request.getfixturevalue(persona)
    url = reverse("applications:pipeline_action", kwargs={"pk": application.pk, "action": action})
    assert as_user(user).post(url, {"note": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.events.count() == 1


def test_the_applicant_cannot_act_on_their_own_pipeline_row(as_user, graduate, application):
    url = reverse("applications:pipeline_action", kwargs={"pk": application.pk, "action": "offer"})
    assert as_user(graduate).post(url).status_code == 404


@pytest.mark.parametrize("persona", ["other_graduate", "recruiter", "moderator"])
@pytest.mark.parametrize("action", ["withdraw", "accept", "decline"])
def test_only_the_applicant_acts_on_their_application(
    request, application, persona, action, as_user
):
    user = request.getfixturevalue(persona)
    url = reverse(f"applications:{action}", kwargs={"pk": application.pk})
    assert as_user(user).post(url).status_code == 404


def test_other_crew_do_not_see_my_applications(as_user, application, other_graduate):
    response = as_user(other_graduate).get(reverse("applications:my_applications"))
    assert response.status_code == 200
    assert response.context["applications"] == []


# --- Allowed --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["recruiter", "owner", "moderator"])
def test_studio_members_and_moderators_see_the_pipeline(request, application, persona, as_user):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(pipeline_url(application))
    assert response.status_code == 200
    assert "李小灯" in response.content.decode()


@pytest.mark.parametrize("persona", ["graduate", "recruiter", "owner", "moderator"])
def test_allowed_people_download_the_cv(request, application, persona, as_user):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(cv_url(application))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E6%9D%8E" in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_studio_cv_views_are_logged_and_shown_to_the_applicant(
    as_user, application, graduate, recruiter, moderator
):
    as_user(graduate).get(cv_url(application))
    assert not CVView.objects.exists()  # the applicant's own look is not a "view"
    as_user(recruiter).get(cv_url(application))
    as_user(moderator).get(cv_url(application))
    views = list(CVView.objects.order_by("viewed_at"))
    assert [(v.viewer, v.studio) for v in views] == [
        (recruiter, application.role.shoot.studio),
        (moderator, None),
    ]
    page = as_user(graduate).get(reverse("applications:my_applications"))
    assert len(page.context["cv_views"]) == 2
    assert application.role.shoot.studio.name in page.content.decode()


def test_cv_of_an_application_without_a_file_is_404(as_user, application, recruiter):
    Application.objects.filter(pk=application.pk).update(cv="")
    assert as_user(recruiter).get(cv_url(application)).status_code == 404


def test_cv_of_a_missing_application_is_404(as_user, moderator):
    assert as_user(moderator).get("/zh-hans/applications/424242/cv/").status_code == 404


def test_pipeline_of_a_missing_shoot_is_404(as_user, moderator):
    url = reverse("applications:pipeline", kwargs={"pk": 424242})
    assert as_user(moderator).get(url).status_code == 404


@pytest.mark.parametrize("name", ["withdraw", "accept", "decline"])
def test_crew_actions_are_post_only(as_user, graduate, application, name):
    url = reverse(f"applications:{name}", kwargs={"pk": application.pk})
    assert as_user(graduate).get(url).status_code == 405


@pytest.mark.parametrize("action", ["shortlist", "note"])
def test_pipeline_actions_are_post_only(as_user, recruiter, application, action):
    url = reverse("applications:pipeline_action", kwargs={"pk": application.pk, "action": action})
    assert as_user(recruiter).get(url).status_code == 405


def test_unknown_pipeline_action_is_404(as_user, recruiter, application):
    url = reverse("applications:pipeline_action", kwargs={"pk": application.pk, "action": "book"})
    assert as_user(recruiter).post(url).status_code == 404


def test_bulk_reject_is_post_only_and_scoped(as_user, recruiter, other_recruiter, application):
    url = reverse("applications:bulk_reject", kwargs={"pk": application.role.shoot_id})
    assert as_user(recruiter).get(url).status_code == 405
    assert as_user(other_recruiter).post(url, {"applications": [application.pk]}).status_code == 404


def test_second_applicant_is_visible_to_the_studio(as_user, application, other_graduate, owner):
    submit(application.role, other_graduate)
    response = as_user(owner).get(pipeline_url(application))
    assert "王二助" in response.content.decode()
