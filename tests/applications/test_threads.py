"""Talk on the application: one thread per application between the applicant and the studio,
screened like postings, emailed without flooding, contacts revealed at booking."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import User
from applications.models import Message, ThreadModeratorView
from postings.models import Report
from tests.applications.conftest import make_pdf

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
DEPOSIT = "入组前请先交押金500元，加我微信 xinghe2026 详谈"


def url(application):
    return reverse("applications:thread", args=[application.pk]).replace("/zh-hans/", "/en/")


def send(client, application, body="", **files):
    return client.post(url(application), {"body": body, **files})


def test_the_applicant_and_the_studio_talk_and_nobody_else_reads_it(
    as_user, application, graduate, recruiter, owner, other_graduate, other_recruiter
):
    response = send(as_user(recruiter), application, "你好，请问你有灯光车经验吗？")
    assert response.status_code == 302
    assert send(as_user(graduate), application, "有的，跟过两部剧。").status_code == 302
    for person in (graduate, recruiter, owner):
        html = as_user(person).get(url(application)).content.decode()
        assert "请问你有灯光车经验吗" in html and "跟过两部剧" in html
    for outsider in (other_graduate, other_recruiter):
        assert as_user(outsider).get(url(application)).status_code == 404
        assert send(as_user(outsider), application, "插一句").status_code == 404
    assert Message.objects.count() == 2


def test_the_status_changes_show_in_line(as_user, application, graduate, recruiter):
    send(as_user(recruiter), application, "先进入候选")
    application.shortlist(by=recruiter)
    html = as_user(graduate).get(url(application)).content.decode()
    assert html.index("先进入候选") < html.index("Shortlisted", html.index("先进入候选"))


def test_bad_input_keeps_what_was_typed(as_user, application, graduate):
    client = as_user(graduate)
    response = send(client, application, "")
    assert response.status_code == 400
    assert "Write a message or attach a file." in response.content.decode()
    long = "长" * 2001
    response = send(client, application, long)
    assert response.status_code == 400 and long in response.content.decode()
    fake = SimpleUploadedFile("cv.pdf", b"not a pdf at all", "application/pdf")
    response = send(client, application, "附件见下", attachment=fake)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Attach a PDF, or a PNG, JPEG or WebP image." in html and "附件见下" in html
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "application/pdf")
    response = send(client, application, "大文件", attachment=big)
    assert "5 MB or smaller" in response.content.decode()
    assert not Message.objects.exists()


def test_attachments_are_checked_by_content_and_served_only_to_the_thread(
    as_user, application, graduate, recruiter, other_recruiter, moderator, client
):
    pdf = SimpleUploadedFile("作品集.pdf", make_pdf(), "application/pdf")
    send(as_user(graduate), application, "作品集", attachment=pdf)
    image = SimpleUploadedFile("still.png", PNG, "image/png")
    send(as_user(graduate), application, "", attachment=image)
    first, second = Message.objects.order_by("pk")
    assert first.attachment_type == "application/pdf" and second.attachment_type == "image/png"
    assert not first.attachment.name.endswith("作品集.pdf")  # stored under our own name
    link = reverse("applications:message_attachment", args=[first.pk])
    response = as_user(recruiter).get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert as_user(other_recruiter).get(link).status_code == 404
    assert client.get(link).status_code == 302  # to the login page
    assert not ThreadModeratorView.objects.exists()
    assert as_user(moderator).get(link).status_code == 200
    assert ThreadModeratorView.objects.count() == 1


def test_a_deposit_request_before_booking_warns_and_reaches_the_moderators(
    as_user, application, graduate, recruiter
):
    send(as_user(recruiter), application, DEPOSIT)
    message = Message.objects.get()
    assert message.warns
    assert {rule for rule, _text in message.flags} == {"fee", "off_platform"}
    # Callsheet's screening put the thread in the moderators' queue, once.
    send(as_user(recruiter), application, "押金可以退")
    assert Report.objects.filter(reporter=None, details__contains=DEPOSIT).count() == 1
    html = as_user(graduate).get(url(application)).content.decode()
    assert "Callsheet never asks crew for money" in html and "Report this message" in html
    # The sender does not see the warning on their own message.
    assert "Report this message" not in as_user(recruiter).get(url(application)).content.decode()
    as_user(graduate).post(reverse("applications:message_report", args=[message.pk]))
    message.refresh_from_db()
    assert message.reported_at
    assert Report.objects.filter(reporter=graduate, reason="fee").exists()
    assert "You reported it." in as_user(graduate).get(url(application)).content.decode()


def test_after_a_booking_the_same_words_carry_no_warning_and_contacts_show(
    as_user, application, graduate, recruiter
):
    graduate.phone = "13912345678"
    graduate.save()
    profile = graduate.crew_profile
    profile.wechat_id = "lixiaodeng_wx"
    profile.save()
    before = as_user(recruiter).get(url(application)).content.decode()
    assert "13912345678" not in before and "lixiaodeng_wx" not in before
    application.offer(by=recruiter)
    application.accept(by=graduate)
    send(as_user(recruiter), application, "到组后加我微信 xinghe2026")
    assert not Message.objects.get().warns
    studio_side = as_user(recruiter).get(url(application)).content.decode()
    assert "13912345678" in studio_side and "lixiaodeng_wx" in studio_side
    crew_side = as_user(graduate).get(url(application)).content.decode()
    assert "13800000000" in crew_side  # the contact on set (the role fixture's)
    pipeline = reverse("applications:pipeline", args=[application.role.shoot_id])
    assert "lixiaodeng_wx" in as_user(recruiter).get(pipeline).content.decode()


def test_emails_at_most_once_per_thread_per_quarter_hour_or_batched_or_off(
    as_user, application, graduate, recruiter, owner
):
    mail.outbox.clear()
    client = as_user(graduate)
    with freeze_time("2026-12-08 10:00:00"):
        send(client, application, "第一条")
        send(client, application, "第二条")
    studio = {recruiter.email, owner.email}
    assert sorted(e.to[0] for e in mail.outbox) == sorted(studio)
    assert (
        "第一条" in mail.outbox[0].body and url(application).split("/en")[1] in mail.outbox[0].body
    )
    mail.outbox.clear()
    with freeze_time("2026-12-08 10:16:00"):
        send(client, application, "第三条")
    assert len(mail.outbox) == 2
    # The owner chooses batched, the recruiter off: no email at once; one digest for the owner.
    User.objects.filter(pk=owner.pk).update(message_emails="batched")
    User.objects.filter(pk=recruiter.pk).update(message_emails="off")
    mail.outbox.clear()
    with freeze_time("2026-12-08 11:00:00"):
        send(client, application, "第四条")
    assert mail.outbox == []
    with freeze_time("2026-12-08 18:00:00"):
        call_command("send_message_digests", stdout=io.StringIO())
    assert [e.to[0] for e in mail.outbox] == [owner.email]
    assert "第四条" in mail.outbox[0].body or "1" in mail.outbox[0].subject
    with freeze_time("2026-12-09 18:00:00"):
        call_command("send_message_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # told once


def test_the_preference_is_the_persons_own(as_user, application, graduate):
    as_user(graduate).post(
        reverse("applications:message_emails", args=[application.pk]),
        {"message_emails": "off"},
    )
    graduate.refresh_from_db()
    assert graduate.message_emails == "off"


def test_a_thread_closes_when_the_application_ends_without_a_booking(
    as_user, application, graduate, recruiter
):
    send(as_user(graduate), application, "还在考虑吗？")
    application.reject(by=recruiter, message="这次不合适")
    response = send(as_user(graduate), application, "好的谢谢")
    assert response.status_code == 400
    html = as_user(graduate).get(url(application)).content.decode()
    assert "This conversation is closed" in html and "还在考虑吗" in html
    assert Message.objects.count() == 1


def test_a_thread_closes_ninety_days_after_the_shoot(as_user, application, graduate, recruiter):
    application.offer(by=recruiter)
    application.accept(by=graduate)
    end = application.role.end_date
    with freeze_time(end + timedelta(days=90)):
        assert send(as_user(graduate), application, "工资到了").status_code == 302
    with freeze_time(end + timedelta(days=91)):
        assert send(as_user(graduate), application, "还有一件事").status_code == 400


def test_unread_counts_in_the_menu_the_inbox_and_my_applications(
    as_user, application, graduate, recruiter
):
    send(as_user(recruiter), application, "在吗？")
    send(as_user(recruiter), application, "明天能来试镜吗？")
    home = as_user(graduate).get("/en/me/").content.decode()
    assert "unread-count" in home
    inbox = as_user(graduate).get(reverse("applications:inbox")).content.decode()
    assert "2 new" in inbox
    mine = as_user(graduate).get("/en/me/applications/").content.decode()
    assert "2 new" in mine
    reading = as_user(graduate).get(url(application)).content.decode()
    assert "unread-count" not in reading  # the page that reads it counts it read
    assert "unread-count" not in as_user(graduate).get("/en/me/").content.decode()
    # The studio's side counts the applicant's messages, not its own.
    assert "unread-count" not in as_user(recruiter).get("/en/me/").content.decode()


def test_a_moderator_s_look_is_logged_and_shown(as_user, application, graduate, moderator):
    send(as_user(graduate), application, "请问几点到组？")
    as_user(moderator).get(url(application))
    message = Message.objects.get()
    admin = as_user(moderator).get(f"/en/admin/applications/message/{message.pk}/change/")
    assert admin.status_code == 200 and "请问几点到组" in admin.content.decode()
    assert ThreadModeratorView.objects.filter(moderator=moderator).count() == 2
    html = as_user(graduate).get(url(application)).content.decode()
    assert "Callsheet moderators read this conversation" in html


def test_messages_are_rate_limited_per_person(as_user, application, graduate, recruiter):
    client = as_user(graduate)
    with freeze_time("2026-12-08 10:00:00"):
        statuses = [send(client, application, f"第{n}条").status_code for n in range(21)]
        assert statuses[:20] == [302] * 20 and statuses[20] == 429
        assert send(as_user(recruiter), application, "收到").status_code == 302


def test_the_refresh_returns_only_the_messages(as_user, application, graduate, recruiter):
    send(as_user(recruiter), application, "新消息")
    response = as_user(graduate).get(url(application), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="thread-messages"' in html and "新消息" in html and "<html" not in html


def test_deletion_and_export_include_messages(as_user, application, graduate, recruiter):
    import io
    import json
    import zipfile

    send(as_user(graduate), application, "我的话")
    send(as_user(recruiter), application, "剧组的话")
    data = json.loads(
        zipfile.ZipFile(
            io.BytesIO(as_user(graduate).get(reverse("accounts:data_export")).content)
        ).read("data.json")
    )
    assert [m["body"] for m in data["messages"]] == ["我的话", "剧组的话"]
    graduate.erase()
    bodies = list(Message.objects.order_by("pk").values_list("body", flat=True))
    assert bodies == ["", "剧组的话"]


def test_the_call_sheet_shows_contacts_to_each_side_once_booked(
    as_user, application, graduate, recruiter, other_graduate, client
):
    graduate.phone = "13912345678"
    graduate.save()
    sheet = reverse("postings:call_sheet", args=[application.role.shoot_id])
    assert "13912345678" not in as_user(recruiter).get(sheet).content.decode()
    assert "13800000000" not in as_user(graduate).get(sheet).content.decode()
    application.offer(by=recruiter)
    application.accept(by=graduate)
    assert "13912345678" in as_user(recruiter).get(sheet).content.decode()
    assert "13800000000" in as_user(graduate).get(sheet).content.decode()
    for outsider in (as_user(other_graduate), client):
        html = outsider.get(sheet).content.decode()
        assert "13912345678" not in html and "13800000000" not in html


def test_a_reported_message_leads_the_moderator_to_the_conversation(
    as_user, application, graduate, recruiter, moderator
):
    send(as_user(recruiter), application, DEPOSIT)
    message = Message.objects.get()
    as_user(graduate).post(reverse("applications:message_report", args=[message.pk]))
    mod = as_user(moderator)
    for report in Report.objects.all():
        html = mod.get(f"/en/admin/postings/report/{report.pk}/change/").content.decode()
        link = f"/en/admin/applications/message/{message.pk}/change/"
        assert link in html
        assert DEPOSIT in mod.get(link).content.decode()


def unread_count(user) -> int:
    return User.objects.get(pk=user.pk).unread_threads  # the menu's count, read afresh


def test_the_menu_count_follows_messages_memberships_and_reading_whoever_writes(
    application, graduate, recruiter, studio_a
):
    """``ThreadState.unread_at`` is kept by triggers: a message through the model or a bulk
    insert, a member who joins after the messages, a member who leaves, a message deleted."""
    from accounts.models import StudioMembership
    from applications.models import ThreadState
    from tests.factories import UserFactory, member

    Message.send(application=application, by=graduate, body="请问几点到？")
    assert unread_count(recruiter) == 1 and unread_count(graduate) == 0
    newcomer = UserFactory(name="新统筹")
    member(newcomer, studio_a)  # joined after the message: it is new to them too
    assert unread_count(newcomer) == 1
    ThreadState.mark_read(application.pk, recruiter)
    assert unread_count(recruiter) == 0 and unread_count(newcomer) == 1
    Message.objects.bulk_create(
        [Message(application=application, author=recruiter, from_studio=True, body="八点")]
    )
    assert unread_count(graduate) == 1
    StudioMembership.objects.filter(user=newcomer).delete()  # left: not theirs any more
    assert unread_count(newcomer) == 0
    Message.objects.filter(from_studio=True).delete()  # nothing from the studio any more
    assert unread_count(graduate) == 0
    later = Message.send(application=application, by=graduate, body="好的")
    assert unread_count(recruiter) == 1
    later.delete()  # what remains was read
    assert unread_count(recruiter) == 0
