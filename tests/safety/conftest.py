"""One world of objects that the safety tests request pages about, and signed-in clients for
every persona."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

PERSONAS = (
    "anonymous",
    "graduate",
    "other_graduate",
    "recruiter",
    "other_recruiter",
    "owner",
    "moderator",  # staff, second factor passed in this session
    "staff_no_2fa",  # staff who never set up a second factor: an ordinary user until they do
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas are made many times here: a fast hasher keeps the matrix quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(graduate, other_graduate, recruiter, other_recruiter, owner, moderator, studio_a):
    """A published shoot of studio A with roles, a draft, a rejected shoot, applications by
    ``graduate`` in several states, a date the graduate is unavailable, studio A's team and a
    pending invitation; every object has a key the access matrix names."""
    from accounts.models import StudioInvitation, StudioMembership, Unavailability
    from applications.models import Application
    from postings.models import Report
    from tests.applications.conftest import submit
    from tests.factories import RoleFactory, ShootFactory, published_role

    role = published_role(shoot__studio=studio_a, openings=2)
    shoot = role.shoot
    second = RoleFactory(shoot=shoot, title="摄影助理", department="camera")
    third = RoleFactory(shoot=shoot, title="场记", department="continuity")
    shoot.sync_roles()
    submitted = submit(role, graduate, note="有两年灯光经验。")
    offered = submit(second, graduate)
    offered.shortlist(by=recruiter)
    offered.offer(by=recruiter)
    rejected = submit(third, graduate)
    rejected.reject(by=recruiter, message="档期不合适")
    draft = ShootFactory(studio=studio_a, title="草稿剧组")
    draft_role = RoleFactory(shoot=draft)
    rejected_shoot = ShootFactory(studio=studio_a, title="被退回的剧组")
    RoleFactory(shoot=rejected_shoot)
    rejected_shoot.status = rejected_shoot.Status.PENDING
    rejected_shoot.save(update_fields=["status"])
    rejected_shoot.reject(by=moderator, reason="请补充薪酬说明")
    report = Report.file(
        shoot=shoot, reporter=other_graduate, reason=Report.Reason.values[0], details="可疑"
    )
    away = Unavailability.objects.create(
        profile=graduate.crew_profile,
        start_date=timezone.localdate() + timedelta(days=60),
        end_date=timezone.localdate() + timedelta(days=62),
        note="另一个剧组",
    )
    invitation = StudioInvitation.objects.create(
        studio=studio_a, email=other_graduate.email, invited_by=owner
    )
    objects = {
        "studio_a": studio_a,
        "role": role,
        "shoot": shoot,
        "draft": draft,
        "draft_role": draft_role,
        "rejected_shoot": rejected_shoot,
        "app_submitted": submitted,
        "app_offered": offered,
        "app_rejected": rejected,
        "availability": away,
        "recruiter_membership": StudioMembership.objects.get(user=recruiter, studio=studio_a),
        "invitation": invitation,
        "report": report,
        "graduate": graduate,
        "moderator": moderator,
    }
    try:  # saved-search alerts, when the postings app has them
        from postings.models import SavedSearch
    except ImportError:
        pass
    else:
        objects["alert"] = SavedSearch.objects.create(
            user=graduate, name="灯光岗位", query="q=灯光"
        )
    # After the wrap: the graduate's booking on a shoot of studio A, wrapped and asked about
    # (made as ``Wrap.ask_wrapped`` makes it; the clock is not moved for the whole matrix).
    from applications.models import Wrap

    objects["wrap"] = Wrap.objects.create(
        application=submitted, role=role, shoot=shoot, studio=studio_a, crew=graduate
    )
    # Crew search: an invitation to apply that other_graduate received, a studio the
    # graduate blocked.
    from accounts.models import StudioBlock
    from applications.models import RoleInvitation

    objects["role_invitation"] = RoleInvitation.objects.create(
        role=role, crew=other_graduate, studio=studio_a, invited_by=owner
    )
    objects["block"] = StudioBlock.objects.create(profile=graduate.crew_profile, studio=studio_a)
    assert Application.objects.count() == 3
    # Teams: the graduate heads one other_graduate joined, and is invited to other_graduate's;
    # the graduate's team applied to the shoot (sent: two applications more), and a second
    # application of it is still being confirmed on another shoot.
    from applications.models import CrewTeam, TeamApplication, TeamMember, TeamPlace

    team = CrewTeam.objects.create(head=graduate, name="李小灯灯光组")
    joined = TeamMember.objects.create(team=team, email=other_graduate.email)
    joined.accept(other_graduate)
    their_team = CrewTeam.objects.create(head=other_graduate, name="王二助组")
    objects["team_invite"] = TeamMember.objects.create(team=their_team, email=graduate.email)
    lead = RoleFactory(shoot=shoot, title="灯光师")
    best_boy = RoleFactory(shoot=shoot, title="灯光大助")
    shoot.sync_roles()
    sent = TeamApplication.objects.create(team=team, shoot=shoot, stage="sent")
    for person, place_role in ((graduate, lead), (other_graduate, best_boy)):
        TeamPlace.objects.create(
            team_application=sent,
            member=person,
            role=place_role,
            confirmed_at=timezone.now(),
            application=submit(place_role, person),
        )
    later = published_role(shoot__studio=studio_a, title="灯光助理")
    confirming = TeamApplication.objects.create(team=team, shoot=later.shoot)
    TeamPlace.objects.create(team_application=confirming, member=graduate, role=later)
    TeamPlace.objects.create(team_application=confirming, member=other_graduate, role=later)
    objects.update(team=team, team_member=joined, team_sent=sent, team_confirming=confirming)
    # A conversation on the graduate's submitted application: the studio asks for a deposit
    # (flagged), the graduate answers with a PDF.
    from django.core.files.base import ContentFile

    from applications.models import Message
    from tests.applications.conftest import make_pdf

    objects["message"] = Message.send(
        application=submitted, by=recruiter, body="入组前请先交押金500元"
    )
    objects["message_file"] = Message.send(
        application=submitted,
        by=graduate,
        body="作品集见附件",
        attachment=ContentFile(make_pdf(), name="portfolio.pdf"),
        attachment_name="portfolio.pdf",
        attachment_type="application/pdf",
    )
    return objects


@pytest.fixture
def personas(graduate, other_graduate, recruiter, other_recruiter, owner, moderator):
    """Persona name → user (None for anonymous)."""
    from tests.factories import UserFactory

    staff_no_2fa = UserFactory(
        email="new-staff@callsheet.example", name="新审核员", is_staff=True, is_superuser=True
    )
    return {
        "anonymous": None,
        "graduate": graduate,
        "other_graduate": other_graduate,
        "recruiter": recruiter,
        "other_recruiter": other_recruiter,
        "owner": owner,
        "moderator": moderator,
        "staff_no_2fa": staff_no_2fa,
    }


def client_for(user, *, second_factor: bool = False, **kwargs) -> Client:
    """A client signed in as ``user`` (none for anonymous); ``second_factor``: its session
    passed the second factor."""
    from tests.conftest import pass_second_factor

    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
        if second_factor:
            pass_second_factor(client, user)
    return client
