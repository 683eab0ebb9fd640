"""The whole loop after the wrap, in the browser: booked → wrapped → the crew member answers
"not paid yet" → a dispute → the studio says it paid → the crew member confirms → the
studio's public record and the confirmed credit appear."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _wrapped_shoot(studio, owner, crew, *, ago: int, title: str):
    """A shoot of ``studio`` that booked ``crew`` (through the transitions) and wrapped
    ``ago`` days ago."""
    from applications.models import Application
    from postings.models import Role, Shoot
    from tests.factories import RoleFactory

    role = RoleFactory(shoot__studio=studio, shoot__title=title, openings=len(crew))
    role.shoot.submit()
    for person in crew:
        application = Application.submit(
            role=role, applicant=person, note="", cv="", cv_name="", dates_confirmed=True
        )
        application.offer(by=owner)
        application.accept(by=person)
    start = timezone.localdate() - timedelta(days=ago + 4)
    Role.objects.filter(pk=role.pk).update(apply_by=start - timedelta(days=1))
    Shoot.objects.filter(pk=role.shoot_id).update(start_date=start, end_date=start + timedelta(4))
    role.shoot.sync_roles()
    return role.shoot


@pytest.fixture
def wrapped(db):
    from accounts.models import StudioMembership
    from applications.models import Wrap
    from tests.factories import CrewProfileFactory, StudioFactory, UserFactory, member

    studio = StudioFactory(name="星河短剧", slug="xinghe")
    owner = UserFactory(email="owner@xinghe.example", name="陈制片")
    member(owner, studio, StudioMembership.Role.OWNER)
    graduate = CrewProfileFactory(user__email="grad@example.com", user__name="李小灯").user
    others = [CrewProfileFactory().user for _ in range(4)]
    _wrapped_shoot(studio, owner, others, ago=30, title="锦衣夜行")
    shoot = _wrapped_shoot(studio, owner, [graduate], ago=3, title="凤鸣九天")
    call_command("ask_wrap", stdout=io.StringIO())
    for wrap in Wrap.objects.exclude(crew=graduate):
        wrap.answer(by=wrap.crew, paid="on_time", days_late=None, day_hours=12)
    return {"studio": studio, "owner": owner, "graduate": graduate, "shoot": shoot}


def test_not_paid_to_a_dispute_to_paid_to_a_public_record_and_a_credit(
    page, live_server, wrapped, screenshot
):
    graduate, owner, shoot = wrapped["graduate"], wrapped["owner"], wrapped["shoot"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/zh-hans/studios/xinghe/")
    expect(page.locator(".pay-record-none")).to_be_visible()  # 4 answers: not yet public

    # The crew member finds the question on "My applications" and answers "not paid yet".
    sign_in(page, live_server, graduate)
    page.goto(f"{live_server.url}/zh-hans/me/applications/")
    card = page.locator(".wrap-card")
    expect(card).to_contain_text("凤鸣九天")
    card.get_by_role("button", name="去回答").click()
    page.get_by_label("尚未付款").check()
    page.get_by_label("一天通常拍多少小时？（选填）").fill("14")
    screenshot("wrap-answer-phone")
    page.get_by_role("button", name="提交我的回答").click()
    expect(page.get_by_text("纠纷处理中")).to_be_visible()

    # The studio sees the dispute, confirms the work, and says it has paid.
    sign_in(page, live_server, owner)
    page.goto(f"{live_server.url}/zh-hans/studio/shoots/{shoot.pk}/wrap/")
    entry = page.locator("article", has_text="李小灯")
    expect(entry).to_contain_text("处理中：工资未到账")
    entry.get_by_label("全程出工").check()
    entry.get_by_role("button", name="确认").click()
    entry = page.locator("article", has_text="李小灯")
    entry.get_by_label("你的回复").fill("已于今天转账，请查收。")
    entry.get_by_label("我们已全额付清：请剧组成员确认").check()
    screenshot("wrap-studio-phone")
    entry.get_by_role("button", name="回复纠纷").click()
    expect(page.locator("article", has_text="李小灯")).to_contain_text("公司称已付款")

    # The crew member confirms the money arrived.
    sign_in(page, live_server, graduate)
    page.goto(f"{live_server.url}/zh-hans/me/applications/")
    page.locator(".wrap-card").get_by_role("button", name="去回答").click()
    expect(page.get_by_text("已于今天转账，请查收。")).to_be_visible()
    page.get_by_role("button", name="是的，已经到账").click()
    expect(page.get_by_text("纠纷已解决：你已确认工资到账。")).to_be_visible()
    expect(page.get_by_text("认证履历", exact=True)).to_be_visible()

    # The confirmed credit is on the profile; the studio's record is public: 4 of 5 on
    # time (this pay came 2 days after the promised day) over 2 shoots, no open dispute.
    page.goto(f"{live_server.url}/zh-hans/me/profile/")
    expect(page.locator(".confirmed-credits")).to_contain_text("凤鸣九天")
    page.goto(f"{live_server.url}/en/studios/xinghe/")
    record = page.locator(".pay-record")
    expect(record).to_contain_text("Paid on time: 4 of 5 crew over 2 shoots")
    expect(record).to_contain_text("0 open disputes")
    screenshot("wrap-record-phone")
