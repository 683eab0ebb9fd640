import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Credit, Unavailability
from applications.models import Application
from tests.applications.conftest import submit
from tests.factories import CrewProfileFactory, RoleFactory, published_role

pytestmark = pytest.mark.django_db


def pipeline_url(shoot, **query):
    url = reverse("applications:pipeline", kwargs={"pk": shoot.pk})
    if query:
        from django.utils.http import urlencode

        url += "?" + urlencode(query)
    return url


def action_url(application, action):
    return reverse("applications:pipeline_action", kwargs={"pk": application.pk, "action": action})


def applicants(response) -> dict[int, str]:
    """Each applicant's article on the page, by application id, in page order."""
    html = response.content.decode()
    found = re.findall(
        r'<article class="applicant" id="application-(\d+)">(.*?)</article>', html, re.S
    )
    return {int(pk): article for pk, article in found}


def test_row_shows_profile_credits_availability_and_cv_link(as_user, recruiter, application):
    profile = application.applicant.crew_profile
    profile.school = "北京电影学院"
    profile.graduation_year = 2025
    profile.save()
    Credit.objects.create(profile=profile, production_title="闪婚总裁", role="灯光助理", year=2025)
    response = as_user(recruiter).get("/en" + pipeline_url(application.role.shoot)[8:])
    row = applicants(response)[application.pk]
    assert "北京电影学院 (2025)" in row and "闪婚总裁" in row and profile.headline in row
    assert reverse("applications:cv", kwargs={"pk": application.pk})[8:] in row
    assert "Free on the shoot dates" in row


def test_busy_applicants_are_marked(as_user, recruiter, application):
    Unavailability.objects.create(
        profile=application.applicant.crew_profile,
        start_date=application.role.start_date,
        end_date=application.role.start_date,
    )
    response = as_user(recruiter).get("/en" + pipeline_url(application.role.shoot)[8:])
    assert "Marked unavailable on some shoot days" in applicants(response)[application.pk]


def test_status_and_role_filters(as_user, recruiter, application, other_graduate):
    second_role = RoleFactory(shoot=application.role.shoot, title="摄影助理", department="camera")
    other = submit(second_role, other_graduate)
    other.shortlist(by=recruiter)
    client = as_user(recruiter)
    shoot = application.role.shoot
    response = client.get(pipeline_url(shoot, status="shortlisted"))
    assert list(applicants(response)) == [other.pk]
    response = client.get(pipeline_url(shoot, role=application.role_id))
    assert list(applicants(response)) == [application.pk]
    assert re.findall(
        r'<section class="pipeline-role" aria-labelledby="role-(\d+)"', response.content.decode()
    ) == [str(application.role_id)]
    # Nonsense filters are ignored, not a 500.
    assert client.get(pipeline_url(shoot, status="nope", role="x")).status_code == 200


def test_shortlist_offer_and_release(as_user, recruiter, graduate, application):
    client = as_user(recruiter)
    shoot = application.role.shoot
    response = client.post(action_url(application, "shortlist"))
    assert response.status_code == 302 and response.url.startswith(pipeline_url(shoot))
    client.post(action_url(application, "offer"), {"message": "欢迎加入！"})
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED
    assert application.events.last().note == "欢迎加入！"
    application.accept(by=graduate)
    client.post(action_url(application, "release"), {"message": "档期变动"})
    application.refresh_from_db()
    assert application.status == Application.Status.RELEASED


def test_reject_with_a_message(as_user, recruiter, application):
    as_user(recruiter).post(action_url(application, "reject"), {"message": "这次人选已定"})
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.events.last().note == "这次人选已定"


