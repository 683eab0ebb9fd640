import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application, CVView
from tests.applications.conftest import submit
from tests.factories import published_role

pytestmark = pytest.mark.django_db

URL = "/zh-hans/me/applications/"


def test_lists_every_application_with_status_and_history(as_user, graduate, recruiter, role):
    application = submit(role, graduate)
    application.shortlist(by=recruiter)
    application.add_private_note(by=recruiter, note="内部备注：太贵")
    application.reject(by=recruiter, message="这次人选已定，谢谢")
    response = as_user(graduate).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert role.title in body and role.shoot.title in body and role.shoot.studio.name in body
    assert "这次人选已定" in body
    assert "内部备注" not in body
    [listed] = response.context["applications"]
    assert [e.to_status for e in listed.events.all()] == ["submitted", "shortlisted", "rejected"]


def test_address_and_contact_only_once_booked(as_user, graduate, recruiter, role):
    application = submit(role, graduate)
    client = as_user(graduate)
    application.offer(by=recruiter)
    body = client.get(URL).content.decode()
    assert role.shoot.address not in body and "13800000000" not in body
    assert (
        client.post(reverse("applications:accept", kwargs={"pk": application.pk})).status_code
        == 302
    )
    response = client.get(URL)
    body = response.content.decode()
    assert response.context["booked"] == [application]
    assert role.shoot.address in body and "13800000000" in body and "钱场务" in body


def test_withdraw(as_user, graduate, role):
    application = submit(role, graduate)
    response = as_user(graduate).post(
        reverse("applications:withdraw", kwargs={"pk": application.pk})
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


def test_withdraw_form_asks_for_confirmation(as_user, graduate, role):
    submit(role, graduate)
    assert "data-confirm=" in as_user(graduate).get(URL).content.decode()


def test_decline(as_user, graduate, recruiter, role):
    application = submit(role, graduate)
    application.offer(by=recruiter)
    as_user(graduate).post(reverse("applications:decline", kwargs={"pk": application.pk}))
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED


def test_accepting_without_an_offer_is_a_message(as_user, graduate, role):
    application = submit(role, graduate)
    response = as_user(graduate).post(
        reverse("applications:accept", kwargs={"pk": application.pk}), follow=True
    )
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_query_count_does_not_grow(as_user, graduate, recruiter, django_assert_num_queries):
    client = as_user(graduate)

    def add(n):
        for _ in range(n):
            role = published_role()
            application = submit(role, graduate)
            application.shortlist(by=recruiter)
            CVView.objects.create(
                application=application, viewer=recruiter, studio=role.shoot.studio
            )

    add(1)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    add(7)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["applications"]) == 8
    assert len(response.context["cv_views"]) == 8


def test_history_times_are_valid_html_datetimes(as_user, graduate, recruiter, role):
    """<time datetime> takes at most three digits of a second: whole seconds and the offset."""
    import re

    application = submit(role, graduate)
    application.shortlist(by=recruiter)
    pages = [
        as_user(graduate).get(reverse("applications:my_applications")),
        as_user(recruiter).get(reverse("applications:pipeline", args=[role.shoot_id])),
    ]
    for page in pages:
        values = re.findall(r'<time datetime="([^"]+)"', page.content.decode())
        assert values
        for value in values:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", value), value
