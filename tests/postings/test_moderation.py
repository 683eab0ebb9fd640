import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio
from postings import screening
from postings.models import REPORTS_TO_HIDE, Report, Role, Shoot
from tests.factories import RoleFactory, UserFactory, published_role

pytestmark = pytest.mark.django_db


def report_url(shoot):
    return reverse("postings:report", kwargs={"pk": shoot.pk})


def pending_shoot(**kwargs):
    role = RoleFactory(shoot__studio__verification_status=Studio.Verification.PENDING, **kwargs)
    role.shoot.submit()
    return role.shoot


# --- Reports -----------------------------------------------------------------------------------


def test_signed_in_user_reports_a_public_shoot(as_user, graduate):
    shoot = published_role().shoot
    c = as_user(graduate)
    assert c.get(report_url(shoot)).status_code == 200
    response = c.post(report_url(shoot), {"reason": "fee", "details": "要交押金"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.status) == (graduate, "fee", "open")


def test_one_open_report_per_person(as_user, graduate):
    shoot = published_role().shoot
    c = as_user(graduate)
    c.post(report_url(shoot), {"reason": "fee"})
    response = c.post(report_url(shoot), {"reason": "other"})
    assert response.status_code == 200
    assert response.context["already"] is True
    assert Report.objects.count() == 1


def test_invalid_report_rerenders(as_user, graduate):
    shoot = published_role().shoot
    response = as_user(graduate).post(report_url(shoot), {"reason": "bogus", "details": "细节"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert "细节" in response.content.decode()


def test_reports_need_a_public_shoot_and_a_login(client, as_user, graduate):
    assert client.get(report_url(published_role().shoot)).status_code == 302
    draft = RoleFactory().shoot
    assert as_user(graduate).get(report_url(draft)).status_code == 404
    assert as_user(graduate).put(report_url(draft)).status_code == 405


def test_several_reports_hide_the_shoot(as_user):
    role = published_role()
    for _n in range(REPORTS_TO_HIDE):
        as_user(UserFactory()).post(report_url(role.shoot), {"reason": "fee"})
    role.refresh_from_db()
    assert not role.listed
    assert Role.objects.listed().count() == 0


# --- Admin -------------------------------------------------------------------------------------


def test_review_queue_lists_pending_oldest_first_with_flags(as_user, moderator):
    first = pending_shoot(description="请加微信 abc")
    second = pending_shoot()
    Shoot.objects.filter(pk=second.pk).update(submitted_at=timezone.now().replace(year=2020))
    published_role()
    response = as_user(moderator).get(reverse("admin:postings_pendingshoot_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [Shoot.objects.get(pk=second.pk), first]
    assert "加微信" in response.content.decode()


def test_moderator_approves_in_admin_with_log_entry(
    as_user, moderator, django_capture_on_commit_callbacks
):
    shoot = pending_shoot()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(moderator).post(
            reverse("admin:postings_pendingshoot_changelist"),
            {"action": "approve", "_selected_action": [shoot.pk]},
        )
    assert response.status_code == 302
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PUBLISHED and shoot.reviewed_by == moderator
    assert LogEntry.objects.filter(object_id=str(shoot.pk), user=moderator).exists()


def test_reject_asks_for_a_reason_then_emails_it(as_user, moderator, settings):
    from tests.factories import member

    shoot = pending_shoot()
    studio_user = UserFactory(email="boss@studio.example")
    member(studio_user, shoot.studio)
    url = reverse("admin:postings_shoot_changelist")
    c = as_user(moderator)
    page = c.post(url, {"action": "reject", "_selected_action": [shoot.pk]})
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PENDING
    response = c.post(
        url, {"action": "reject", "_selected_action": [shoot.pk], "reason": "请写明加班费"}
    )
    assert response.status_code == 302
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.REJECTED
    assert shoot.rejection_reason == "请写明加班费"
    assert LogEntry.objects.filter(object_id=str(shoot.pk)).exists()


def test_report_admin_dismiss_and_action(as_user, moderator, graduate, other_graduate):
    """Acting on reports takes a reason and a confirmation on an intermediate page: nothing
    happens before. The studio receives the reason, each reporter the outcome, and the report
    keeps who decided, when and why."""
    from tests.factories import CrewProfileFactory, UserFactory, member

    shoot = published_role().shoot
    studio_member = UserFactory(email="boss@studio.example")
    member(studio_member, shoot.studio)
    third = CrewProfileFactory().user
    first = Report.file(shoot=shoot, reporter=graduate, reason="fee")
    second = Report.file(shoot=shoot, reporter=other_graduate, reason="fee", details="要押金")
    url = reverse("admin:postings_report_changelist")
    c = as_user(moderator)
    page = c.post(url, {"action": "dismiss_reports", "_selected_action": [first.pk]})
    assert page.status_code == 200 and "confirm" in page.content.decode()
    first.refresh_from_db()
    assert first.status == "open"  # asked, not done
    c.post(
        url,
        {
            "action": "dismiss_reports",
            "_selected_action": [first.pk],
            "reason": "工资与岗位相符",
            "confirm": "on",
        },
    )
    first.refresh_from_db()
    assert first.status == "dismissed" and first.resolution == "工资与岗位相符"
    assert [m.to for m in mail.outbox] == [[graduate.email]]
    assert "工资与岗位相符" in mail.outbox[0].body

    # Acting needs the reason and the confirmation.
    mail.outbox.clear()
    late = Report.file(shoot=shoot, reporter=third, reason="off_platform")
    for data in ({}, {"reason": "收押金", "confirm": ""}, {"reason": " ", "confirm": "on"}):
        page = c.post(url, {"action": "action_reports", "_selected_action": [second.pk], **data})
        assert page.status_code == 200
        second.refresh_from_db()
        assert second.status == "open"
    c.post(
        url,
        {
            "action": "action_reports",
            "_selected_action": [second.pk],
            "reason": "要求应聘者交500元押金",
            "confirm": "on",
        },
    )
    second.refresh_from_db()
    late.refresh_from_db()
    shoot.refresh_from_db()
    assert second.status == late.status == "actioned" and shoot.status == Shoot.Status.CANCELLED
    assert second.handled_by == moderator and second.resolution == "要求应聘者交500元押金"
    assert LogEntry.objects.filter(object_id=str(second.pk)).exists()
    by_address = {address: m for m in mail.outbox for address in m.to}
    assert "要求应聘者交500元押金" in by_address[studio_member.email].body
    # The studio sees why on its shoots page.
    shoots = as_user(studio_member).get(reverse("postings:my_shoots")).content.decode()
    assert "要求应聘者交500元押金" in shoots
    for reporter in (other_graduate, third):  # each reporter of the shoot, once
        assert sum(reporter.email in m.to for m in mail.outbox) == 1
        assert "要求应聘者交500元押金" not in by_address[reporter.email].body


def test_admin_pages_render(as_user, moderator):
    shoot = pending_shoot()
    c = as_user(moderator)
    for name in ("shoot", "pendingshoot", "report", "city"):
        assert c.get(reverse(f"admin:postings_{name}_changelist")).status_code == 200
    assert c.get(reverse("admin:postings_shoot_change", args=[shoot.pk])).status_code == 200


def test_shoot_reviewed_emails_render():
    context = {"shoot": "A & B", "status": "rejected", "reason": "写明工资", "url": "http://x/1"}
    body = render_to_string("emails/shoot_reviewed.txt", context)
    assert "A & B" in body and "写明工资" in body and "http://x/1" in body
    subject = render_to_string(
        "emails/shoot_reviewed_subject.txt", context | {"status": "published"}
    )
    assert "A & B" in subject
    assert mail.outbox == []


# --- Lifecycle ---------------------------------------------------------------------------------


def test_close_expired_shoots_is_idempotent():
    from datetime import timedelta

    live = published_role()
    late = published_role()
    Role.objects.filter(pk=late.pk).update(apply_by=timezone.localdate() - timedelta(days=1))
    call_command("close_expired_shoots", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("close_expired_shoots", stdout=open("/dev/null", "w"))  # noqa: SIM115
    late.shoot.refresh_from_db()
    live.shoot.refresh_from_db()
    assert late.shoot.status == Shoot.Status.EXPIRED
    assert live.shoot.status == Shoot.Status.PUBLISHED


# --- Transitions -------------------------------------------------------------------------------

S = Shoot.Status
ALL = set(S)
ALLOWED = {
    "submit": {S.DRAFT, S.REJECTED},
    "approve": {S.PENDING},
    "reject": {S.PENDING, S.PUBLISHED},
    "close": {S.PUBLISHED},
    "cancel": {S.DRAFT, S.PENDING, S.PUBLISHED, S.REJECTED},
    "expire": {S.PUBLISHED},
}


def _call(shoot, method, moderator):
    if method == "reject":
        return shoot.reject(by=moderator, reason="写清楚")
    if method == "expire":
        return shoot.expire()
    if method in {"approve"}:
        return shoot.approve(by=moderator)
    return getattr(shoot, method)(by=moderator)


@pytest.mark.parametrize("method", sorted(ALLOWED))
@pytest.mark.parametrize("status", sorted(ALL))
def test_every_transition_allowed_or_refused(method, status, moderator):
    from jobboard.transitions import InvalidTransition

    role = RoleFactory()
    shoot = role.shoot
    Shoot.objects.filter(pk=shoot.pk).update(status=status)
    shoot.refresh_from_db()
    if status in ALLOWED[method]:
        _call(shoot, method, moderator)
        shoot.refresh_from_db()
        assert shoot.status != status or method == "submit"
    else:
        with pytest.raises(InvalidTransition):
            _call(shoot, method, moderator)
        shoot.refresh_from_db()
        assert shoot.status == status


def test_reject_needs_a_reason(moderator):
    from jobboard.transitions import InvalidTransition

    shoot = pending_shoot()
    with pytest.raises(InvalidTransition):
        shoot.reject(by=moderator, reason="  ")


# --- Anti-scam rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "flagged", "clean"),
    [
        ("fee", "入组前需交服装费200元", "服装由剧组提供，无需自备"),
        ("fee", "A refundable deposit of 500 is required", "Paid on wrap, no costs to you"),
        ("fee", "先交报名费", "报名后统筹联系"),
        ("off_platform", "详情加微信 zhangsan", "通过平台投递简历"),
        ("off_platform", "VX 联系", "VXLAN networking is not relevant"),
        ("off_platform", "QQ群 123456789 报名", "请在平台内沟通"),
        ("off_platform", "call 13812345678", "12 hours a day"),
    ],
)
def test_each_anti_scam_rule(rule, flagged, clean):
    bad = RoleFactory.build(description=flagged, pay_min=400)
    good = RoleFactory.build(description=clean, pay_min=400)
    shoot = bad.shoot
    assert rule in {flag["rule"] for flag in screening.screen(shoot, [bad])}
    assert screening.screen(shoot, [good]) == []


def test_unrealistic_pay_rule():
    shoot = RoleFactory.build().shoot
    assert screening.screen(shoot, [RoleFactory.build(pay_min=50_000)])[0]["rule"] == "pay"
    assert screening.screen(shoot, [RoleFactory.build(pay_min=800)]) == []
