"""Crews that apply as a team: forming a team by email invitation, the head's application to
several roles, each member's confirmation, the studio's decision for the whole unit, and a
booking of all of it or none of it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from applications.models import Application, CrewTeam, TeamApplication, TeamMember
from jobboard.transitions import InvalidTransition
from tests.applications.conftest import submit
from tests.factories import CrewProfileFactory, RoleFactory, published_role

pytestmark = pytest.mark.django_db
S = Application.Status
TEAMS = "/en/me/teams/"


@pytest.fixture
def gaffer(db):
    return CrewProfileFactory(user__email="gaffer@example.com", user__name="王灯光").user


@pytest.fixture
def best_boy(db):
    return CrewProfileFactory(user__email="daizhu@example.com", user__name="刘大助").user


@pytest.fixture
def spark(db):
    return CrewProfileFactory(user__email="xiaozhu@example.com", user__name="陈小助").user


@pytest.fixture
def team(gaffer, best_boy, spark):
    team = CrewTeam.objects.create(head=gaffer, name="王灯光组")
    for person in (best_boy, spark):
        team.invite(email=person.email, by=gaffer).accept(person)
    return team


@pytest.fixture
def roles(studio_a):
    gaffer_role = published_role(shoot__studio=studio_a, title="灯光师", openings=1, pay_min=600)
    assistants = RoleFactory(shoot=gaffer_role.shoot, title="灯光助理", openings=2)
    gaffer_role.shoot.refresh_from_db()
    gaffer_role.shoot.sync_roles()
    assistants.refresh_from_db()
    return gaffer_role, assistants


def apply_as_team(as_user, gaffer, team, roles, people):
    gaffer_role, assistants = roles
    data = {"note": "我们合作三年，自带灯具。", "dates_confirmed": "on", "consent": "on"}
    for person in team.people():
        if person in people:
            data[f"place_{person.pk}"] = str((gaffer_role if person == gaffer else assistants).pk)
    url = reverse("applications:team_apply", args=[gaffer_role.shoot_id])
    return as_user(gaffer).post(url.replace("/zh-hans/", "/en/"), data)


def confirm(as_user, person, team_application):
    url = reverse("applications:team_application_action", args=[team_application.pk, "confirm"])
    return as_user(person).post(url, {"dates_confirmed": "on", "consent": "on"})


@pytest.fixture
def sent(as_user, gaffer, best_boy, spark, team, roles):
    """The team's application, confirmed by everyone and sent to studio A."""
    response = apply_as_team(as_user, gaffer, team, roles, [gaffer, best_boy, spark])
    assert response.status_code == 302, response.content.decode()[:2000]
    team_application = TeamApplication.objects.get()
    confirm(as_user, best_boy, team_application)
    confirm(as_user, spark, team_application)
    team_application.refresh_from_db()
    assert team_application.stage == TeamApplication.Stage.SENT
    return team_application


def team_statuses(team_application):
    return sorted(
        Application.objects.filter(team_place__team_application=team_application).values_list(
            "status", flat=True
        )
    )


def test_members_join_by_the_invited_address_only(as_user, gaffer, best_boy, graduate):
    mail.outbox.clear()
    team = CrewTeam.objects.create(head=gaffer, name="王灯光组")
    response = as_user(gaffer).post(
        reverse("applications:team_invite", args=[team.pk]), {"email": "DaiZhu@example.com"}
    )
    assert response.status_code == 302
    member = TeamMember.objects.get()
    [email] = mail.outbox
    assert email.to == ["daizhu@example.com"] and member.token in email.body
    join = reverse("applications:team_join", args=[member.token])
    # Anyone else, the head included, finds nothing there.
    assert as_user(graduate).get(join).status_code == 404
    assert as_user(gaffer).post(join, {"answer": "accept"}).status_code == 404
    assert as_user(best_boy).get(join).status_code == 200
    as_user(best_boy).post(join, {"answer": "accept"})
    member.refresh_from_db()
    assert member.user == best_boy and team.people() == [gaffer, best_boy]
    # The same address cannot be invited twice, nor the head's own.
    with pytest.raises(InvalidTransition):
        team.invite(email="daizhu@example.com", by=gaffer)
    with pytest.raises(InvalidTransition):
        team.invite(email=gaffer.email, by=gaffer)
    # Only the head invites.
    response = as_user(best_boy).post(
        reverse("applications:team_invite", args=[team.pk]), {"email": "x@example.com"}
    )
    assert response.status_code == 404


