"""After the wrap: crew say whether they were paid, studios confirm the work, disputes, the
studio's public payment record, confirmed credits and pay medians."""

import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import Studio
from applications.models import Application, Wrap
from tests.applications.conftest import submit
from tests.factories import CrewProfileFactory, RoleFactory, city, published_role

pytestmark = pytest.mark.django_db


def english(path: str) -> str:
    return "/en/" + path.split("/", 2)[2]


def book(role, person, by):
    application = submit(role, person)
    application.offer(by=by)
    application.accept(by=person)
    return application


def ask(day):
    with freeze_time(day):
        call_command("ask_wrap", stdout=io.StringIO())


@pytest.fixture
def booking(role, graduate, recruiter):
    return book(role, graduate, recruiter)


@pytest.fixture
def wrapped(booking):
    """The day after the shoot's last day: the booking has its ``Wrap``."""
    ask(booking.role.end_date + timedelta(days=1))
    return Wrap.objects.get(application=booking)


def test_the_day_after_the_wrap_each_booked_person_is_asked_once(booking, graduate):
    end = booking.role.end_date
    mail.outbox.clear()
    ask(end)  # the last shoot day: not yet
    assert not Wrap.objects.exists()
    ask(end + timedelta(days=1))
    wrap = Wrap.objects.get()
    assert (wrap.crew, wrap.studio, wrap.shoot) == (
        graduate,
        booking.role.shoot.studio,
        wrap.role.shoot,
    )
    assert [m.to for m in mail.outbox] == [[graduate.email]]
    assert reverse("applications:wrap", kwargs={"pk": wrap.pk}) in mail.outbox[0].body
    ask(end + timedelta(days=2))  # again: nothing new
    assert Wrap.objects.count() == 1 and len(mail.outbox) == 1


def test_applications_that_were_not_booked_are_not_asked(role, graduate, other_graduate, recruiter):
    submit(role, other_graduate)  # never booked
    book(role, graduate, recruiter)
    ask(role.end_date + timedelta(days=1))
    assert list(Wrap.objects.values_list("crew", flat=True)) == [graduate.pk]


def test_one_reminder_a_week_later_for_no_answer_or_not_paid_yet(wrapped, graduate):
    day = wrapped.role.end_date + timedelta(days=1)
    mail.outbox.clear()
    ask(day + timedelta(days=6))
    assert mail.outbox == []
    ask(day + timedelta(days=7))
    assert [m.to for m in mail.outbox] == [[graduate.email]]
    assert "Reminder" in mail.outbox[0].subject or "提醒" in mail.outbox[0].subject
    ask(day + timedelta(days=8))
    assert len(mail.outbox) == 1


def test_no_reminder_once_they_said_they_were_paid(wrapped, graduate):
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid=Wrap.Paid.ON_TIME, days_late=None, day_hours=12)
    mail.outbox.clear()
    ask(wrapped.role.end_date + timedelta(days=9))
    assert mail.outbox == []


def test_the_crew_member_answers_on_their_page_and_only_they_can(
    wrapped, graduate, other_graduate, recruiter, as_user, client
):
    url = reverse("applications:wrap", kwargs={"pk": wrapped.pk})
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        assert as_user(other_graduate).get(url).status_code == 404
        assert as_user(recruiter).get(url).status_code == 404
        assert client.get(url).status_code == 302
        page = as_user(graduate)
        assert page.get(url).status_code == 200
        bad = page.post(url, {"action": "answer", "paid": "late", "day_hours": "30"})
        assert bad.status_code == 200
        assert 'value="30"' in bad.content.decode()  # what was typed is kept
        wrapped.refresh_from_db()
        assert wrapped.paid == ""
        page.post(url, {"action": "answer", "paid": "late", "days_late": "4", "day_hours": "12"})
    wrapped.refresh_from_db()
    assert (wrapped.paid, wrapped.days_late, wrapped.day_hours) == ("late", 4, 12)
    from jobboard.transitions import InvalidTransition

    with pytest.raises(InvalidTransition):
        wrapped.answer(by=other_graduate, paid="on_time", days_late=None, day_hours=None)


