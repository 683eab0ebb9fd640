"""manage.py seed_scale: realistic data at scale for the benchmarks, repeatable with a seed."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Credit, CrewProfile, Studio, Unavailability, User
from applications.models import Application, Wrap
from jobboard.management.commands.seed_scale import bench_crew
from postings.choices import Department
from postings.models import Role

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


def seed(roles: int, seed: int = 7) -> list[tuple]:
    call_command("seed_scale", roles=roles, seed=seed, stdout=StringIO())
    return list(
        Role.objects.order_by("pk").values_list(
            "title", "department", "pay_unit", "pay_min", "openings", "shoot__city__slug"
        )
    )


def test_seeds_realistic_roles_studios_crew_and_applications():
    seed(400)
    assert Role.objects.count() == 400
    assert Studio.objects.exists()
    # Every department, several cities, and both languages in the text.
    assert set(Role.objects.values_list("department", flat=True)) == set(Department.values)
    assert Role.objects.values("shoot__city").distinct().count() >= 5
    role = Role.objects.order_by("pk").first()
    assert CJK.search(role.description) and LATIN_WORD.search(role.description)
    # About five applications a role, crew with calendars, and applicants who applied nowhere.
    per_role = Application.objects.count() / 400
    assert 3 <= per_role <= 7
    assert Unavailability.objects.exists()
    fresh = User.objects.filter(email__startswith="fresh")
    assert fresh.count() >= 2000
    assert not fresh.filter(applications__isnull=False).exists()
    assert not Role.objects.annotate(n=Count("applications")).filter(n__gt=400).exists()


def test_the_same_seed_gives_the_same_data():
    runs = []
    for _ in range(2):
        with transaction.atomic():
            runs.append(seed(150, seed=11))
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    with transaction.atomic():
        other = seed(150, seed=12)
        transaction.set_rollback(True)
    assert other != runs[0]


def test_if_fewer_leaves_a_seeded_database_alone():
    seed(120)
    out = StringIO()
    call_command("seed_scale", roles=100, if_fewer=True, stdout=out)
    assert "nothing to do" in out.getvalue()
    assert Role.objects.count() == 120


def crew_as_seeded() -> list[tuple]:
    return list(
        bench_crew()
        .order_by("pk")
        .values_list("pk", "departments", "headline", "expected_day_rate", "visibility")
    )


def test_seeds_crew_that_crew_search_reads():
    seed(400)
    crew = bench_crew()
    # One crew member per 5 roles, every one of them asked whether studios may find them.
    assert crew.count() == 80
    assert not crew.filter(findable_asked_at__isnull=True).exists()
    findable = crew.filter(visibility=CrewProfile.Visibility.VERIFIED_STUDIOS).count()
    assert 0.4 * 80 <= findable <= 0.8 * 80
    studio = Studio.objects.filter(verification_status=Studio.Verification.VERIFIED).first()
    assert CrewProfile.objects.findable_by(studio).count() == findable
    assert crew.filter(departments__len=2).exists()
    assert crew.filter(work_cities__isnull=False).exists()
    assert crew.filter(expected_day_rate__isnull=False).exists()
    assert Credit.objects.filter(profile__in=crew).exists()
    assert Unavailability.objects.filter(profile__in=crew).exists()
    # Bookings as accepting an offer leaves them: the role's copy of its count, an opening
    # left (no role stopped being listed), dates; a wrap for each shoot that is over.
    booked = Application.objects.booked()
    assert booked.exists()
    assert not booked.filter(booked_dates__isnull=True).exists()
    counts = dict(booked.values_list("role").annotate(n=Count("pk")).values_list("role", "n"))
    assert dict(Role.objects.filter(booked_count__gt=0).values_list("pk", "booked_count")) == (
        counts
    )
    assert not Role.objects.filter(booked_count__gte=models.F("openings")).exists()
    assert set(Wrap.objects.values_list("application", flat=True)) == set(
        booked.filter(role__end_date__lt=timezone.localdate()).values_list("pk", flat=True)
    )


def undo_crew_search_seeding():
    """The crew as seed_scale left them before crew search: no answer, cities, credits,
    expected rate, second department or bookings."""
    Wrap.objects.all().delete()
    for application in Application.objects.booked():
        application.events.exclude(to_status=Application.Status.SUBMITTED).delete()
    Application.objects.booked().update(
        status=Application.Status.SUBMITTED, booked_dates=None, offered_at=None
    )
    Role.objects.update(booked_count=0)
    Credit.objects.all().delete()
    CrewProfile.work_cities.through.objects.all().delete()
    for profile in bench_crew():
        profile.departments = profile.departments[:1]
        profile.headline = "灯光助理 · Lighting assistant"
        profile.expected_day_rate = None
        profile.visibility = CrewProfile.Visibility.APPLIED_ONLY
        profile.findable_asked_at = None
        profile.save()


def test_if_fewer_gives_crew_seeded_before_crew_search_what_it_reads():
    seed(150)
    fresh = crew_as_seeded()
    bookings = set(Application.objects.booked().values_list("pk", flat=True))
    undo_crew_search_seeding()
    out = StringIO()
    call_command("seed_scale", roles=150, seed=7, if_fewer=True, stdout=out)
    assert "nothing to do" not in out.getvalue()
    assert Role.objects.count() == 150
    # The same crew as a database seeded with them from the start.
    assert crew_as_seeded() == fresh
    assert set(Application.objects.booked().values_list("pk", flat=True)) == bookings


def test_if_fewer_adds_crew_to_a_database_with_roles_and_no_crew():
    seed(150)
    User.objects.filter(crew_profile__in=bench_crew()).delete()
    call_command("seed_scale", roles=150, seed=7, if_fewer=True, stdout=StringIO())
    assert Role.objects.count() == 150
    assert bench_crew().filter(findable_asked_at__isnull=False).count() == 50
    assert Unavailability.objects.filter(profile__in=bench_crew()).exists()
