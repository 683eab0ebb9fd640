"""manage.py seed_scale: realistic data at scale for the benchmarks, repeatable with a seed."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from accounts.models import Studio, Unavailability, User
from applications.models import Application
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