def test_answers_close_ninety_days_after_the_wrap(wrapped, graduate):
    from jobboard.transitions import InvalidTransition

    with freeze_time(wrapped.role.end_date + timedelta(days=91)), pytest.raises(InvalidTransition):
        wrapped.answer(by=graduate, paid="on_time", days_late=None, day_hours=None)
    with freeze_time(wrapped.role.end_date + timedelta(days=90)):
        wrapped.answer(by=graduate, paid="on_time", days_late=None, day_hours=None)


def test_not_paid_past_the_promised_date_opens_a_dispute_the_studio_answers(
    wrapped, graduate, recruiter, owner, as_user
):
    """book → wrap → "not paid" → dispute → the studio marks paid → the crew confirms."""
    end = wrapped.role.end_date
    with freeze_time(end + timedelta(days=1)):  # on wrap: due the day after, not yet late
        wrapped.answer(by=graduate, paid="not_yet", days_late=None, day_hours=None)
    assert wrapped.dispute == ""
    mail.outbox.clear()
    ask(end + timedelta(days=2))  # the promised date has passed
    wrapped.refresh_from_db()
    assert wrapped.dispute == Wrap.Dispute.OPEN
    assert sorted(m.to[0] for m in mail.outbox) == sorted([recruiter.email, owner.email])
    studio = Studio.objects.get(pk=wrapped.studio_id)
    assert studio.record_disputes == 1

    shoot_wrap = reverse("applications:shoot_wrap", kwargs={"pk": wrapped.shoot_id})
    page = as_user(recruiter).get(shoot_wrap).content.decode()
    assert graduate.display_name in page and 'class="badge badge-danger"' in page
    action = reverse(
        "applications:shoot_wrap_action",
        kwargs={"pk": wrapped.shoot_id, "wrap_pk": wrapped.pk, "action": "answer"},
    )
    mail.outbox.clear()
    with freeze_time(end + timedelta(days=5)):
        as_user(recruiter).post(action, {"text": "已转账", "paid": "on"})
    wrapped.refresh_from_db()
    assert wrapped.dispute == Wrap.Dispute.ANSWERED and wrapped.studio_response == "已转账"
    assert [m.to for m in mail.outbox] == [[graduate.email]]

    mail.outbox.clear()
    with freeze_time(end + timedelta(days=6)):
        as_user(graduate).post(
            reverse("applications:wrap", kwargs={"pk": wrapped.pk}), {"action": "confirm_paid"}
        )
    wrapped.refresh_from_db()
    assert wrapped.dispute == Wrap.Dispute.RESOLVED
    assert (wrapped.paid, wrapped.days_late) == ("late", 5)  # due end+1, confirmed end+6
    studio.refresh_from_db()
    assert (studio.record_disputes, studio.record_answers, studio.record_days_late) == (0, 1, 5)
    assert len(mail.outbox) == 2  # both members hear it is resolved


def test_partly_paid_opens_a_dispute_at_once_and_still_missing_reopens_it(
    wrapped, graduate, recruiter
):
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid="partly", days_late=None, day_hours=None)
        assert wrapped.dispute == Wrap.Dispute.OPEN
        wrapped.studio_answers(by=recruiter, text="付了", paid=True)
        wrapped.still_unpaid(by=graduate)
    assert wrapped.dispute == Wrap.Dispute.OPEN


def test_someone_outside_the_studio_cannot_answer_or_confirm(
    wrapped, other_recruiter, graduate, as_user
):
    for action in ("work", "answer"):
        url = reverse(
            "applications:shoot_wrap_action",
            kwargs={"pk": wrapped.shoot_id, "wrap_pk": wrapped.pk, "action": action},
        )
        response = as_user(other_recruiter).post(url, {"worked": "no_show", "text": "x"})
        assert response.status_code == 404
    shoot_wrap = reverse("applications:shoot_wrap", kwargs={"pk": wrapped.shoot_id})
    assert as_user(other_recruiter).get(shoot_wrap).status_code == 404
    assert as_user(graduate).get(shoot_wrap).status_code == 404
    wrapped.refresh_from_db()
    assert wrapped.worked == ""