def test_refused_action_is_a_message_not_a_500(as_user, recruiter, application):
    client = as_user(recruiter)
    response = client.post(action_url(application, "release"), follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_next_is_kept_only_within_the_pipeline(as_user, recruiter, application):
    client = as_user(recruiter)
    shoot = application.role.shoot
    back = pipeline_url(shoot, status="submitted")
    response = client.post(action_url(application, "note"), {"note": "面试优先", "next": back})
    assert response.url == f"{back}#application-{application.pk}"
    response = client.post(
        action_url(application, "note"), {"note": "x", "next": "https://evil.example/"}
    )
    assert response.url.startswith(pipeline_url(shoot))


def test_private_notes_stay_with_the_studio(as_user, recruiter, graduate, application):
    as_user(recruiter).post(action_url(application, "note"), {"note": "沟通很顺畅，优先考虑"})
    assert (
        "沟通很顺畅"
        in as_user(recruiter).get(pipeline_url(application.role.shoot)).content.decode()
    )
    mine = as_user(graduate).get(reverse("applications:my_applications")).content.decode()
    assert "沟通很顺畅" not in mine


def test_empty_note_is_refused(as_user, recruiter, application):
    as_user(recruiter).post(action_url(application, "note"), {"note": ""})
    assert application.events.count() == 1


def test_bulk_reject_with_one_message(as_user, recruiter, application, other_graduate):
    other = submit(application.role, other_graduate)
    booked_person = CrewProfileFactory().user
    booked = submit(application.role, booked_person)
    booked.offer(by=recruiter)
    booked.accept(by=booked_person)
    url = reverse("applications:bulk_reject", kwargs={"pk": application.role.shoot_id})
    response = as_user(recruiter).post(
        url,
        {"applications": [application.pk, other.pk, booked.pk], "message": "感谢关注，下次合作"},
        follow=True,
    )
    assert response.status_code == 200
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses[application.pk] == statuses[other.pk] == Application.Status.REJECTED
    assert statuses[booked.pk] == Application.Status.BOOKED
    assert application.events.last().note == "感谢关注，下次合作"


def test_bulk_reject_cannot_reach_another_shoot(as_user, recruiter, application, other_graduate):
    elsewhere = submit(published_role(), other_graduate)
    url = reverse("applications:bulk_reject", kwargs={"pk": application.role.shoot_id})
    as_user(recruiter).post(url, {"applications": [elsewhere.pk]})
    elsewhere.refresh_from_db()
    assert elsewhere.status == Application.Status.SUBMITTED


def test_fill_board_and_csv(as_user, recruiter, graduate, other_graduate, application):
    graduate.phone = "13912345678"
    graduate.save()
    other = submit(application.role, other_graduate)
    application.offer(by=recruiter)
    application.accept(by=graduate)
    client = as_user(recruiter)
    response = client.get(pipeline_url(application.role.shoot))
    role = response.context["roles"][0]
    assert (role.booked_count, role.openings, role.is_filled) == (1, 1, True)

    response = client.get(
        reverse("applications:pipeline_csv", kwargs={"pk": application.role.shoot_id})
    )
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["李小灯"][4:] == ["grad@example.com", "13912345678"]
    assert by_name["王二助"][4:] == ["", ""]  # contact only for booked crew
    assert other.status == Application.Status.SUBMITTED


def test_csv_neutralises_formulas(as_user, recruiter, role):
    person = CrewProfileFactory(user__name="=HYPERLINK(1)").user
    submit(role, person)
    response = as_user(recruiter).get(
        reverse("applications:pipeline_csv", kwargs={"pk": role.shoot_id})
    )
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


def test_pipeline_query_count_does_not_grow(
    as_user, recruiter, studio_a, django_assert_num_queries
):
    shoot_role = published_role(shoot__studio=studio_a, openings=5)
    RoleFactory(shoot=shoot_role.shoot, title="摄影助理")
    client = as_user(recruiter)

    def add_applicants(n):
        for _ in range(n):
            person = CrewProfileFactory().user
            Credit.objects.create(
                profile=person.crew_profile, production_title="闪婚", role="灯光", year=2024
            )
            app = submit(shoot_role, person)
            app.add_private_note(by=recruiter, note="好")

    add_applicants(2)
    client.get(pipeline_url(shoot_role.shoot))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(pipeline_url(shoot_role.shoot))
    add_applicants(6)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(pipeline_url(shoot_role.shoot))
    assert len(applicants(response)) == 8


def test_a_busy_pipeline_is_shown_twenty_applicants_at_a_time(as_user, recruiter, studio_a):
    from applications.pipeline import PAGE_SIZE as PIPELINE_PAGE_SIZE

    role = published_role(shoot__studio=studio_a, openings=5)
    for _ in range(PIPELINE_PAGE_SIZE + 3):
        Application.submit(
            role=role,
            applicant=CrewProfileFactory().user,
            note="",
            cv="",
            cv_name="",
            dates_confirmed=True,
        )
    client = as_user(recruiter)
    first = client.get(pipeline_url(role.shoot))
    assert len(applicants(first)) == PIPELINE_PAGE_SIZE
    assert 'href="?page=2" rel="next"' in first.content.decode()
    second = client.get(pipeline_url(role.shoot), {"page": 2})
    assert len(applicants(second)) == 3
    assert set(applicants(first)).isdisjoint(applicants(second))
    assert client.get(pipeline_url(role.shoot), {"page": "x"}).status_code == 200
    # Past the last page: the last page, as Django's paginator gives it.
    assert list(applicants(client.get(pipeline_url(role.shoot), {"page": 9}))) == list(
        applicants(second)
    )


# --- The fast path (applications.pipeline): compiled queries and cached HTML -------------------


def test_the_compiled_queries_answer_as_the_orm(as_user, recruiter, owner, other_graduate, role):
    """Each query compiled once per process gives the rows its ORM query gives."""
    from applications import pipeline
    from applications.models import ApplicationEvent, Wrap

    graduate_app = submit(role, CrewProfileFactory(user__name="有记录的人").user)
    graduate_app.add_private_note(by=recruiter, note="优先")
    second = submit(RoleFactory(shoot=role.shoot, title="摄影助理"), other_graduate)
    second.shortlist(by=recruiter)
    profile = other_graduate.crew_profile
    Credit.objects.create(profile=profile, production_title="闪婚", role="灯光", year=2024)
    Unavailability.objects.create(
        profile=profile, start_date=role.start_date, end_date=role.start_date
    )
    elsewhere = published_role()
    Wrap.objects.create(
        role=elsewhere,
        shoot=elsewhere.shoot,
        studio=elsewhere.shoot.studio,
        crew=other_graduate,
        worked=Wrap.Worked.ALL_DAYS,
    )
    ids = [graduate_app.pk, second.pk]
    assert pipeline._ROWS(ids) == list(
        Application.objects.filter(pk__in=ids).for_pipeline().order_by("created_at", "pk")
    )
    rows = pipeline._ROWS(ids)
    assert rows[1]["has_days_off"] and '"worked": "all_days"' in rows[1]["record"]
    assert ApplicationEvent.objects.filter(application=graduate_app).count() == 2
    shoot = role.shoot
    assert pipeline._APPLICATIONS(shoot.pk) == list(
        Application.objects.filter(role__shoot=shoot)
        .order_by("created_at", "pk")
        .values_list("pk", "role_id", "status")
    )
    for user, found in ((recruiter, True), (other_graduate, False)):
        expected = list(pipeline._shoot_values(pipeline.managed_shoots(user).filter(pk=shoot.pk)))
        assert pipeline._SHOOT(shoot.pk, user.pk) == expected
        assert bool(expected) is found


def test_what_an_applicant_shows_follows_every_change(as_user, recruiter, application, owner):
    """An applicant's HTML is kept under a digest of everything it shows: each change shows at
    once, in the language asked."""
    client = as_user(recruiter)
    shoot = application.role.shoot
    chinese = pipeline_url(shoot)
    url = "/en" + chinese[8:]

    def row():
        return applicants(client.get(url))[application.pk]

    assert "Submitted" in row()
    application.shortlist(by=recruiter)
    assert "Shortlisted" in row()
    application.add_private_note(by=recruiter, note="电话聊过")
    assert "电话聊过" in row()
    profile = application.applicant.crew_profile
    profile.headline = "新的一句话介绍"
    profile.save()
    assert "新的一句话介绍" in row()
    Credit.objects.create(profile=profile, production_title="新作品", role="灯光", year=2026)
    assert "新作品" in row()
    Unavailability.objects.create(
        profile=profile, start_date=application.role.start_date, end_date=application.role.end_date
    )
    assert "Marked unavailable on some shoot days" in row()
    application.applicant.name = "改了名字"
    application.applicant.save()
    assert "改了名字" in row()
    assert "已入围" in applicants(client.get(chinese))[application.pk]


def test_forms_carry_this_request_s_token_and_address_and_typed_text_stays_text(
    as_user, recruiter, role
):
    from applications.pipeline import FORM_FIELDS

    person = CrewProfileFactory(user__name=FORM_FIELDS).user
    application = submit(role, person, note=f"{FORM_FIELDS} <b>hi</b>")
    client = as_user(recruiter)
    for query in ({}, {"status": "submitted"}):
        response = client.get(pipeline_url(role.shoot, **query))
        html = response.content.decode()
        assert FORM_FIELDS not in html
        assert "&lt;!-- form fields --&gt; &lt;b&gt;hi&lt;/b&gt;" in html
        article = applicants(response)[application.pk]
        forms = re.findall(r"<form .*?</form>", article, re.S)
        assert len(forms) == 4  # note, shortlist, offer, reject
        for form in forms:
            assert 'name="csrfmiddlewaretoken" value="' in form
            expected = pipeline_url(role.shoot, **query).replace("&", "&amp;")
            assert f'name="next" value="{expected}"' in form
    # An action from the page goes back to it.
    response = client.post(
        action_url(application, "shortlist"), {"next": pipeline_url(role.shoot, status="submitted")}
    )
    assert (
        response.url
        == pipeline_url(role.shoot, status="submitted") + f"#application-{application.pk}"
    )