def test_the_studio_sees_the_team_only_once_everyone_confirmed(
    as_user, gaffer, best_boy, spark, team, roles, recruiter
):
    mail.outbox.clear()
    response = apply_as_team(as_user, gaffer, team, roles, [gaffer, best_boy, spark])
    assert response.status_code == 302
    team_application = TeamApplication.objects.get()
    assert team_application.stage == TeamApplication.Stage.CONFIRMING
    asked = sorted(e.to[0] for e in mail.outbox)
    assert asked == ["daizhu@example.com", "xiaozhu@example.com"]
    assert "灯光助理" in mail.outbox[0].body
    pipeline = reverse("applications:pipeline", args=[roles[0].shoot_id])
    assert not Application.objects.exists()
    assert "王灯光组" not in as_user(recruiter).get(pipeline).content.decode()
    # A member's place shows on their teams page with what to confirm.
    page = as_user(best_boy).get(TEAMS).content.decode()
    assert "Confirm my place" in page and "灯光助理" in page
    confirm(as_user, best_boy, team_application)
    assert not Application.objects.exists()
    mail.outbox.clear()
    confirm(as_user, spark, team_application)
    team_application.refresh_from_db()
    assert team_application.stage == TeamApplication.Stage.SENT
    assert team_statuses(team_application) == [S.SUBMITTED] * 3
    assert {e.to[0] for e in mail.outbox} == {recruiter.email}
    html = as_user(recruiter).get(pipeline).content.decode()
    assert "王灯光组" in html and "Offer to the team" in html


def test_the_head_must_place_two_and_only_the_team(as_user, gaffer, team, roles, graduate):
    response = apply_as_team(as_user, gaffer, team, roles, [gaffer])
    assert response.status_code == 400
    assert "at least two" in response.content.decode()
    assert "我们合作三年" in response.content.decode()  # what was typed is kept
    with pytest.raises(InvalidTransition):
        TeamApplication.start(
            team=team,
            shoot=roles[0].shoot,
            by=gaffer,
            places={gaffer: roles[0], graduate: roles[1]},
            note="",
        )
    # Someone who heads no team is sent to form one.
    response = as_user(graduate).get(reverse("applications:team_apply", args=[roles[0].shoot_id]))
    assert response.status_code == 302 and response.url.endswith("/me/teams/")


def test_a_member_declining_their_place_stops_the_application(
    as_user, gaffer, best_boy, spark, team, roles
):
    apply_as_team(as_user, gaffer, team, roles, [gaffer, best_boy, spark])
    team_application = TeamApplication.objects.get()
    confirm(as_user, best_boy, team_application)
    mail.outbox.clear()
    as_user(spark).post(
        reverse("applications:team_application_action", args=[team_application.pk, "decline-place"])
    )
    team_application.refresh_from_db()
    assert team_application.stage == TeamApplication.Stage.CANCELLED
    assert "陈小助" in team_application.cancelled_why
    # The head and the member who had confirmed hear once; the one who declined does not.
    assert sorted(e.to[0] for e in mail.outbox) == ["daizhu@example.com", "gaffer@example.com"]
    assert not Application.objects.exists()
    # The team can apply again without them.
    response = apply_as_team(as_user, gaffer, team, roles, [gaffer, best_boy])
    assert response.status_code == 302


