"""A studio's pipeline of applicants, read and shown fast.

Studios come back to a busy shoot's pipeline after every action, page by page. Building and
compiling its queries cost the ORM more than PostgreSQL takes to run them, and rendering an
applicant costs more than reading it, so:

- the queries are the ORM's (``Shoot.objects.managed_by``, ``ApplicationQuerySet.for_pipeline``
  and the plain ones below), compiled once per process and prepared on each connection
  (``jobboard.sql.CompiledQuery``): every request reads current rows;
- the shoot's applications are read once as (id, role, status), oldest first: the page's ids,
  the count of each status and role and the pager come from them, and only the page's
  applicants are read whole (``for_pipeline``, one query);
- each applicant's HTML, and the page's body, are kept in the ``fragments`` cache under a
  digest of the rows they are made from (everything they show, read on every request), the
  language and the day (dates show the year when it is not this year). A change of anything
  they show is a new key; nothing needs to invalidate them. Their forms carry a marker where
  each request's CSRF token and address go (docs/caches.md).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import NamedTuple

from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Studio, User
from applications.models import Application, Message, RoleInvitation, Wrap
from jobboard.fragments import CACHE_SECONDS, FORM_FIELDS, digest, html_version
from jobboard.sql import BIGINT_MAX, CompiledQuery, RawCount, loaded
from postings.choices import Department, ExperienceLevel
from postings.models import City, Role, Shoot

PAGE_SIZE = 20

SHOOT_FIELDS = ["id", "studio_id", "city_id", "title", "start_date", "end_date"]
STUDIO_FIELDS = ["name", "slug", "verification_status"]
CITY_FIELDS = ["name_zh", "name_en", "slug"]
ROLE_FIELDS = ["id", "shoot_id", "department", "title", "openings", "booked_count"]


def _shoot_values(shoots):
    from applications.teams import TeamApplication

    # Whether teams sent it applications (their section is read only then).
    sent_teams = TeamApplication.objects.filter(
        shoot=OuterRef("pk"), stage=TeamApplication.Stage.SENT
    )
    return shoots.annotate(sent_teams=Exists(sent_teams)).values(
        "sent_teams",
        *SHOOT_FIELDS,
        *(f"studio__{name}" for name in STUDIO_FIELDS),
        *(f"city__{name}" for name in CITY_FIELDS),
    )


_SHOOT = CompiledQuery(
    # Whose pipeline a studio member sees: the rule of Shoot.objects.managed_by.
    lambda pk, user_id: _shoot_values(Shoot.objects.managed_by(User(pk=user_id)).filter(pk=pk)),
    int,
    int,
    prepare=True,
)
_ROLES = CompiledQuery(
    lambda shoot_id: (
        Role.objects.filter(shoot_id=shoot_id)
        .annotate(invited=Exists(RoleInvitation.objects.filter(role=OuterRef("pk"))))
        .order_by("pk")
        .values(*ROLE_FIELDS, "invited")
    ),
    int,
    prepare=True,
)
_APPLICATIONS = CompiledQuery(
    lambda shoot_id: (
        Application.objects.filter(role__shoot_id=shoot_id)
        .order_by("created_at", "pk")
        .values_list("pk", "role_id", "status")
    ),
    int,
    named=False,
    prepare=True,
)
_ROWS = CompiledQuery(
    lambda ids: (
        Application.objects.filter(pk__any_of=ids).for_pipeline().order_by("created_at", "pk")
    ),
    list,
    prepare=True,
)


def managed_shoots(user):
    """Shoots whose pipeline ``user`` may see: their studio's, or every one for moderators."""
    if user.has_staff_powers:
        return Shoot.objects.all()
    return Shoot.objects.managed_by(user)


def managed_shoot(pk: int, user) -> tuple[Shoot, dict]:
    """Shoot ``pk`` with its studio and city if ``user`` may see its pipeline (a member of its
    studio, or a moderator), and the row it was made from; Http404 otherwise."""
    if pk > BIGINT_MAX:
        raise Http404
    if user.has_staff_powers:
        rows = list(_shoot_values(managed_shoots(user).filter(pk=pk)))
    else:  # managed_shoots(user), compiled
        rows = _SHOOT(pk, user.pk)
    if not rows:
        raise Http404
    row = rows[0]
    shoot = loaded(Shoot, **{name: row[name] for name in SHOOT_FIELDS})
    shoot.studio = loaded(
        Studio, id=row["studio_id"], **{name: row[f"studio__{name}"] for name in STUDIO_FIELDS}
    )
    shoot.city = loaded(City, id=row["city_id"], **{n: row[f"city__{n}"] for n in CITY_FIELDS})
    return shoot, row


