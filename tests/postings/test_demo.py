import io

import pytest
from django.core.management import call_command

from accounts.models import Studio
from accounts.validators import validate_credit_code
from postings.models import Report, Role, Shoot

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent_and_realistic():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    counts = (Studio.objects.count(), Shoot.objects.count(), Role.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Studio.objects.count(), Shoot.objects.count(), Role.objects.count()) == counts
    assert counts[0] >= 8 and counts[1] >= 25
    for studio in Studio.objects.all():
        validate_credit_code(studio.credit_code)
    statuses = set(Shoot.objects.values_list("status", flat=True))
    assert {"published", "pending", "draft"} <= statuses
    assert Shoot.objects.filter(status="pending").exclude(flags=[]).exists()
    assert len(set(Role.objects.listed().values_list("department", flat=True))) >= 8
    assert len(set(Role.objects.listed().values_list("city", flat=True))) >= 4
    text = out.getvalue()
    assert "moderator@callsheet.example" in text and "grad@callsheet.example" in text


def test_load_demo_shows_every_application_status_and_a_pending_report():
    from applications.models import Application
    from postings.models import Report

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    counts = (Application.objects.count(), Report.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Application.objects.count(), Report.objects.count()) == counts
    # Every status a person reaches by acting; "ended" comes only with a shoot's ending.
    assert set(Application.objects.values_list("status", flat=True)) == set(
        Application.Status.values
    ) - {Application.Status.ENDED}
    assert Report.objects.open().exists()
    assert {"verified", "unverified"} <= set(
        Studio.objects.values_list("verification_status", flat=True)
    )
    text = out.getvalue()
    for persona in ("Graduate", "Studio owner", "Studio recruiter", "Moderator"):
        assert persona in text


def test_load_demo_shows_after_the_wrap():
    """A studio with a good record, one with a poor record and open disputes, a graduate
    with a confirmed credit and a payment question waiting, and a pay median to show."""
    from applications.models import Wrap
    from postings.models import City

    call_command("load_demo", stdout=io.StringIO())
    wraps = Wrap.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert Wrap.objects.count() == wraps >= 17
    good, poor = Studio.objects.get(slug="xinghe"), Studio.objects.get(slug="zhoutu")
    assert good.record_shown and good.pays_on_time
    assert poor.record_shown and not poor.pays_on_time and poor.record_disputes >= 1
    grad = Wrap.objects.filter(crew__email="grad@callsheet.example")
    assert grad.credits().exists() and any(w.waits_for_crew for w in grad)
    role = Role.objects.listed().filter(city=City.objects.get(slug="hengdian"))
    assert role.filter(department="lighting").first().pay_median() is not None
    assert Role.objects.listed().filter(studio_pays_on_time=True).exists()


def test_load_demo_has_crew_to_find_and_an_open_invitation():
    from accounts.models import CrewProfile
    from applications.models import RoleInvitation

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    xinghe = Studio.objects.get(slug="xinghe")
    assert CrewProfile.objects.findable_by(xinghe).count() >= 10
    invitation = RoleInvitation.objects.get()
    assert invitation.crew.email == "grad@callsheet.example" and invitation.studio == xinghe


def test_load_demo_has_a_team_with_a_pending_application():
    from applications.models import Application, CrewTeam, TeamApplication

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=io.StringIO())
    team = CrewTeam.objects.get()
    assert team.head.email == "gaffer@callsheet.example" and len(team.people()) == 4
    sent = TeamApplication.objects.get(stage=TeamApplication.Stage.SENT)
    assert sent.shoot.studio.slug == "xinghe"
    statuses = set(
        Application.objects.filter(team_place__team_application=sent).values_list(
            "status", flat=True
        )
    )
    assert statuses == {Application.Status.SUBMITTED} and sent.places.count() >= 2
    waiting = TeamApplication.objects.get(stage=TeamApplication.Stage.CONFIRMING)
    assert waiting.places.get(confirmed_at__isnull=True).member.email == "grad@callsheet.example"
    assert "gaffer@callsheet.example" in out.getvalue()


def test_load_demo_has_conversations_one_with_a_flagged_deposit_request():
    from applications.models import Message
    from applications.threads import thread_is_open

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    flagged = Message.objects.get(warns=True)
    assert flagged.from_studio and flagged.application.role.shoot.studio.slug == "zhoutu"
    assert Report.objects.filter(reporter=None, details__contains="押金").exists()
    threads = {m.application for m in Message.objects.select_related("application__role")}
    assert {a.status for a in threads} >= {"submitted", "booked", "rejected"}
    assert not thread_is_open(next(a for a in threads if a.status == "rejected"))
