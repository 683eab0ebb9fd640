"""A gaffer forms a team, applies with it to two roles of one shoot, the assistant confirms,
the studio offers to the team, and the gaffer's accept books both at once: on a phone."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_gaffers_team_applies_and_is_booked_as_one(page, live_server, screenshot):
    from accounts.models import StudioMembership
    from applications.models import Application
    from tests.factories import (
        CrewProfileFactory,
        RoleFactory,
        StudioFactory,
        UserFactory,
        member,
        published_role,
    )

    studio = StudioFactory(name="星河短剧", slug="xinghe")
    owner = UserFactory(email="owner@xinghe.example", name="陈制片")
    member(owner, studio, StudioMembership.Role.OWNER)
    gaffer_role = published_role(shoot__studio=studio, title="灯光师 Gaffer", openings=1)
    assistant_role = RoleFactory(
        shoot=gaffer_role.shoot, title="灯光助理 Lighting assistant", openings=2
    )
    gaffer_role.shoot.sync_roles()
    gaffer = CrewProfileFactory(user__email="gaffer@example.com", user__name="王灯光").user
    best_boy = CrewProfileFactory(user__email="daizhu@example.com", user__name="刘大助").user
    base = f"{live_server.url}/en"

    page.set_viewport_size({"width": 390, "height": 844})
    # The gaffer forms a team and invites their best boy.
    sign_in(page, live_server, gaffer)
    page.goto(f"{base}/me/teams/")
    page.get_by_label("Team name").fill("Wang's lighting unit")
    page.get_by_role("button", name="Create a team").click()
    expect(page.locator(".message-success")).to_contain_text("Team created")
    page.get_by_label("Their email address").fill("daizhu@example.com")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("daizhu@example.com")

    # The best boy accepts.
    sign_in(page, live_server, best_boy)
    page.goto(f"{base}/me/teams/")
    page.get_by_role("button", name="Answer").click()
    page.get_by_role("button", name="Join the team").click()
    expect(page.locator(".message-success")).to_contain_text("Wang's lighting unit")

    # The gaffer applies with the team from a role's apply page.
    sign_in(page, live_server, gaffer)
    page.goto(f"{base}/roles/{assistant_role.pk}/apply/")
    page.get_by_role("link", name="Apply with my team").click()
    page.get_by_label("王灯光").select_option(str(gaffer_role.pk))
    page.get_by_label("刘大助").select_option(str(assistant_role.pk))
    page.get_by_label("A short note to the studio").fill("We have lit a dozen shoots together.")
    page.locator("input[name=dates_confirmed]").check()
    page.locator("input[name=consent]").check()
    screenshot("team-apply-phone")
    page.get_by_role("button", name="Ask the team to confirm").click()
    expect(page.locator(".message-success")).to_contain_text("waiting for each member")
    assert not Application.objects.exists()

    # The best boy confirms their place: the team's application reaches the studio.
    sign_in(page, live_server, best_boy)
    page.goto(f"{base}/me/teams/")
    card = page.locator(".team-application")
    expect(card).to_contain_text("Lighting assistant")
    card.get_by_label("I can work every day of the shoot").check()
    card.locator("input[name=consent]").check()
    screenshot("team-confirm-phone")
    card.get_by_role("button", name="Confirm my place").click()
    expect(page.locator(".message-success")).to_contain_text("reached the studio")

    # The studio sees the team as one unit and offers to it.
    sign_in(page, live_server, owner)
    page.goto(f"{base}/studio/shoots/{gaffer_role.shoot_id}/applicants/")
    unit = page.locator(".team-unit")
    expect(unit).to_contain_text("Wang's lighting unit")
    expect(unit).to_contain_text("王灯光")
    expect(unit).to_contain_text("刘大助")
    unit.get_by_label("Message to the team (optional)").fill("Welcome, all of you.")
    screenshot("team-pipeline-phone")
    unit.get_by_role("button", name="Offer to the team").click()
    expect(page.locator(".message-success")).to_contain_text("its head accepts for everyone")

    # The gaffer accepts for the team: both are booked at once.
    sign_in(page, live_server, gaffer)
    page.goto(f"{base}/me/teams/")
    page.get_by_role("button", name="Accept for the team").click()
    expect(page.locator(".message-success")).to_contain_text("The whole team is booked")
    screenshot("team-booked-phone")
    booked = Application.objects.booked()
    assert set(booked.values_list("applicant__email", flat=True)) == {
        "gaffer@example.com",
        "daizhu@example.com",
    }
    gaffer_role.refresh_from_db()
    assistant_role.refresh_from_db()
    assert (gaffer_role.booked_count, assistant_role.booked_count) == (1, 1)
    page.goto(f"{base}/me/applications/")
    expect(page.locator(".booked-section")).to_contain_text("灯光师 Gaffer")