class Pipeline(NamedTuple):
    shoot: Shoot
    body: SafeString  # the page's content
    sent_teams: bool  # teams sent it applications (``applications.teams``)


def pipeline(request, pk: int, *, status: str, role: str, page_number: str | None) -> Pipeline:
    """Shoot ``pk``'s pipeline as ``request.user`` may see it (Http404 otherwise): its
    applicants of one status and one role when given (``status`` a status or "", ``role`` a
    role's id as in the query string, or ""), ``PAGE_SIZE`` at a time, grouped by role, with
    the fill board, the filters and the invitations to apply."""
    shoot, shoot_row = managed_shoot(pk, request.user)
    role_rows = _ROLES(shoot.pk)
    if status not in Application.Status.values:
        status = ""
    if role not in {str(row["id"]) for row in role_rows}:
        role = ""
    applications = _APPLICATIONS(shoot.pk)
    wanted = [
        pk
        for pk, role_id, each_status in applications
        if (not status or each_status == status) and (not role or str(role_id) == role)
    ]
    page = Paginator(wanted, PAGE_SIZE).get_page(page_number)
    rows = _ROWS(list(page.object_list)) if page.object_list else []
    invitation_rows = []
    if any(row["invited"] for row in role_rows):
        invitation_rows = list(
            RoleInvitation.objects.filter(role__shoot=shoot.pk)
            .with_application()
            .order_by("-created_at", "pk")
            .values(
                "crew__name",
                "crew__email",
                "role__title",
                "created_at",
                "application_id",
                "status",
                "decline_reason",
            )
        )
    # Everything the body shows is read above: its digest is the key.
    inputs = (shoot_row, role_rows, applications, status, role, page.number, rows, invitation_rows)
    key = f"pipeline-body:{html_version()}:{digest(inputs)}"
    cache = caches["fragments"]
    body = cache.get(key)
    if body is None:
        body = _render_body(
            shoot, role_rows, applications, page, rows, invitation_rows, status=status, role=role
        )
        cache.set(key, body, CACHE_SECONDS)
    fields = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}">',
        get_token(request),
        request.get_full_path(),
    )
    # The template escaped every value it shows, so the marker is only ever ours.
    body = mark_safe(body.replace(FORM_FIELDS, fields))  # noqa: S308
    return Pipeline(shoot, body, shoot_row["sent_teams"])


_UNREAD = CompiledQuery(
    # The rule of ``Message.objects.not_read_by``, for one shoot's applicants' messages.
    lambda shoot_id, user_id: (
        Message.objects.filter(application__role__shoot=shoot_id, from_studio=False)
        .not_read_by(user_id)
        .values("application", "application__applicant__name", "application__applicant__email")
        .annotate(n=RawCount("pk", distinct=True))
        .order_by("application")
    ),
    int,
    int,
    prepare=True,
)


def unread_conversations(shoot_pk: int, user) -> list[dict]:
    """The conversations of shoot ``shoot_pk``'s applicants with messages ``user`` (a member of
    its studio) has not read: application, name, how many."""
    return [
        {
            "application": row["application"],
            "name": User.display_name_of(
                row["application__applicant__name"], row["application__applicant__email"]
            ),
            "n": row["n"],
        }
        for row in _UNREAD(shoot_pk, user.pk)
    ]