def test_worked_becomes_a_confirmed_credit_the_crew_can_hide_but_not_edit(
    wrapped, graduate, recruiter, as_user
):
    url = reverse(
        "applications:shoot_wrap_action",
        kwargs={"pk": wrapped.shoot_id, "wrap_pk": wrapped.pk, "action": "work"},
    )
    mail.outbox.clear()
    as_user(recruiter).post(url, {"worked": "all_days"})
    wrapped.refresh_from_db()
    assert wrapped.worked == "all_days" and wrapped.is_credit
    assert [m.to for m in mail.outbox] == [[graduate.email]]
    profile = as_user(graduate).get(reverse("accounts:profile_edit")).content.decode()
    assert wrapped.shoot.title in profile and "confirmed-credits" in profile

    # The studio sees it on the next shoot the person applies to.
    later = published_role(shoot__studio=wrapped.studio, title="灯光大助")
    submit(later, graduate)
    pipeline = reverse("applications:pipeline", kwargs={"pk": later.shoot_id})
    html = as_user(recruiter).get(pipeline).content.decode()
    assert "confirmed-credits" in html and wrapped.shoot.title in html

    as_user(graduate).post(
        reverse("applications:wrap", kwargs={"pk": wrapped.pk}), {"action": "hide_credit"}
    )
    html = as_user(recruiter).get(english(pipeline)).content.decode()
    assert "confirmed-credits" not in html
    assert "1 completed booking on Callsheet" in html


def test_a_no_show_is_shown_to_studios_with_the_crew_member_s_one_answer(
    wrapped, graduate, recruiter, as_user
):
    from jobboard.transitions import InvalidTransition

    wrapped.confirm_work(by=recruiter, worked="no_show")
    assert not wrapped.is_credit
    url = reverse("applications:wrap", kwargs={"pk": wrapped.pk})
    as_user(graduate).post(url, {"action": "reply", "text": "剧组改了日期，没有通知我。"})
    wrapped.refresh_from_db()
    assert wrapped.crew_reply == "剧组改了日期，没有通知我。"
    with pytest.raises(InvalidTransition):
        wrapped.reply(by=graduate, text="again")
    with pytest.raises(InvalidTransition):  # answered: the studio's mark stands
        wrapped.confirm_work(by=recruiter, worked="all_days")
    later = published_role(shoot__studio=wrapped.studio, title="灯光大助")
    submit(later, graduate)
    html = (
        as_user(recruiter)
        .get(reverse("applications:pipeline", kwargs={"pk": later.shoot_id}))
        .content.decode()
    )
    assert "no-show" in html and "剧组改了日期" in html


def _record(studio, recruiter, answers):
    """Bookings on shoots of ``studio``, wrapped and answered: ``answers`` is a list of
    (shoot number, paid)."""
    shoots = {}
    for shoot_no, _paid in answers:
        if shoot_no not in shoots:
            shoots[shoot_no] = published_role(shoot__studio=studio, openings=20)
        role = shoots[shoot_no]
        person = CrewProfileFactory().user
        book(role, person, recruiter)
    for role in shoots.values():
        ask(role.end_date + timedelta(days=1))
    wraps = list(Wrap.objects.filter(studio=studio).order_by("pk"))
    for wrap, (_shoot, paid) in zip(wraps, answers, strict=True):
        with freeze_time(wrap.role.end_date + timedelta(days=1)):
            wrap.answer(
                by=wrap.crew, paid=paid, days_late=3 if paid == "late" else None, day_hours=None
            )
    studio.refresh_from_db()
    return studio


def test_the_record_shows_from_five_answers_over_two_shoots_and_only_totals(
    studio_a, recruiter, client
):
    studio = _record(studio_a, recruiter, [(1, "on_time")] * 4 + [(2, "late")])
    assert (studio.record_answers, studio.record_on_time, studio.record_shoots) == (5, 4, 2)
    assert studio.record_shown and not studio.pays_on_time  # 80% < 90%
    page = client.get(english(reverse("accounts:studio_detail", kwargs={"slug": studio.slug})))
    assert "Paid on time: 4 of 5 crew over 2 shoots" in page.content.decode()