def test_the_studio_offers_to_the_team_and_the_head_books_everyone(
    as_user, gaffer, best_boy, spark, sent, roles, recruiter
):
    gaffer_role, assistants = roles
    [one] = list(Application.objects.filter(applicant=best_boy))
    # One member alone cannot be offered, nor accept.
    response = as_user(recruiter).post(
        reverse("applications:pipeline_action", args=[one.pk, "offer"])
    )
    one.refresh_from_db()
    assert one.status == S.SUBMITTED
    mail.outbox.clear()
    as_user(recruiter).post(
        reverse("applications:team_pipeline_action", args=[sent.pk, "offer"]),
        {"message": "欢迎整组加入"},
    )
    assert team_statuses(sent) == [S.OFFERED] * 3
    assert len(mail.outbox) == 3  # each member hears once
    response = as_user(best_boy).post(reverse("applications:accept", args=[one.pk]))
    assert response.status_code == 302
    one.refresh_from_db()
    assert one.status == S.OFFERED
    page = as_user(best_boy).get("/en/me/applications/").content.decode()
    assert "head answers for everyone" in page and "Accept the offer" not in page
    # Only the head accepts, for all.
    accept = reverse("applications:team_application_action", args=[sent.pk, "accept"])
    as_user(best_boy).post(accept)
    assert team_statuses(sent) == [S.OFFERED] * 3
    as_user(gaffer).post(accept)
    assert team_statuses(sent) == [S.BOOKED] * 3
    gaffer_role.refresh_from_db()
    assistants.refresh_from_db()
    assert (gaffer_role.booked_count, assistants.booked_count) == (1, 2)
    assert gaffer_role.is_filled and assistants.is_filled


def test_a_clash_of_one_member_books_nobody(
    as_user, gaffer, best_boy, spark, sent, roles, recruiter
):
    gaffer_role, _assistants = roles
    # 刘大助 is booked elsewhere on overlapping dates meanwhile.
    other = published_role(shoot__start_date=gaffer_role.start_date + timedelta(days=2), openings=1)
    elsewhere = submit(other, best_boy)
    elsewhere.offer(by=recruiter)
    elsewhere.accept(by=best_boy)
    sent.offer(by=recruiter)
    with pytest.raises(InvalidTransition, match="刘大助"):
        TeamApplication.objects.get(pk=sent.pk).accept(by=gaffer)
    assert team_statuses(sent) == [S.OFFERED] * 3
    gaffer_role.refresh_from_db()
    assert gaffer_role.booked_count == 0


def test_too_few_openings_books_nobody(as_user, gaffer, sent, roles, recruiter, graduate):
    _gaffer_role, assistants = roles
    other = submit(assistants, graduate)
    other.offer(by=recruiter)
    other.accept(by=graduate)  # one of the two assistant openings is gone
    sent.offer(by=recruiter)
    with pytest.raises(InvalidTransition, match="openings"):
        TeamApplication.objects.get(pk=sent.pk).accept(by=gaffer)
    assert team_statuses(sent) == [S.OFFERED] * 3


def test_a_member_withdrawing_puts_the_team_back_with_the_studio(
    as_user, gaffer, best_boy, spark, sent, roles, recruiter
):
    sent.offer(by=recruiter)
    mail.outbox.clear()
    mine = Application.objects.get(applicant=spark)
    as_user(spark).post(reverse("applications:withdraw", args=[mine.pk]))
    sent.refresh_from_db()
    assert sent.back_to_studio
    assert team_statuses(sent) == sorted([S.SHORTLISTED, S.SHORTLISTED, S.WITHDRAWN])
    assert {e.to[0] for e in mail.outbox} >= {recruiter.email, gaffer.email}
    html = (
        as_user(recruiter)
        .get(reverse("applications:pipeline", args=[sent.shoot_id]))
        .content.decode()
    )
    assert "A member withdrew" in html
    # The head cannot accept what is no longer offered; the studio offers again.
    with pytest.raises(InvalidTransition):
        TeamApplication.objects.get(pk=sent.pk).accept(by=gaffer)
    as_user(recruiter).post(reverse("applications:team_pipeline_action", args=[sent.pk, "offer"]))
    TeamApplication.objects.get(pk=sent.pk).accept(by=gaffer)
    assert team_statuses(sent) == sorted([S.BOOKED, S.BOOKED, S.WITHDRAWN])


def test_the_studio_turns_the_team_down_as_one(as_user, sent, recruiter):
    as_user(recruiter).post(
        reverse("applications:team_pipeline_action", args=[sent.pk, "reject"]),
        {"message": "这次不合适"},
    )
    assert team_statuses(sent) == [S.REJECTED] * 3


