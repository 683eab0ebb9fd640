"""Factories for realistic test data. ``ShootFactory`` makes a draft; ``published_role()``
makes a role that crew can find and apply to."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import CrewProfile, Studio, StudioMembership, User
from accounts.validators import credit_code_check_character
from postings.choices import Department, PayUnit
from postings.models import City, Role, Shoot


def credit_code(n: int) -> str:
    first17 = f"91330783MA{n:07d}"
    return first17 + credit_code_check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-correct-horse-9")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


def city(slug: str = "hengdian") -> City:
    return City.objects.get(slug=slug)


class CrewProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrewProfile

    user = factory.SubFactory(UserFactory)
    headline = "灯光助理 · Lighting assistant"
    departments = factory.LazyFunction(lambda: [Department.LIGHTING])
    home_city = factory.LazyFunction(city)


class StudioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Studio

    name = factory.Sequence(lambda n: f"星河短剧{n}号工作室")
    slug = factory.Sequence(lambda n: f"studio-{n}")
    city = factory.LazyFunction(city)
    credit_code = factory.Sequence(credit_code)
    verification_status = Studio.Verification.VERIFIED


def member(user: User, studio: Studio, role=StudioMembership.Role.RECRUITER) -> StudioMembership:
    return StudioMembership.objects.create(user=user, studio=studio, role=role)


class ShootFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shoot

    studio = factory.SubFactory(StudioFactory)
    title = factory.Sequence(lambda n: f"霸总的替身新娘 第{n}季")
    synopsis = "现代都市甜宠短剧，80集，竖屏。"
    city = factory.LazyFunction(city)
    base = "横店影视城"
    address = "浙江省东阳市横店镇万盛街 88 号"
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=6))


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    shoot = factory.SubFactory(ShootFactory)
    department = Department.LIGHTING
    title = "灯光助理"
    openings = 2
    pay_unit = PayUnit.DAY
    pay_min = 400
    apply_by = factory.LazyAttribute(lambda o: o.shoot.start_date - timedelta(days=3))


def published_role(**kwargs) -> Role:
    """A role on a published shoot of a verified studio."""
    role = RoleFactory(**kwargs)
    role.shoot.submit()
    role.refresh_from_db()
    return role