def test_below_the_sample_the_record_says_not_enough_bookings(studio_a, recruiter, client):
    studio = _record(studio_a, recruiter, [(1, "on_time")] * 5)  # one shoot only
    assert not studio.record_shown
    html = client.get(reverse("accounts:studio_detail", kwargs={"slug": studio.slug}))
    assert "pay-record-none" in html.content.decode()


def test_studios_that_pay_on_time_filter_and_cards(studio_a, studio_b, recruiter, client):
    _record(studio_a, recruiter, [(1, "on_time")] * 5 + [(2, "on_time")] * 5)
    good = published_role(shoot__studio=studio_a, title="跟焦员")
    other = published_role(shoot__studio=studio_b, title="跟焦员")
    good.refresh_from_db()
    assert good.studio_pays_on_time
    response = client.get("/zh-hans/roles/", {"pays_on_time": "on", "q": "跟焦员"})
    html = response.content.decode()
    assert good.get_absolute_url() in html and other.get_absolute_url() not in html
    assert "pay-record-ok" in html
    everyone = client.get("/zh-hans/roles/", {"q": "跟焦员"}).content.decode()
    assert other.get_absolute_url() in everyone and "pay-record-none" in everyone


def test_a_hidden_entry_leaves_the_record_and_pays_on_time_follows(studio_a, recruiter, moderator):
    studio = _record(studio_a, recruiter, [(1, "on_time")] * 9 + [(2, "partly")])
    assert studio.pays_on_time and studio.record_disputes == 1
    role = published_role(shoot__studio=studio_a)
    assert role.studio_pays_on_time
    # Another "partly": 9 of 11 on time, under 90%.
    disputed = Wrap.objects.get(paid="partly")
    disputed.hide(by=moderator, reason="申诉成立：已提供转账记录")
    studio.refresh_from_db()
    assert (studio.record_answers, studio.record_disputes) == (9, 0)


def test_pays_on_time_flips_the_roles_copy_in_the_same_transaction(studio_a, recruiter):
    studio = _record(studio_a, recruiter, [(1, "on_time")] * 5 + [(2, "on_time")] * 5)
    role = published_role(shoot__studio=studio_a)
    assert role.studio_pays_on_time
    late = Wrap.objects.filter(studio=studio).first()
    with freeze_time(late.role.end_date + timedelta(days=2)):
        late.answer(by=late.crew, paid="partly", days_late=None, day_hours=None)
        other = Wrap.objects.filter(studio=studio, paid="on_time").first()
        other.answer(by=other.crew, paid="partly", days_late=None, day_hours=None)
    role.refresh_from_db()
    assert not role.studio_pays_on_time  # 8 of 10


def test_deleting_an_account_keeps_the_count_but_not_the_person(wrapped, graduate):
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid="on_time", days_late=None, day_hours=10)
    wrapped.confirm_work(by=wrapped.studio.memberships.first().user, worked="no_show")
    wrapped.reply(by=graduate, text="我叫李小灯，当天生病")
    graduate.erase()
    wrapped.refresh_from_db()
    assert wrapped.crew is None and wrapped.application is None and wrapped.crew_reply == ""
    studio = Studio.objects.get(pk=wrapped.studio_id)
    assert studio.record_answers == 1


def test_the_data_export_holds_the_person_s_answers(wrapped, graduate, as_user):
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid="late", days_late=6, day_hours=13)
    response = as_user(graduate).get(reverse("accounts:data_export"))
    if response["Content-Type"].startswith("application/zip"):
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(response.content))
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        data = json.loads(archive.read(name))
    else:
        data = json.loads(response.content)
    [entry] = data["after_the_wrap"]
    assert (entry["paid"], entry["days_late"], entry["typical_day_hours"]) == ("late", 6, 13)