def test_only_those_concerned_see_or_act(
    as_user, gaffer, best_boy, sent, graduate, other_recruiter, recruiter
):
    for action in ("accept", "decline", "cancel", "confirm"):
        url = reverse("applications:team_application_action", args=[sent.pk, action])
        assert as_user(graduate).post(url).status_code == 404
        assert as_user(recruiter).post(url).status_code == 404
    for action in ("offer", "reject", "shortlist"):
        url = reverse("applications:team_pipeline_action", args=[sent.pk, action])
        assert as_user(other_recruiter).post(url).status_code == 404
        assert as_user(gaffer).post(url).status_code == 404
    assert team_statuses(sent) == [S.SUBMITTED] * 3
    assert "王灯光组" not in as_user(graduate).get(TEAMS).content.decode()
    # A member cannot cancel the head's application.
    url = reverse("applications:team_application_action", args=[sent.pk, "cancel"])
    assert as_user(best_boy).post(url).status_code == 404


def test_a_shoot_that_ends_stops_applications_still_being_confirmed(
    as_user, gaffer, best_boy, spark, team, roles, owner
):
    apply_as_team(as_user, gaffer, team, roles, [gaffer, best_boy, spark])
    mail.outbox.clear()
    roles[0].shoot.cancel(by=owner)
    team_application = TeamApplication.objects.get()
    assert team_application.stage == TeamApplication.Stage.CANCELLED
    # Each of the three hears once (in their language: 未发送, "not sent").
    told = [e.to[0] for e in mail.outbox if "未发送" in e.subject or "not sent" in e.subject]
    assert sorted(told) == ["daizhu@example.com", "gaffer@example.com", "xiaozhu@example.com"]


def test_a_member_leaving_the_team_stops_applications_being_confirmed(
    as_user, gaffer, best_boy, spark, team, roles
):
    apply_as_team(as_user, gaffer, team, roles, [gaffer, best_boy, spark])
    member = TeamMember.objects.get(user=spark)
    as_user(spark).post(reverse("applications:team_member_remove", args=[team.pk, member.pk]))
    assert TeamApplication.objects.get().stage == TeamApplication.Stage.CANCELLED
    assert team.people() == [gaffer, best_boy]


def test_a_deleted_member_puts_the_team_back_with_the_studio(sent, spark, recruiter):
    sent.offer(by=recruiter)
    spark.erase()
    sent.refresh_from_db()
    assert sent.back_to_studio
    assert team_statuses(sent) == sorted([S.SHORTLISTED, S.SHORTLISTED, S.WITHDRAWN])


def test_the_teams_page_and_the_apply_link(as_user, gaffer, team, roles):
    page = as_user(gaffer).get(TEAMS).content.decode()
    assert "王灯光组" in page and "刘大助" in page and "Invite" in page
    apply_page = as_user(gaffer).get(f"/en/roles/{roles[1].pk}/apply/").content.decode()
    assert "Apply with my team" in apply_page
    form = as_user(gaffer).get(
        reverse("applications:team_apply", args=[roles[0].shoot_id]).replace("/zh-hans/", "/en/")
    )
    html = form.content.decode()
    assert form.status_code == 200
    assert len(re.findall(r'name="place_\d+"', html)) == 3


def test_the_data_export_has_teams_and_places(as_user, best_boy, sent):
    import io
    import json
    import zipfile

    response = as_user(best_boy).get(reverse("accounts:data_export"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    assert data["teams"] == [
        {"team": "王灯光组", "head": False, "joined_at": data["teams"][0]["joined_at"]}
    ]
    [place] = data["team_applications"]
    assert place["role"] == "灯光助理" and place["stage"] == "sent" and place["confirmed_at"]


def test_the_apply_page_says_when_the_team_already_applied(as_user, gaffer, sent):
    url = reverse("applications:team_apply", args=[sent.shoot_id]).replace("/zh-hans/", "/en/")
    html = as_user(gaffer).get(url).content.decode()
    assert "Your team has already applied to this shoot." in html
    assert 'name="place_' not in html
