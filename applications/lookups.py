"""What the apply page reads, found fast: the role to apply to and the applicant's profile.

Applications are sent often, and building these queries cost the ORM more than PostgreSQL
takes to run them (about 1.3 ms of 12 per application), so the submission's SQL is compiled
once per process and prepared on each connection (jobboard.sql). Apply pages are anyone's
view of a role (``Shoot.objects.visible_to(None)``): the compiled path serves only roles open
to applications (listed, their shoot public) and defers everything else to the plain query."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import CrewProfile, Studio
from applications.models import Application
from jobboard.sql import BIGINT_MAX, CompiledQuery, loaded
from postings.models import Role, Shoot


def _with_application(roles, user_id):
    """``roles`` with ``applied``: the id of ``user_id``'s application to each, or None."""
    return roles.annotate(
        applied=Subquery(
            Application.objects.filter(role=OuterRef("pk"), applicant_id=user_id).values("pk")[:1]
        )
    )


# What a submission needs of the role: its dates, whether it is open, and the studio's name.
ROLE_FIELDS = ["id", "shoot_id", "listed", "apply_by", "start_date", "end_date"]
_ROLE_TO_SUBMIT = CompiledQuery(
    lambda pk, user_id: _with_application(
        # Listed, and (asked of the shoot itself, not only of the copy) public.
        Role.objects.filter(pk=pk, listed=True, shoot__in=Shoot.objects.public()),
        user_id,
    ).values(*ROLE_FIELDS, "applied", "shoot__studio_id", "shoot__studio__name"),
    int,
    int,
    prepare=True,
)

PROFILE_FIELDS = [field.attname for field in CrewProfile._meta.concrete_fields]
_PROFILE_OF = CompiledQuery(
    lambda user_id: CrewProfile.objects.filter(user_id=user_id).values(*PROFILE_FIELDS),
    int,
    prepare=True,
)


def role_to_apply(pk: int, user, *, slim: bool) -> Role:
    """Role ``pk`` if anyone may see its page (``Shoot.objects.visible_to(None)``: public,
    closed or expired, not hidden, its studio not suspended), with ``applied`` set to the id
    of ``user``'s application to it (or None), in one query; Http404 otherwise. ``slim`` loads
    only what a submission needs, for a role listed as open (any other is loaded whole, as
    for the page)."""
    if pk > BIGINT_MAX:
        raise Http404
    if slim:
        rows = _ROLE_TO_SUBMIT(pk, user.pk)
        if rows and rows[0]["apply_by"] >= timezone.localdate():
            row = rows[0]
            studio = loaded(Studio, id=row["shoot__studio_id"], name=row["shoot__studio__name"])
            shoot = loaded(Shoot, id=row["shoot_id"], studio_id=studio.pk)
            shoot.studio = studio
            role = loaded(Role, **{name: row[name] for name in ROLE_FIELDS})
            role.shoot = shoot
            role.applied = row["applied"]
            return role
    roles = (
        # Anyone's view (``visible_to(None)``): a studio previews its own roles' pages, but
        # nobody applies to a role that is not public.
        Role.objects.filter(pk=pk, shoot__in=Shoot.objects.visible_to(None))
        .select_related("shoot", "shoot__studio", "shoot__city")
        .defer("search_document", "search_ascii")
    )
    return get_object_or_404(_with_application(roles, user.pk))


def profile_of(user) -> CrewProfile | None:
    """``user``'s crew profile, or None."""
    rows = _PROFILE_OF(user.pk)
    if not rows:
        return None
    profile = loaded(CrewProfile, **rows[0])
    profile.user = user
    return profile