def test_pay_medians_show_from_ten_wrapped_bookings(studio_a, recruiter, client):
    rates = [300, 320, 340, 350, 350, 360, 380, 400, 420]
    shoot_role = RoleFactory(shoot__studio=studio_a, openings=20, pay_min=300)
    shoot_role.shoot.submit()
    for rate in rates:
        role = RoleFactory(shoot=shoot_role.shoot, openings=1, pay_min=rate, title=f"灯光{rate}")
        book(role, CrewProfileFactory().user, recruiter)
    ask(shoot_role.end_date + timedelta(days=1))
    new = published_role(shoot__studio=studio_a, pay_min=380)
    url = new.get_absolute_url()
    assert "pay-median" not in client.get(url).content.decode()  # nine: not yet
    extra = RoleFactory(shoot__studio=studio_a, openings=1, pay_min=360)
    extra.shoot.submit()
    book(extra, CrewProfileFactory().user, recruiter)
    ask(extra.end_date + timedelta(days=1))
    html = client.get(url).content.decode()
    assert "pay-median" in html
    assert "¥355" in html  # the median of the ten: (350 + 360) / 2
    assert "10" in html


def test_the_applicant_s_card_links_to_the_wrap(wrapped, graduate, as_user):
    html = as_user(graduate).get(reverse("applications:my_applications")).content.decode()
    assert reverse("applications:wrap", kwargs={"pk": wrapped.pk}) in html
    assert Application.objects.get(pk=wrapped.application_id).status == "booked"


def test_the_posting_form_shows_the_department_s_median_beside_the_pay(
    studio_a, recruiter, as_user
):
    shoot_role = RoleFactory(shoot__studio=studio_a, openings=20, pay_min=300)
    shoot_role.shoot.submit()
    for n in range(10):
        role = RoleFactory(shoot=shoot_role.shoot, openings=1, pay_min=300 + 10 * n)
        book(role, CrewProfileFactory().user, recruiter)
    ask(shoot_role.end_date + timedelta(days=1))
    new = RoleFactory(shoot__studio=studio_a, shoot__city=shoot_role.shoot.city)
    url = english(reverse("postings:shoot_edit", kwargs={"pk": new.shoot_id}))
    html = as_user(recruiter).get(url).content.decode()
    assert "Lighting here: median ¥345 a day, 10 bookings on Callsheet" in html
    other_city = RoleFactory(shoot__studio=studio_a, shoot__city=city("zhengzhou"))
    url = english(reverse("postings:shoot_edit", kwargs={"pk": other_city.shoot_id}))
    assert "pay-median" not in as_user(recruiter).get(url).content.decode()


def test_moderators_read_a_dispute_with_its_history_hide_it_and_suspend_the_studio(
    wrapped, graduate, moderator, as_user
):
    from django.conf import settings

    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid="partly", days_late=None, day_hours=None)
    admin = as_user(moderator)
    base = f"/zh-hans/{settings.ADMIN_URL}applications/wrap/"
    listing = admin.get(base, {"dispute__exact": "open"}).content.decode()
    assert f"{base}{wrapped.pk}/change/" in listing
    page = admin.get(f"{base}{wrapped.pk}/change/").content.decode()
    assert "已进组" in page  # the application's history: booked
    # Hiding asks why first, then keeps the reason.
    chosen = {"action": "hide_from_record", "_selected_action": [wrapped.pk]}
    assert "reason" in admin.post(base, chosen).content.decode()
    admin.post(base, {**chosen, "apply": "1", "reason": "申诉成立：已提供转账记录"})
    wrapped.refresh_from_db()
    assert wrapped.hidden_at and wrapped.hidden_reason == "申诉成立：已提供转账记录"
    assert Studio.objects.get(pk=wrapped.studio_id).record_disputes == 0
    suspend = {"action": "suspend_studios", "_selected_action": [wrapped.pk], "apply": "1"}
    admin.post(base, {**suspend, "reason": "多人反映拖欠工资"})
    studio = Studio.objects.get(pk=wrapped.studio_id)
    assert studio.verification_status == "suspended"
    assert studio.status_reason == "多人反映拖欠工资"


