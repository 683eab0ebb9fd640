"""Crew search for verified studios, read and shown fast.

The search is ``CrewFilter`` over ``CrewProfile.objects.findable_by(studio)`` (the truth).
Building and compiling it cost the ORM more than PostgreSQL takes to run it, and rendering
twenty people, their invite forms and the filter form costs more than reading them, so:

- a search's SQL (one page of its results, with their count as a window over every match,
  so that one statement answers both) is a pure function of the studio, the search's
  canonical query and the page: each process keeps it in the ``searches`` cache, with the
  values written in, and runs it on every request (prepared from its second run: planned
  once per connection for those values);
- each person's card and the results are kept in the ``fragments`` cache under a digest of
  the rows they are made from, read on every request; the invite form's roles and the filter
  form under the content version (roles, shoots, city names) and the day, and, for the form,
  the search as typed and its count. A change is a new key; nothing needs to invalidate
  them. Forms carry markers where each request's CSRF token, address and roles go
  (docs/caches.md).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import NamedTuple

from django.contrib.postgres.aggregates import JSONBAgg
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery, TextField, Window
from django.db.models.functions import JSONObject
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from accounts.filters import CrewFilter
from accounts.models import CrewProfile, Studio, User
from jobboard.fragments import CACHE_SECONDS, FORM_FIELDS, digest
from jobboard.sql import CompiledQuery, loaded, prepared
from postings.choices import Department, ExperienceLevel
from postings.models import Role

PAGE_SIZE = 20
SQL_SECONDS = 600  # a search's SQL

# Where each request's own parts go in cached HTML (comments: never in a user's text, which
# the templates escape).
ADDRESS = "<!-- address -->"  # this page's address, for forms that come back to it
ROLE_OPTIONS = "<!-- role options -->"

CARD_COLUMNS = [
    "id",
    "user_id",
    "headline",
    "departments",
    "experience_level",
    "expected_day_rate",
    "user__name",
    "user__email",
    "home_city_id",
    "home_city__name_zh",
    "home_city__name_en",
    "confirmed_credits",
    "listed_credits",
]


def card_rows(filterset: CrewFilter):
    """What a card shows of each person the search finds, in its order, one dict each, with
    the names of their work cities (JSON text) and ``total``, the number of people found."""
    through = CrewProfile.work_cities.through
    work_cities = (
        through.objects.filter(crewprofile=OuterRef("pk"))
        .order_by()
        .values("crewprofile")
        .annotate(
            json=JSONBAgg(
                JSONObject(id=F("city_id"), zh=F("city__name_zh"), en=F("city__name_en")),
                order_by=["-city__is_hub", "city__slug"],
            )
        )
        .values("json")
    )
    return filterset.qs.values(
        *CARD_COLUMNS,
        work_city_names=Subquery(work_cities, output_field=TextField()),
        total=Window(Count("*")),
    )


class CrewListing(NamedTuple):
    form: SafeString
    results: SafeString
    count: int


def crew_listing(request, studio: Studio) -> CrewListing:
    """The crew search page's filter form and results for ``request``'s parameters, as a member
    of ``studio`` (a verified studio) finds them."""
    from jobboard.models import content_version

    version = content_version()  # read first: nothing cached under it is older
    data = request.GET or None

    def search() -> CrewFilter:
        # Built (a few milliseconds) only when its SQL must be compiled, or it be counted.
        return CrewFilter(data, queryset=findable(studio))

    query = CrewFilter.canonical_query(data)
    number = _page_number(request.GET.get("page"))
    rows = _fetch(studio, search, query, number) if number else []
    total = rows[0]["total"] if rows else 0
    if not rows and number != 1:
        # Past the last page, or below the first: the last, as Django's paginator gives it.
        total = search().qs.count()
        number = max(1, math.ceil(total / PAGE_SIZE))
        rows = _fetch(studio, search, query, number) if total else []
    paginator = Paginator([], PAGE_SIZE)
    paginator.count = total  # known from the page's own query
    page = Page(rows, number, paginator)
    dates = CrewFilter.dates_of(data)
    language = translation.get_language()
    day = timezone.localdate().isoformat()
    cache = caches["fragments"]
    # The invite form's roles, as the content version and the day leave them (roles, shoots
    # and studios are content; open roles close at midnight).
    options_key = f"crew-invite-roles:{language}:{version}:{day}:{studio.pk}"
    options = cache.get(options_key)
    if options is None:
        roles = _invite_roles(studio)
        options = render_to_string("accounts/crew_search.html#role_options", {"roles": roles})
        cache.set(options_key, options, CACHE_SECONDS)
    can_invite = bool(options)
    results_key = "crew-results:" + digest(
        (language, day, studio.pk, studio.slug, query, page.number, rows, dates, can_invite)
    )
    results = cache.get(results_key)
    if results is None:
        results = render_to_string(
            "accounts/crew_search.html#results",
            {
                "cards": render_cards(rows, studio, dates, can_invite),
                "page": page,
                "can_invite": can_invite,
                "query": urlencode([("studio", studio.slug)]) + (f"&{query}" if query else ""),
            },
        )
        cache.set(results_key, results, CACHE_SECONDS)
    form_key = "crew-form:" + digest((language, version, studio.slug, query, total))
    form = cache.get(form_key)
    if form is None:
        form = render_to_string(
            "accounts/crew_search.html#form",
            {"filter": CrewFilter(data), "studio": studio, "count": total},
        )
        cache.set(form_key, form, CACHE_SECONDS)
    fields = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    address = format_html("{}", request.get_full_path())
    # The templates escaped every value they show, so the markers are only ever ours.
    results = results.replace(ROLE_OPTIONS, options).replace(FORM_FIELDS, fields)
    return CrewListing(
        form=mark_safe(form),  # noqa: S308 - rendered by the template
        results=mark_safe(results.replace(ADDRESS, address)),  # noqa: S308 - as above
        count=total,
    )


_STUDIOS = CompiledQuery(
    # The verified studios ``user_id`` is a member of, first joined first.
    lambda user_id: (
        Studio.objects.managed_by(User(pk=user_id))
        .verified()
        .order_by("pk")
        .values("id", "name", "slug", "verification_status")
    ),
    int,
    prepare=True,
)


def finding_studio(user, slug: str = "") -> Studio | None:
    """The verified studio whose member searches (the one named by ``slug`` when they are in
    several); None when they are in none."""
    studios = _STUDIOS(user.pk)
    row = next((row for row in studios if slug and row["slug"] == slug), None)
    row = row or (studios[0] if studios else None)
    return loaded(Studio, **row) if row else None


def findable(studio: Studio):
    """Whom ``studio``'s members find, with what the search sorts and shows."""
    return CrewProfile.objects.findable_by(studio).with_credit_counts()