def _render_body(shoot, role_rows, applications, page, rows, invitation_rows, *, status, role):
    roles = [loaded(Role, **row) for row in role_rows]
    by_role = {each.pk: [] for each in roles}
    for row, html in zip(rows, render_applicants(rows), strict=True):
        by_role[row["role_id"]].append(html)
    for each in roles:
        each.pipeline = by_role[each.pk]
    shown_roles = [r for r in roles if not role or str(r.pk) == role]
    if page.paginator.num_pages > 1:
        shown_roles = [r for r in shown_roles if r.pipeline]
    counts = Counter(each_status for _, _, each_status in applications)
    filters = (f"&status={status}" if status else "") + (f"&role={role}" if role else "")
    return render_to_string(
        "applications/pipeline.html#body",
        {
            "shoot": shoot,
            "roles": roles,
            "shown_roles": shown_roles,
            "page": page,
            "status": status,
            "role_filter": role,
            "filters": filters,
            "status_filters": [
                (value, label, counts[value]) for value, label in Application.Status.choices
            ],
            "total": len(applications),
            "rejectable": any(Application(status=row["status"]).can_reject for row in rows),
            "invitations": [
                {
                    "crew": User.display_name_of(row["crew__name"], row["crew__email"]),
                    "role": row["role__title"],
                    "created_at": row["created_at"],
                    "application_id": row["application_id"],
                    "status": row["status"],
                    "decline_reason": row["decline_reason"],
                }
                for row in invitation_rows
            ],
            "form_fields": mark_safe(FORM_FIELDS),  # noqa: S308 - a constant
            "my_shoots_url": reverse("postings:my_shoots"),
            # Crew free on the shoot's dates who work in its city, for a verified studio.
            "find_crew_url": reverse("accounts:crew_search")
            + "?"
            + urlencode(
                {
                    "studio": shoot.studio.slug,
                    "city": shoot.city.slug,
                    "start": shoot.start_date.isoformat(),
                    "end": shoot.end_date.isoformat(),
                }
            )
            if shoot.studio.is_verified
            else "",
        },
    )


def render_applicants(rows: list[dict]) -> list[str]:
    """Each row's HTML (``pipeline.html#applicant``), from the cache when that row was shown
    before in this language on this day."""
    cache = caches["fragments"]
    version = html_version()
    keys = [f"pipeline-applicant:{version}:{digest(row)}" for row in rows]
    found = cache.get_many(keys)
    fresh = {
        key: render_to_string(
            "applications/pipeline.html#applicant",
            {"application": Applicant(row), "form_fields": mark_safe(FORM_FIELDS)},  # noqa: S308
        )
        for key, row in zip(keys, rows, strict=True)
        if key not in found
    }
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return [mark_safe(found.get(key) or fresh[key]) for key in keys]  # noqa: S308 - rendered


class Applicant:
    """One row of the pipeline as shown, made from the row ``for_pipeline`` returned and from
    nothing else (its HTML is cached under that row's digest)."""

    def __init__(self, row: dict):
        status = Application(status=row["status"])
        self.pk = row["id"]
        self.status = row["status"]
        self.status_label = status.get_status_display()
        self.status_tone = status.status_tone
        self.can_shortlist = status.can_shortlist
        self.can_offer = status.can_offer
        self.can_reject = status.can_reject
        self.booked = row["status"] == Application.Status.BOOKED
        self.booked_elsewhere = row["booked_elsewhere"]
        self.has_days_off = row["has_days_off"]
        self.name = User.display_name_of(row["applicant__name"], row["applicant__email"])
        self.email = row["applicant__email"]
        self.phone = row["applicant__phone"]
        self.wechat_id = row["applicant__crew_profile__wechat_id"]
        # Sent with a team: the studio decides for the whole team (its section above).
        self.team = row["team"]
        if self.team:
            self.can_shortlist = self.can_offer = self.can_reject = False
        self.note = row["note"]
        self.cv = bool(row["cv"])
        self.cv_name = row["cv_name"]
        self.created_at = row["created_at"]
        self.has_profile = row["applicant__crew_profile__id"] is not None
        self.headline = row["applicant__crew_profile__headline"]
        self.departments = [
            Department(value).label
            for value in row["applicant__crew_profile__departments"] or []
            if value in Department.values
        ]
        level = row["applicant__crew_profile__experience_level"]
        self.experience = ExperienceLevel(level).label if level in ExperienceLevel.values else ""
        self.school = row["applicant__crew_profile__school"]
        self.graduation_year = row["applicant__crew_profile__graduation_year"]
        self.credits = json.loads(row["credits"] or "[]")
        record = [
            {**r, "start": date.fromisoformat(r["start"]), "end": date.fromisoformat(r["end"])}
            for r in json.loads(row["record"] or "[]")
        ]
        worked = [r for r in record if r["worked"] in Wrap.CREDITS]
        self.completed = len(worked)
        self.confirmed_credits = [r for r in worked if not r["credit_hidden"]]
        self.no_shows = [r for r in record if r["worked"] == Wrap.Worked.NO_SHOW]
        labels = dict(Application.Status.choices)
        self.history = [
            {
                "at": datetime.fromisoformat(event["at"]),
                "status": labels.get(event["to"], event["to"]),
                "private": event["private"],
                "note": event["note"],
                "actor": User.display_name_of(event["actor_name"], event["actor_email"])
                if event["actor_email"] is not None
                else "",
            }
            for event in json.loads(row["history"] or "[]")
        ]