def test_suspending_a_studio_after_the_shoot_started_keeps_the_booking_and_asks(
    booking, graduate, moderator
):
    """A studio suspended for not paying: the bookings of shoots that happened stay, and the
    crew are still asked whether they were paid (a future shoot's bookings are released)."""
    later = booking.role.end_date + timedelta(days=20)
    future = published_role(
        shoot__studio=booking.role.shoot.studio, shoot__start_date=later, title="跟焦员"
    )
    other = book(future, CrewProfileFactory().user, future.shoot.studio.memberships.first().user)
    studio = booking.role.shoot.studio
    with freeze_time(booking.role.start_date + timedelta(days=2)):
        studio.suspend(by=moderator, reason="拖欠工资")
    booking.refresh_from_db()
    other.refresh_from_db()
    assert booking.status == "booked"
    ask(booking.role.end_date + timedelta(days=1))
    assert Wrap.objects.filter(application=booking, crew=graduate).exists()
    assert other.status == "released"


def test_a_first_run_after_a_long_pause_asks_nobody_about_old_shoots(booking):
    ask(booking.role.end_date + timedelta(days=91))
    assert not Wrap.objects.exists()


def test_the_studio_s_word_on_work_is_fixed_during_a_dispute_and_after_two_weeks(
    wrapped, graduate, recruiter
):
    from jobboard.transitions import InvalidTransition

    day = wrapped.role.end_date + timedelta(days=1)
    with freeze_time(day):
        wrapped.confirm_work(by=recruiter, worked="all_days")
        mail.outbox.clear()
        wrapped.confirm_work(by=recruiter, worked="all_days")  # the same again
        assert mail.outbox == []
        wrapped.answer(by=graduate, paid="partly", days_late=None, day_hours=None)
        with pytest.raises(InvalidTransition):
            wrapped.confirm_work(by=recruiter, worked="no_show")
    with freeze_time(day + timedelta(days=15)):
        wrapped.answer(by=graduate, paid="on_time", days_late=None, day_hours=None)
        with pytest.raises(InvalidTransition):
            wrapped.confirm_work(by=recruiter, worked="no_show")
    wrapped.refresh_from_db()
    assert wrapped.worked == "all_days"


def test_a_deleted_account_s_open_dispute_leaves_the_count_of_open_disputes(wrapped, graduate):
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid="partly", days_late=None, day_hours=None)
    assert Studio.objects.get(pk=wrapped.studio_id).record_disputes == 1
    graduate.erase()
    studio = Studio.objects.get(pk=wrapped.studio_id)
    assert (studio.record_disputes, studio.record_answers) == (0, 1)


def test_answers_stay_open_until_a_month_after_a_late_promised_pay_date(wrapped, graduate):
    from postings.models import Shoot

    Shoot.objects.filter(pk=wrapped.shoot_id).update(payment_timing="after_wrap", payment_days=120)
    wrapped.refresh_from_db()
    assert wrapped.answers_close == wrapped.role.end_date + timedelta(days=150)
    with freeze_time(wrapped.role.end_date + timedelta(days=140)):
        wrapped.answer(by=graduate, paid="late", days_late=5, day_hours=None)


def test_moderators_cannot_delete_an_entry(wrapped, moderator, as_user):
    from django.conf import settings

    url = f"/zh-hans/{settings.ADMIN_URL}applications/wrap/{wrapped.pk}/delete/"
    assert as_user(moderator).post(url, {"post": "yes"}).status_code == 403
    assert Wrap.objects.filter(pk=wrapped.pk).exists()


def test_a_refused_dispute_answer_comes_back_with_what_was_typed(wrapped, graduate, as_user):
    recruiter = wrapped.studio.memberships.first().user
    with freeze_time(wrapped.role.end_date + timedelta(days=1)):
        wrapped.answer(by=graduate, paid="partly", days_late=None, day_hours=None)
    url = reverse(
        "applications:shoot_wrap_action",
        kwargs={"pk": wrapped.shoot_id, "wrap_pk": wrapped.pk, "action": "answer"},
    )
    typed = "x" * 1001  # over the 1,000 characters
    response = as_user(recruiter).post(url, {"text": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert typed in html and 'role="alert"' in html
    wrapped.refresh_from_db()
    assert wrapped.studio_response == ""