def roles_to_invite_to(studio: Studio):
    return (
        Role.objects.listed()
        .filter(shoot__studio=studio)
        .select_related("shoot")
        .order_by("start_date", "pk")
    )


def _invite_roles(studio: Studio) -> list[dict]:
    """What the invite form offers of ``roles_to_invite_to``."""
    return list(roles_to_invite_to(studio).values("pk", "title", "shoot__title", "start_date"))


def _run(key: str, build) -> list[dict]:
    """The rows of the queryset ``build()`` returns, by its SQL kept in the ``searches`` cache
    under ``key`` (which must hold everything the SQL depends on), with the values written in
    and, from its second run, prepared: planned once per connection for those values."""
    searches = caches["searches"]
    compiled = searches.get(key)
    seen = compiled is not None
    if compiled is None:
        queryset = build()
        try:
            sql, params = queryset.query.get_compiler(queryset.db).as_sql()
            compiled = connection.ops.compose_sql(sql, params)
        except EmptyResultSet:
            compiled = ""
        searches.set(key, compiled, SQL_SECONDS)
    if not compiled:
        return []
    with connection.cursor() as cursor, prepared(seen):
        cursor.execute(compiled)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _page_number(raw: str | None) -> int | None:
    """The page asked for: 1 when it is not a number, None (the last) below 1."""
    try:
        number = int(raw) if raw is not None else 1
    except ValueError:
        return 1
    return number if number >= 1 else None


def _fetch(studio: Studio, search, query: str, number: int) -> list[dict]:
    """Page ``number`` of the search's rows (``card_rows``), by its SQL compiled once per
    process for this studio, search and page."""
    start = (number - 1) * PAGE_SIZE
    key = "crew-page-sql:" + hashlib.sha256(f"{studio.pk}|{query}|{number}".encode()).hexdigest()
    return _run(key, lambda: card_rows(search())[start : start + PAGE_SIZE])


def render_cards(rows: list[dict], studio: Studio, dates, can_invite: bool) -> list[str]:
    """Each person's card (``crew_search.html#card``), from the cache when it was shown before
    with the same row, dates, studio and language."""
    cache = caches["fragments"]
    language = translation.get_language()
    keys = ["crew-card:" + digest((language, studio.slug, dates, can_invite, row)) for row in rows]
    found = cache.get_many(keys)
    fresh = {
        key: render_to_string(
            "accounts/crew_search.html#card",
            {
                "profile": Card(row),
                "studio": studio,
                "dates": dates,
                "can_invite": can_invite,
                "form_fields": mark_safe(FORM_FIELDS),  # noqa: S308 - a constant
                "address": mark_safe(ADDRESS),  # noqa: S308 - a constant
                "role_options": mark_safe(ROLE_OPTIONS),  # noqa: S308 - a constant
            },
        )
        for key, row in zip(keys, rows, strict=True)
        if key not in found
    }
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return [mark_safe(found.get(key) or fresh[key]) for key in keys]  # noqa: S308 - rendered


class Card:
    """One person as the search shows them, made from their row and from nothing else (its
    HTML is cached under that row's digest)."""

    def __init__(self, row: dict):
        english = (translation.get_language() or "").startswith("en")
        self.pk = row["id"]
        self.user_id = row["user_id"]
        self.name = User.display_name_of(row["user__name"], row["user__email"])
        self.headline = row["headline"]
        self.department_labels = [
            Department(value).label for value in row["departments"] if value in Department.values
        ]
        level = row["experience_level"]
        self.experience = ExperienceLevel(level).label if level in ExperienceLevel.values else ""
        home = row["home_city__name_en"] if english else row["home_city__name_zh"]
        others = [
            city["en"] if english else city["zh"]
            for city in json.loads(row["work_city_names"] or "[]")
            if city["id"] != row["home_city_id"]
        ]
        self.cities = [home, *others]
        self.confirmed_credits = row["confirmed_credits"]
        self.listed_credits = row["listed_credits"]
        self.expected_day_rate = row["expected_day_rate"]
