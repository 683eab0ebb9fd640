"""Races between real threads, each with its own database connection: the row locks and the
constraints hold, and nobody sees a 500."""

import os
import threading

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from applications import views
from applications.models import Application
from tests.applications.conftest import make_pdf, submit
from tests.factories import CrewProfileFactory, member, published_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("hub_city"),
]


def race(*calls):
    """Run the calls at the same moment, one thread each; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data=None):
    return lambda: client.post(url, data or {}).status_code


@pytest.fixture
def studio_recruiter(studio_a):
    from tests.factories import UserFactory

    user = UserFactory(name="并发统筹")
    member(user, studio_a)
    return user


def test_two_accepts_for_the_last_opening_book_only_one(studio_a, studio_recruiter):
    role = published_role(shoot__studio=studio_a, openings=1)
    people = [CrewProfileFactory().user for _ in range(2)]
    applications = [submit(role, person) for person in people]
    for application in applications:
        application.offer(by=studio_recruiter)
    results = race(
        *(
            post(signed_in(p), reverse("applications:accept", kwargs={"pk": a.pk}))
            for p, a in zip(people, applications, strict=True)
        )
    )
    assert results == [302, 302]
    role.refresh_from_db()
    assert Application.objects.booked().filter(role=role).count() == 1
    assert role.booked_count == 1 and role.is_filled and not role.listed


def test_many_accepts_never_overbook(studio_a, studio_recruiter):
    role = published_role(shoot__studio=studio_a, openings=2)
    people = [CrewProfileFactory().user for _ in range(6)]
    applications = [submit(role, person) for person in people]
    for application in applications:
        application.offer(by=studio_recruiter)
    results = race(
        *(lambda a=a, p=p: a.accept(by=p) for a, p in zip(applications, people, strict=True))
    )
    errors = [r for r in results if r is not None]
    assert all(type(e).__name__ == "InvalidTransition" for e in errors)
    role.refresh_from_db()
    assert Application.objects.booked().filter(role=role).count() == role.booked_count == 2


def test_one_person_is_never_booked_twice_on_overlapping_dates(
    studio_a, studio_b, studio_recruiter
):
    from tests.factories import UserFactory

    other_recruiter = UserFactory()
    member(other_recruiter, studio_b)
    first = published_role(shoot__studio=studio_a)
    second = published_role(shoot__studio=studio_b, shoot__start_date=first.start_date)
    person = CrewProfileFactory().user
    a, b = submit(first, person), submit(second, person)
    a.offer(by=studio_recruiter)
    b.offer(by=other_recruiter)
    client = signed_in(person)
    results = race(
        post(client, reverse("applications:accept", kwargs={"pk": a.pk})),
        post(client, reverse("applications:accept", kwargs={"pk": b.pk})),
    )
    assert results == [302, 302]
    assert Application.objects.booked().filter(applicant=person).count() == 1


def test_withdraw_against_accept(studio_a, studio_recruiter):
    role = published_role(shoot__studio=studio_a, openings=1)
    person = CrewProfileFactory().user
    application = submit(role, person)
    application.offer(by=studio_recruiter)
    client = signed_in(person)
    results = race(
        post(client, reverse("applications:withdraw", kwargs={"pk": application.pk})),
        post(client, reverse("applications:accept", kwargs={"pk": application.pk})),
    )
    assert results == [302, 302]
    application.refresh_from_db()
    role.refresh_from_db()
    assert application.status in {Application.Status.WITHDRAWN, Application.Status.BOOKED}
    assert role.booked_count == (1 if application.status == Application.Status.BOOKED else 0)
    assert application.events.count() == 3  # submitted, offered, and exactly one of the two


def test_release_against_another_accept(studio_a, studio_recruiter):
    """A recruiter releases a booking while another offer is accepted: never over the count."""
    role = published_role(shoot__studio=studio_a, openings=1)
    people = [CrewProfileFactory().user for _ in range(2)]
    booked, waiting = (submit(role, p) for p in people)
    booked.offer(by=studio_recruiter)
    booked.accept(by=people[0])
    waiting.offer(by=studio_recruiter)
    results = race(
        post(
            signed_in(studio_recruiter),
            reverse("applications:pipeline_action", kwargs={"pk": booked.pk, "action": "release"}),
        ),
        post(signed_in(people[1]), reverse("applications:accept", kwargs={"pk": waiting.pk})),
    )
    assert results == [302, 302]
    role.refresh_from_db()
    booked_now = Application.objects.booked().filter(role=role).count()
    assert booked_now == role.booked_count <= 1


def test_twenty_double_submits_make_exactly_one_application(studio_a, monkeypatch):
    monkeypatch.setattr(views, "APPLY_RATE", 1000)
    cache.clear()
    role = published_role(shoot__studio=studio_a)
    person = CrewProfileFactory().user
    url = reverse("applications:apply", kwargs={"pk": role.pk})
    clients = [signed_in(person) for _ in range(20)]

    def send(client):
        return lambda: (
            client.post(
                url,
                {
                    "note": "双击了提交",
                    "cv_choice": "upload",
                    "cv_file": SimpleUploadedFile("cv.pdf", make_pdf(), "application/pdf"),
                    "dates_confirmed": "on",
                    "consent": "on",
                },
            ).status_code
        )

    results = race(*(send(c) for c in clients))
    assert results == [302] * 20
    assert Application.objects.filter(role=role, applicant=person).count() == 1
    assert Application.objects.get().events.count() == 1


def test_refused_double_submits_leave_no_orphan_cv(studio_a, monkeypatch, _private_media):
    monkeypatch.setattr(views, "APPLY_RATE", 1000)
    cache.clear()
    role = published_role(shoot__studio=studio_a)
    person = CrewProfileFactory().user
    results = race(*(lambda: _submit_quietly(role, person) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    stored = list((_private_media / "applications").iterdir())
    assert [p.name for p in stored] == [Application.objects.get().cv.name.split("/")[-1]]


def _submit_quietly(role, person) -> bool:
    from jobboard.transitions import InvalidTransition

    try:
        submit(role, person)
    except InvalidTransition:
        return False
    return True


# 100 pairs against close and 100 against cancel: 200 races, about a minute.
PAIRS = int(os.environ.get("CONCURRENCY_PAIRS", "100"))


@pytest.mark.parametrize("ending", ["close", "cancel"])
def test_accept_against_close_or_cancel_never_deadlocks(studio_a, studio_recruiter, ending):
    """Accepting an offer while the studio closes or cancels the shoot: every transition
    takes its locks in one order (the shoot, its roles, the applications, the person), so
    each pair ends one way or the other, never in a deadlock or an error. A cancelled shoot
    keeps no booking; a closed one keeps the one accepted."""
    from django.db import OperationalError

    from jobboard.transitions import InvalidTransition
    from postings.models import Shoot

    person = CrewProfileFactory().user
    outcomes = {"booked": 0, "refused": 0}
    for n in range(PAIRS):
        role = published_role(shoot__studio=studio_a, openings=2, title=f"灯光助理 {n}")
        # A second application on another role of the shoot, so that the ending has more
        # than one row to lock.
        other = submit(role, CrewProfileFactory().user)
        application = submit(role, person)
        application.offer(by=studio_recruiter)
        shoot = Shoot.objects.get(pk=role.shoot_id)
        results = race(
            lambda application=application: application.accept(by=person),
            lambda shoot=shoot: getattr(shoot, ending)(by=studio_recruiter),
        )
        for result in results:
            assert not isinstance(result, OperationalError), (n, result)
            assert result is None or isinstance(result, InvalidTransition), (n, result)
        application.refresh_from_db()
        other.refresh_from_db()
        role.refresh_from_db()
        if ending == "cancel":
            assert application.status in {"released", "ended"}, application.status
            assert other.status == "ended" and role.booked_count == 0
        else:
            assert application.status == "booked" and role.booked_count == 1
        # Booked (then released) when the accept came first, refused when the cancel did.
        outcomes["refused" if isinstance(results[0], InvalidTransition) else "booked"] += 1
        # Each person may be booked on one of these shoots at a time (they overlap): start
        # the next pair free.
        Application.objects.filter(applicant=person, status="booked").update(
            status="released", booked_dates=None
        )
    assert sum(outcomes.values()) == PAIRS


def test_a_team_and_a_single_crew_member_racing_for_the_last_opening(studio_a, studio_recruiter):
    """A team's head accepts for three while one other person accepts an assistant opening
    the team needs: one of them gets it, the team is booked whole or not at all, and no role is
    overbooked."""
    from applications.models import CrewTeam, TeamApplication, TeamPlace
    from tests.factories import RoleFactory

    lead = published_role(shoot__studio=studio_a, title="灯光师", openings=1)
    assistants = RoleFactory(shoot=lead.shoot, title="灯光助理", openings=2)
    lead.shoot.sync_roles()
    head, best_boy, spark, outsider = (CrewProfileFactory().user for _ in range(4))
    team = CrewTeam.objects.create(head=head, name="并发灯光组")
    team_application = TeamApplication.objects.create(
        team=team, shoot=lead.shoot, stage=TeamApplication.Stage.SENT
    )
    for person, role in ((head, lead), (best_boy, assistants), (spark, assistants)):
        TeamPlace.objects.create(
            team_application=team_application,
            member=person,
            role=role,
            application=submit(role, person),
        )
    team_application.offer(by=studio_recruiter)
    # Two assistant openings: the team needs both, the other person one.
    single = submit(assistants, outsider)
    single.offer(by=studio_recruiter)
    accept_team = reverse(
        "applications:team_application_action", args=[team_application.pk, "accept"]
    )
    results = race(
        post(signed_in(head), accept_team),
        post(signed_in(outsider), reverse("applications:accept", kwargs={"pk": single.pk})),
    )
    assert results == [302, 302]
    assistants.refresh_from_db()
    lead.refresh_from_db()
    booked = set(Application.objects.booked().values_list("applicant_id", flat=True))
    team_booked = {head.pk, best_boy.pk, spark.pk} & booked
    assert team_booked in (set(), {head.pk, best_boy.pk, spark.pk})
    assert assistants.booked_count == Application.objects.booked().filter(role=assistants).count()
    assert assistants.booked_count <= assistants.openings
    assert lead.booked_count == (1 if team_booked else 0)
    # The team needed both remaining assistant openings: only one side could win.
    assert (outsider.pk in booked) != bool(team_booked)
