"""Alerts: saved searches mailed by ``send_alerts``, and their pages."""

from datetime import datetime, timedelta
from io import StringIO
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import Unavailability
from postings.choices import Department
from postings.models import SavedSearch, SentRole
from tests.factories import CrewProfileFactory, published_role

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with freeze_time(START) as frozen:
        yield frozen


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run ``send_alerts`` as cron does; the emails it queues after commit are sent."""

    def run():
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_alerts", stdout=StringIO())
        return mail.outbox[before:]

    return run


def alert_for(user, query="department=lighting", **fields) -> SavedSearch:
    return SavedSearch.objects.create(user=user, name="横店灯光", query=query, **fields)


def titles(messages) -> list[str]:
    """Every role title mailed, once per time it was mailed."""
    return [
        line.split(" · ")[0]
        for message in messages
        for line in message.body.splitlines()
        if line.startswith("ROLE-")
    ]


def later(clock, **delta):
    clock.tick(timedelta(**delta))


# --- Sending ----------------------------------------------------------------------------------


def test_each_new_matching_role_is_mailed_exactly_once(graduate, clock, run):
    published_role(title="ROLE-before")
    later(clock, hours=1)
    alert = alert_for(graduate)
    later(clock, minutes=1)
    published_role(title="ROLE-new-1")
    published_role(title="ROLE-camera", department=Department.CAMERA)
    closed = published_role(title="ROLE-closed")
    closed.shoot.close()

    first = run()
    assert len(first) == 1 and first[0].to == [graduate.email]
    assert titles(first) == ["ROLE-new-1"]

    later(clock, minutes=20)
    published_role(title="ROLE-new-2")
    second = run()
    later(clock, minutes=20)
    third = run()
    assert titles(second) == ["ROLE-new-2"]
    assert third == []
    assert SentRole.objects.filter(saved_search=alert).count() == 2


def test_a_second_run_at_the_same_moment_sends_nothing_again(graduate, clock, run):
    alert_for(graduate)
    later(clock, minutes=1)
    published_role(title="ROLE-once")
    assert titles(run()) == ["ROLE-once"]
    assert run() == []


def test_roles_sent_once_are_not_sent_again_even_if_the_clock_window_overlaps(graduate, clock, run):
    alert = alert_for(graduate)
    later(clock, minutes=1)
    role = published_role(title="ROLE-overlap")
    assert titles(run()) == ["ROLE-overlap"]
    # A later check whose window reaches back over the role (SavedSearch.SLACK) skips it.
    later(clock, minutes=16)
    assert role in alert.filterset(role.__class__.objects.all()).qs
    assert run() == []


def test_a_crash_halfway_resends_nothing_already_sent(graduate, other_graduate, clock, run):
    from unittest import mock

    first, second = alert_for(graduate), alert_for(other_graduate)
    later(clock, minutes=1)
    published_role(title="ROLE-crash")
    real = SentRole.objects.bulk_create
    calls = []

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    crashing = mock.patch.object(SentRole.objects, "bulk_create", side_effect=crash_on_second)
    with crashing, pytest.raises(RuntimeError):
        run()
    assert [m.to for m in mail.outbox] == [[graduate.email]]
    assert not SentRole.objects.filter(saved_search=second).exists()
    later(clock, minutes=1)
    assert [m.to for m in run()] == [[other_graduate.email]]
    later(clock, minutes=20)
    assert run() == []
    assert titles(mail.outbox) == ["ROLE-crash", "ROLE-crash"]
    assert SentRole.objects.filter(saved_search__in=[first, second]).count() == 2


def test_paused_and_deleted_alerts_send_nothing(graduate, other_graduate, clock, run):
    paused = alert_for(graduate)
    paused.pause()
    deleted = alert_for(other_graduate)
    deleted.delete()
    later(clock, minutes=1)
    published_role(title="ROLE-unsent")
    assert run() == []


def test_asap_alerts_are_batched_at_most_every_15_minutes(graduate, clock, run):
    alert_for(graduate)
    later(clock, minutes=1)
    published_role(title="ROLE-a")
    assert titles(run()) == ["ROLE-a"]
    later(clock, minutes=5)
    published_role(title="ROLE-b")
    assert run() == []
    later(clock, minutes=5)
    published_role(title="ROLE-c")
    assert run() == []
    later(clock, minutes=5)
    assert sorted(titles(run())) == ["ROLE-b", "ROLE-c"]


def test_daily_digest_is_sent_once_at_its_hour(graduate, clock, run):
    alert_for(graduate, frequency=SavedSearch.Frequency.DAILY, digest_hour=8)
    later(clock, hours=1)  # 11:00
    published_role(title="ROLE-morning")
    later(clock, hours=1)
    assert run() == []  # 12:00: today's 08:00 came before the alert existed
    clock.move_to(datetime(2026, 6, 2, 7, 55, tzinfo=SHANGHAI))
    assert run() == []
    clock.move_to(datetime(2026, 6, 2, 8, 0, tzinfo=SHANGHAI))
    assert titles(run()) == ["ROLE-morning"]
    clock.move_to(datetime(2026, 6, 2, 8, 5, tzinfo=SHANGHAI))
    assert run() == []
    clock.move_to(datetime(2026, 6, 2, 9, 0, tzinfo=SHANGHAI))
    published_role(title="ROLE-next")
    clock.move_to(datetime(2026, 6, 2, 23, 0, tzinfo=SHANGHAI))
    assert run() == []
    clock.move_to(datetime(2026, 6, 3, 8, 10, tzinfo=SHANGHAI))
    assert titles(run()) == ["ROLE-next"]


def test_availability_changes_change_what_fits_my_availability_alerts_match(graduate, clock, run):
    profile = graduate.crew_profile
    alert_for(graduate, query="department=lighting&fits_me=on")
    later(clock, minutes=1)
    first = published_role(title="ROLE-clash")
    busy = Unavailability.objects.create(
        profile=profile, start_date=first.start_date, end_date=first.end_date
    )
    assert run() == []

    busy.delete()
    later(clock, minutes=20)
    published_role(title="ROLE-free")
    # Published since the last email and fitting now: the first role is new to this alert too.
    assert sorted(titles(run())) == ["ROLE-clash", "ROLE-free"]

    later(clock, minutes=20)
    again = published_role(title="ROLE-clash-again")
    Unavailability.objects.create(
        profile=profile, start_date=again.start_date, end_date=again.start_date
    )
    assert run() == []


def test_alerts_quiet_for_90_days_are_paused_with_a_note(graduate, other_graduate, clock, run):
    quiet = alert_for(graduate, query="department=camera")
    busy = alert_for(other_graduate, query="department=lighting")
    later(clock, days=89)
    published_role(title="ROLE-keeps-it-alive")
    run()
    later(clock, days=2)
    run()
    quiet.refresh_from_db()
    busy.refresh_from_db()
    assert quiet.is_paused and quiet.pause_reason == SavedSearch.PauseReason.QUIET
    assert not busy.is_paused


def test_the_email_is_in_the_recipients_language_with_one_click_unsubscribe(graduate, clock, run):
    graduate.preferred_language = "en"
    graduate.save()
    alert = alert_for(graduate)
    later(clock, minutes=1)
    role = published_role(title="ROLE-english")
    [message] = run()
    assert "new role for “横店灯光”" in message.subject
    assert f"/en/roles/{role.pk}/" in message.body
    unsubscribe = reverse("postings:alert_unsubscribe", kwargs={"token": alert.unsubscribe_token})
    assert message.extra_headers["List-Unsubscribe"].endswith(
        f"{unsubscribe}>".replace("/zh-hans/", "/en/")
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_fixed_number_of_queries_per_due_alert(clock, run):
    def queries_for(n: int) -> int:
        SavedSearch.objects.all().delete()
        for _ in range(n):
            profile = CrewProfileFactory()
            alert_for(profile.user, query="department=lighting&city=hengdian&fits_me=on&q=灯光")
        later(clock, minutes=1)
        published_role(title="ROLE-灯光助理")
        later(clock, minutes=16)
        with CaptureQueriesContext(connection) as queries:
            sent = run()
        assert len(sent) == n
        return len(queries)

    three, six = queries_for(3), queries_for(6)
    per_alert = (six - three) // 3
    assert six - three == 3 * per_alert
    assert three - 3 * per_alert == queries_for(1) - per_alert  # the same fixed base
    # Under the test's outer transaction: the cities (for the form's choices and for the
    # filter: cities are not cached, see docs/caches.md), the roles, then savepoint, claim,
    # record and release (in production BEGIN/COMMIT).
    assert per_alert == 7


# --- Unsubscribe ------------------------------------------------------------------------------


def test_unsubscribe_works_without_login(graduate, clock, run):
    alert = alert_for(graduate)
    url = reverse("postings:alert_unsubscribe", kwargs={"token": alert.unsubscribe_token})
    anonymous = Client(enforce_csrf_checks=True)  # as a mail app posts: no CSRF token
    page = anonymous.get(url)
    assert page.status_code == 200 and "横店灯光" in page.text
    alert.refresh_from_db()
    assert not alert.is_paused  # a link checker's GET changes nothing
    assert anonymous.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 302
    alert.refresh_from_db()
    assert alert.pause_reason == SavedSearch.PauseReason.UNSUBSCRIBED
    later(clock, minutes=1)
    published_role(title="ROLE-after-unsubscribe")
    assert run() == []


def test_a_tampered_unsubscribe_link_is_refused(graduate, other_graduate, client):
    alert = alert_for(graduate)
    other = alert_for(other_graduate)
    token = alert.unsubscribe_token
    forged = token.replace(token.split(":")[0], other.unsubscribe_token.split(":")[0])
    for bad in (token + "x", forged, "nonsense"):
        url = reverse("postings:alert_unsubscribe", kwargs={"token": bad})
        assert client.post(url).status_code == 404
    alert.refresh_from_db()
    other.refresh_from_db()
    assert not alert.is_paused and not other.is_paused


def test_unsubscribing_from_a_deleted_alert_is_404(graduate, client):
    alert = alert_for(graduate)
    url = reverse("postings:alert_unsubscribe", kwargs={"token": alert.unsubscribe_token})
    alert.delete()
    assert client.get(url).status_code == 404


# --- Pages ------------------------------------------------------------------------------------

LIST = reverse("postings:alert_list")
CREATE = reverse("postings:alert_create")


def test_search_page_offers_an_alert_for_the_search(client):
    response = client.get(reverse("postings:role_list"), {"department": "lighting"})
    assert CREATE in response.text
    assert 'name="query" value="department=lighting"' in response.text


def test_creating_an_alert_from_a_search(graduate, as_user):
    c = as_user(graduate)
    query = "q=灯光&department=lighting&start=&after=2026-06-01~3"
    form = c.get(CREATE, {"query": query})
    assert form.status_code == 200
    assert form.context["form"]["name"].value() == "灯光"
    response = c.post(
        CREATE, {"query": query, "name": "", "frequency": "daily", "digest_hour": "7"}
    )
    assert response.status_code == 302 and response.url == LIST
    alert = SavedSearch.objects.get(user=graduate)
    assert alert.name == "灯光"
    assert alert.query == urlencode({"q": "灯光", "department": "lighting"})
    assert (alert.frequency, alert.digest_hour) == ("daily", 7)


def test_an_invalid_form_is_rerendered_with_what_was_typed(graduate, as_user):
    c = as_user(graduate)
    response = c.post(
        CREATE, {"query": "start=not-a-date", "name": "横店夜戏灯光", "frequency": "hourly"}
    )
    assert response.status_code == 200
    assert "横店夜戏灯光" in response.text
    assert set(response.context["form"].errors) == {"query", "frequency", "digest_hour"}
    assert not SavedSearch.objects.exists()


def test_at_most_20_alerts_per_user(graduate, as_user):
    for n in range(SavedSearch.MAX_PER_USER):
        alert_for(graduate, query=f"min_pay={n}")
    response = as_user(graduate).post(
        CREATE, {"query": "", "name": "再来一个", "frequency": "asap", "digest_hour": "8"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert SavedSearch.objects.filter(user=graduate).count() == SavedSearch.MAX_PER_USER


def test_alert_list_shows_counts_and_feed_links_in_constant_queries(
    graduate, as_user, django_assert_num_queries
):
    c = as_user(graduate)
    alert = alert_for(graduate, query="department=camera")
    SentRole.objects.create(saved_search=alert, role=published_role(), sent_at=alert.created_at)
    c.get(LIST)  # warm the session
    with django_assert_num_queries(3) as one:
        response = c.get(LIST)
    assert response.context["alerts"][0].found_count == 1
    assert f"{reverse('postings:feed')}?department=camera" in response.text
    for _ in range(4):
        alert_for(graduate)
    with django_assert_num_queries(len(one.captured_queries)):
        response = c.get(LIST)
    assert response.text.count(reverse("postings:feed")) >= 5


def test_edit_pause_resume_and_delete(graduate, as_user):
    c = as_user(graduate)
    alert = alert_for(graduate)
    edit = reverse("postings:alert_edit", args=[alert.pk])
    assert c.get(edit).status_code == 200
    response = c.post(
        edit,
        {"query": alert.query, "name": "横店灯光 400+", "frequency": "daily", "digest_hour": 20},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.name, alert.frequency, alert.digest_hour) == ("横店灯光 400+", "daily", 20)

    assert c.post(reverse("postings:alert_pause", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.is_paused and alert.pause_reason == SavedSearch.PauseReason.USER
    assert c.post(reverse("postings:alert_resume", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert not alert.is_paused
    assert c.post(reverse("postings:alert_delete", args=[alert.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


def _alert_urls(pk):
    return [
        ("get", reverse("postings:alert_edit", args=[pk])),
        ("post", reverse("postings:alert_edit", args=[pk])),
        ("post", reverse("postings:alert_pause", args=[pk])),
        ("post", reverse("postings:alert_resume", args=[pk])),
        ("post", reverse("postings:alert_delete", args=[pk])),
    ]


def test_anonymous_is_sent_to_login(graduate, client):
    alert = alert_for(graduate)
    for method, url in [("get", LIST), ("get", CREATE), *_alert_urls(alert.pk)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response.url, url


def test_another_users_alert_is_404(graduate, other_graduate, as_user):
    alert = alert_for(graduate)
    c = as_user(other_graduate)
    for method, url in _alert_urls(alert.pk):
        assert getattr(c, method)(url).status_code == 404, url
    alert.refresh_from_db()
    assert not alert.is_paused


def test_wrong_method_is_405(graduate, as_user):
    alert = alert_for(graduate)
    c = as_user(graduate)
    for name in ("alert_pause", "alert_resume", "alert_delete"):
        assert c.get(reverse(f"postings:{name}", args=[alert.pk])).status_code == 405
    assert c.post(LIST).status_code == 405
    assert c.delete(CREATE).status_code == 405


# --- Personal data ----------------------------------------------------------------------------


def test_alerts_are_in_the_data_export(graduate, as_user):
    import io
    import json
    import zipfile

    alert_for(graduate, query="q=灯光")
    response = as_user(graduate).get(reverse("accounts:data_export"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["alerts"][0]["search"] == "q=灯光"


def test_erasing_an_account_deletes_its_alerts(graduate):
    alert_for(graduate)
    graduate.erase()
    assert not SavedSearch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_alert_email_is_queued_in_the_transaction_that_records_it(graduate):
    """With the database task backend, the email's task row commits with the SentRole rows
    and the claimed alert, or neither does: no crash between the two can lose an alert."""
    from django.db import transaction
    from django.test import override_settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    alert = alert_for(graduate)
    SavedSearch.objects.filter(pk=alert.pk).update(
        created_at=timezone.now() - timedelta(hours=1),
        last_sent_at=timezone.now() - timedelta(hours=1),
    )
    published_role(title="ROLE-atomic")
    alert.refresh_from_db()

    class Crash(Exception):
        pass

    database = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=database):
        with pytest.raises(Crash), transaction.atomic():
            assert alert.send(timezone.now()) == 1
            assert DBTaskResult.objects.count() == 1  # written, not yet committed
            raise Crash
        assert not SentRole.objects.exists() and not DBTaskResult.objects.exists()
        alert.refresh_from_db()
        assert alert.send(timezone.now()) == 1
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "jobboard.mail.send_templated_email"
    assert task.args_kwargs["kwargs"]["to"] == [graduate.email]
    assert task.args_kwargs["kwargs"]["template"] == "alert"
    assert SentRole.objects.filter(saved_search=alert).count() == 1
    assert mail.outbox == []  # the worker sends it
