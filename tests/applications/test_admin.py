import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_moderators_read_applications_in_the_admin(as_user, moderator, application):
    client = as_user(moderator)
    response = client.get(reverse("admin:applications_application_changelist"))
    assert response.status_code == 200
    assert "李小灯" in response.content.decode()
    response = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "有两年灯光经验" in body  # the note, read-only
    assert 'name="note"' not in body


def test_no_add_or_delete_in_the_admin(as_user, moderator, application):
    client = as_user(moderator)
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    url = reverse("admin:applications_application_delete", args=[application.pk])
    assert client.get(url).status_code == 403


def test_crew_cannot_open_the_admin(as_user, graduate):
    response = as_user(graduate).get(reverse("admin:applications_application_changelist"))
    assert response.status_code == 302
