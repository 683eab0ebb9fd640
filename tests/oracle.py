"""The oracle: what the site must show, stated from the rules alone.

Used only by tests. Every answer here comes from plain ORM reads of the source tables (shoots,
their studios and cities, roles' own fields, applications, unavailable days, the answers
after the wrap) and Python: no cache, no compiled SQL, and none of the columns copied onto
roles (``Role.city``, ``start_date``, ``end_date``, ``published_at``, ``studio_verified``,
``studio_pays_on_time``, ``listed``, ``day_rate``, ``search_document``, ``search_ascii``,
``booked_count``) or studios (``Studio.record_*``), nor RoleGrams. The
stateful test (tests/test_oracle.py) compares what the site serves with it after every step.

The rules:
- A shoot's pages are open to anyone when it is published, closed or expired, not hidden by
  reports, and its studio is not suspended; to members of its studio and to staff always.
  A role's page follows its shoot's call sheet; its apply page is open to anyone who may see
  the page without being a member or staff.
- A shoot is public when, in addition, it is published. A role is open (listed, in search,
  the feed, the sitemap and alerts, and taking applications) when its shoot is public, fewer
  of its applications are booked than it has openings, and its apply-by date is today or
  later (Asia/Shanghai).
- A role was published at its shoot's publication, or when it was added if that is later.
- Its pay per day is its pay, or for a project fee the fee divided by the shoot's days
  (rounded down).
- After the wrap, a studio's payment record counts the answers of its booked crew that a
  moderator has not hidden: paid in full on time, paid late, partly paid, and "not paid yet"
  once it opened a dispute (open, or answered by the studio). It shows the count, those paid
  on time, the shoots they cover, the median days late of late pay (the lower middle's and
  upper middle's mean, rounded down, for an even count) and the open disputes of people who
  still have an account (a deleted account's dispute has nobody to settle it); it is public
  from 5 answers over 2 shoots. A studio pays on time when its record is public and at least
  90% of the answers say paid on time: the list's "studios that pay on time" filter.
- A studio's pipeline of a shoot lists its applications oldest first, 20 a page, each with
  the applicant's name, the status, whether they marked days off or are booked on another
  shoot on dates that overlap the shoot's, their completed bookings (those a studio said they
  worked, every day or leaving early, unless a moderator hid the entry; only for someone who
  still has a profile) and the application's history (every event; the studio's private
  notes with their text). Members of the shoot's studio and staff see it; nobody else.
- Crew search, for members of a verified studio: people who let verified studios find them,
  with an active account, a name, a department and a home city, who have not blocked the
  studio; of a department, working in a city (their home city or one of their work cities),
  free on every day of a date range (no marked days off and no booking on a shoot whose
  dates overlap it). Best fit first: those whose home city is the city searched, then by
  confirmed credits (bookings a studio said they worked, not hidden by them), credits on the
  profile, the latest sign-in (never signed in last), the profile's id; "most credits" by
  both credits together, then confirmed ones, then the latest sign-in and the id.
- Keyword search: the words (whitespace collapsed, lower-cased) are a substring of the
  role's title, the shoot's title, the studio's name, the role's description, the shoot's
  synopsis, the department's names in Chinese and English and the city's names, joined by
  spaces (whitespace collapsed, lower-cased).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import QueryDict
from django.utils import timezone, translation

from accounts.models import (
    Credit,
    CrewProfile,
    Studio,
    StudioBlock,
    StudioMembership,
    Unavailability,
)
from applications.models import Application, ApplicationEvent, Wrap
from postings.choices import Department, PayUnit
from postings.models import City, Role, Shoot

PAGE_SIZE = 20
COUNT_CAP = 1000
FEED_SIZE = 50
ALERT_SIZE = 30
ALERT_SLACK = timedelta(minutes=10)


@dataclass
class Record:
    """A studio's payment record as the rules give it from the answers after the wrap."""

    answers: int
    on_time: int
    shoots: int
    days_late: int | None
    disputes: int

    @property
    def shown(self) -> bool:
        return self.answers >= 5 and self.shoots >= 2

    @property
    def pays_on_time(self) -> bool:
        return self.shown and self.on_time * 10 >= self.answers * 9


def payment_record(studio: Studio) -> Record:
    from applications.models import Wrap

    kept = list(Wrap.objects.filter(studio=studio, hidden_at__isnull=True))
    disputed = {"open", "answered"}
    counted = [
        w
        for w in kept
        if w.paid in {"on_time", "late", "partly"}
        or (w.paid == "not_yet" and w.dispute in disputed)
    ]
    late = sorted(w.days_late for w in counted if w.paid == "late")
    median = None
    if late:
        half = len(late) // 2
        median = late[half] if len(late) % 2 else (late[half - 1] + late[half]) // 2
    return Record(
        answers=len(counted),
        on_time=sum(w.paid == "on_time" for w in counted),
        shoots=len({w.shoot_id for w in counted}),
        days_late=median,
        disputes=sum(w.dispute in disputed and w.crew_id is not None for w in kept),
    )


@dataclass
class Fact:
    """One role with what the rules need of it, read from the source tables."""

    role: Role
    shoot: Shoot
    studio: Studio
    city: City
    booked: int
    record: Record

    @property
    def pk(self) -> int:
        return self.role.pk

    @property
    def published_at(self) -> datetime | None:
        if self.shoot.published_at is None:
            return None
        return max(self.shoot.published_at, self.role.added_at)

    @property
    def days(self) -> int:
        return (self.shoot.end_date - self.shoot.start_date).days + 1

    @property
    def day_rate(self) -> int:
        if self.role.pay_unit == PayUnit.DAY:
            return self.role.pay_min
        return self.role.pay_min // self.days

    @property
    def text(self) -> str:
        labels = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                labels.append(str(Department(self.role.department).label))
        parts = [
            self.role.title,
            self.shoot.title,
            self.studio.name,
            self.role.description,
            self.shoot.synopsis,
            *labels,
            self.city.name_zh,
            self.city.name_en,
        ]
        return " ".join(" ".join(parts).split()).lower()

    @property
    def is_open(self) -> bool:
        return (
            shoot_is_public(self.shoot)
            and self.booked < self.role.openings
            and self.role.apply_by >= timezone.localdate()
        )


def shoot_pages_open_to_anyone(shoot: Shoot) -> bool:
    return (
        shoot.status in {Shoot.Status.PUBLISHED, Shoot.Status.CLOSED, Shoot.Status.EXPIRED}
        and shoot.hidden_at is None
        and shoot.studio.verification_status != Studio.Verification.SUSPENDED
    )


def shoot_is_public(shoot: Shoot) -> bool:
    return shoot.status == Shoot.Status.PUBLISHED and shoot_pages_open_to_anyone(shoot)


def is_member(viewer, shoot: Shoot) -> bool:
    return (
        viewer is not None
        and StudioMembership.objects.filter(user=viewer, studio_id=shoot.studio_id).exists()
    )


def call_sheet_visible(viewer, shoot: Shoot) -> bool:
    if shoot_pages_open_to_anyone(shoot):
        return True
    # Staff here passed the second factor (test_oracle.Person.sign_in): without it, none.
    return viewer is not None and (viewer.is_staff or is_member(viewer, shoot))


def role_page_visible(viewer, role: Role) -> bool:
    return call_sheet_visible(viewer, role.shoot)


def apply_page_visible(viewer, role: Role) -> bool:
    """Anyone's view: a studio previews its own roles' pages but applies to none."""
    return shoot_pages_open_to_anyone(role.shoot)


def facts() -> list[Fact]:
    booked = {}
    for role_id in Application.objects.filter(status=Application.Status.BOOKED).values_list(
        "role_id", flat=True
    ):
        booked[role_id] = booked.get(role_id, 0) + 1
    roles = Role.objects.select_related("shoot__studio", "shoot__city").order_by("pk")
    records = {studio.pk: payment_record(studio) for studio in Studio.objects.all()}
    return [
        Fact(
            role,
            role.shoot,
            role.shoot.studio,
            role.shoot.city,
            booked.get(role.pk, 0),
            records[role.shoot.studio_id],
        )
        for role in roles
    ]


def fact(role_id: int, known: list[Fact] | None = None) -> Fact:
    return next(f for f in (known if known is not None else facts()) if f.pk == role_id)


def open_roles(known: list[Fact] | None = None) -> list[Fact]:
    return [f for f in (known if known is not None else facts()) if f.is_open]


# --- The list's parameters, as its form reads them --------------------------------------------


def city_slugs() -> set[str]:
    return set(City.objects.values_list("slug", flat=True))


def _last(params: QueryDict, name: str) -> str:
    value = params.get(name)
    return "" if value is None else value


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _ticked(params: QueryDict, name: str) -> bool:
    value = params.get(name)
    return value is not None and value.lower() not in {"", "false", "0"}


def _sort(params: QueryDict) -> str:
    value = _last(params, "sort")
    return value if value in {"newest", "pay", "start", "apply_by"} else "newest"


def busy(viewer, fact: Fact) -> bool:
    """Whether the shoot's dates clash with the viewer's unavailable days or bookings."""
    start, end = fact.shoot.start_date, fact.shoot.end_date
    days_off = Unavailability.objects.filter(
        profile__user=viewer, start_date__lte=end, end_date__gte=start
    )
    bookings = Application.objects.filter(
        applicant=viewer,
        status=Application.Status.BOOKED,
        role__shoot__start_date__lte=end,
        role__shoot__end_date__gte=start,
    )
    return days_off.exists() or bookings.exists()


def matches(fact: Fact, params: QueryDict, viewer, now: datetime) -> bool:
    """Whether an open role matches the list's parameters for ``viewer`` (None when
    anonymous). A parameter whose value the form refuses is ignored, as the page says."""
    departments = set(params.getlist("department"))
    if (
        departments
        and departments <= set(Department.values)
        and fact.role.department not in departments
    ):
        return False
    cities = set(params.getlist("city"))
    if cities and cities <= city_slugs() and fact.city.slug not in cities:
        return False
    q = " ".join(_last(params, "q").split()).lower()
    if q and len(_last(params, "q")) <= 100 and q not in fact.text:
        return False
    start, end = _date(_last(params, "start")), _date(_last(params, "end"))
    if start and end and end < start:
        end = None  # refused: the last day before the first
    if start and fact.shoot.start_date < start:
        return False
    if end and fact.shoot.end_date > end:
        return False
    if viewer is not None and _ticked(params, "fits_me") and busy(viewer, fact):
        return False
    min_pay = _last(params, "min_pay")
    if min_pay.isdigit() and int(min_pay) <= 1_000_000 and fact.day_rate < int(min_pay):
        return False
    unit = _last(params, "pay_unit")
    if unit in PayUnit.values and fact.role.pay_unit != unit:
        return False
    if _ticked(params, "newcomers") and not fact.role.newcomers_welcome:
        return False
    if _ticked(params, "meals") and not fact.shoot.meals_provided:
        return False
    if _ticked(params, "lodging") and not fact.shoot.lodging_provided:
        return False
    if _ticked(params, "verified") and fact.studio.verification_status != "verified":
        return False
    if _ticked(params, "pays_on_time") and not fact.record.pays_on_time:
        return False
    posted = _last(params, "posted")
    too_old = posted in {"1", "3", "7", "30"} and fact.published_at < now - timedelta(
        days=int(posted)
    )
    return not too_old


def sort_key(fact: Fact, sort: str):
    if sort == "pay":
        return (-fact.day_rate, -fact.pk)
    if sort == "start":
        return (fact.shoot.start_date, fact.pk)
    if sort == "apply_by":
        return (fact.role.apply_by, fact.pk)
    return (-fact.published_at.timestamp(), -fact.pk)


def search(
    params: QueryDict, viewer=None, now: datetime | None = None, known: list[Fact] | None = None
) -> list[int]:
    """Every open role the list shows for ``params`` to ``viewer``, in the page's order."""
    now = now or timezone.now()
    found = [f for f in open_roles(known) if matches(f, params, viewer, now)]
    sort = _sort(params)
    return [f.pk for f in sorted(found, key=lambda f: sort_key(f, sort))]


@dataclass
class ListPage:
    ids: list[int]  # this page's roles, in order
    count: int  # as shown: up to COUNT_CAP
    more: bool  # more than COUNT_CAP
    has_next: bool


def list_pages(
    params: QueryDict, viewer=None, now: datetime | None = None, known: list[Fact] | None = None
) -> list[ListPage]:
    """The list's pages for ``params``: the first, then each following one by its cursor."""
    ids = search(params, viewer, now, known)
    count, more = min(len(ids), COUNT_CAP), len(ids) > COUNT_CAP
    chunks = [ids[i : i + PAGE_SIZE] for i in range(0, len(ids), PAGE_SIZE)] or [[]]
    return [
        ListPage(chunk, count, more, has_next=n + 1 < len(chunks)) for n, chunk in enumerate(chunks)
    ]


def feed(
    params: QueryDict, now: datetime | None = None, known: list[Fact] | None = None
) -> list[int]:
    """The Atom feed of a search (anonymous): its newest FEED_SIZE open roles."""
    now = now or timezone.now()
    found = [f for f in open_roles(known) if matches(f, params, None, now)]
    found.sort(key=lambda f: (f.published_at, f.pk), reverse=True)
    return [f.pk for f in found[:FEED_SIZE]]


def sitemap(known: list[Fact] | None = None) -> set[int]:
    return {f.pk for f in open_roles(known)}


def json_ld(role_id: int, known: list[Fact] | None = None) -> dict | None:
    """What a role page's JSON-LD must say (the parts that depend on data), or None when the
    page has none (its shoot is not public)."""
    f = fact(role_id, known)
    if not shoot_is_public(f.shoot):
        return None
    return {
        "title": f.role.title,
        "datePosted": f.published_at.isoformat(),
        "jobStartDate": f.shoot.start_date.isoformat(),
        "totalJobOpenings": max(f.role.openings - f.booked, 0),
        "hiringOrganization.name": f.studio.name,
    }


def alert_roles(saved_search, now: datetime) -> list[int]:
    """The roles an alert's next email holds: open roles matching its search as its owner
    sees it, published since its last email (less ALERT_SLACK), never sent by it before; the
    oldest first, at most ALERT_SIZE."""
    since = (saved_search.last_sent_at or saved_search.created_at) - ALERT_SLACK
    sent = set(saved_search.sent.values_list("role_id", flat=True))
    params = QueryDict(saved_search.query)
    found = [
        f
        for f in open_roles()
        if f.published_at >= since
        and f.pk not in sent
        and matches(f, params, saved_search.user, now)
    ]
    found.sort(key=lambda f: (f.published_at, f.pk))
    return [f.pk for f in found[:ALERT_SIZE]]


# --- A studio's pipeline ------------------------------------------------------------------------


@dataclass
class Applicant:
    """One application as a studio's pipeline must show it."""

    pk: int
    name: str
    status: str  # the status's value
    availability: str  # "booked elsewhere", "days off" or "free"
    completed: int | None  # None: no profile (an erased account), so no record shown
    history: int  # events
    notes: list[str]  # the private notes' text, oldest first


def pipeline(shoot: Shoot) -> list[Applicant]:
    """Every application to ``shoot``, oldest first, as its pipeline shows them."""
    start, end = shoot.start_date, shoot.end_date
    shown = []
    applications = Application.objects.filter(role__shoot=shoot).select_related("applicant")
    for application in applications.order_by("created_at", "pk"):
        person = application.applicant
        booked_elsewhere = (
            Application.objects.filter(
                applicant=person,
                status=Application.Status.BOOKED,
                role__shoot__start_date__lte=end,
                role__shoot__end_date__gte=start,
            )
            .exclude(pk=application.pk)
            .exists()
        )
        days_off = Unavailability.objects.filter(
            profile__user=person, start_date__lte=end, end_date__gte=start
        ).exists()
        has_profile = hasattr(person, "crew_profile")
        worked = Wrap.objects.filter(
            crew=person, worked__in=["all_days", "left_early"], hidden_at__isnull=True
        ).count()
        events = list(
            ApplicationEvent.objects.filter(application=application).order_by("created_at", "pk")
        )
        shown.append(
            Applicant(
                pk=application.pk,
                name=person.display_name,
                status=application.status,
                availability="booked elsewhere"
                if booked_elsewhere
                else "days off"
                if days_off
                else "free",
                completed=worked if has_profile else None,
                history=len(events),
                notes=[
                    e.note
                    for e in sorted(events, key=lambda e: (e.created_at, e.pk))
                    if e.is_private
                ],
            )
        )
    return shown


def pipeline_visible(viewer, shoot: Shoot) -> bool:
    return viewer is not None and (viewer.is_staff or is_member(viewer, shoot))


# --- Crew search --------------------------------------------------------------------------------


@dataclass
class Found:
    """One person crew search finds."""

    profile: CrewProfile
    confirmed: int
    listed: int


def crew_search(studio: Studio, params: dict) -> list[Found]:
    """Whom a member of ``studio`` finds with ``params`` (department, city, start, end, sort),
    in the search's order."""
    if studio.verification_status != Studio.Verification.VERIFIED:
        return []
    department, city = params.get("department"), params.get("city")
    start, end = _date(params.get("start", "")), _date(params.get("end", ""))
    if start or end:
        start, end = start or end, end or start
        start, end = min(start, end), max(start, end)
    found = []
    profiles = CrewProfile.objects.select_related("user", "home_city").order_by("pk")
    for profile in profiles:
        person = profile.user
        if not (
            profile.visibility == CrewProfile.Visibility.VERIFIED_STUDIOS
            and person.is_active
            and person.name
            and profile.departments
            and profile.home_city_id is not None
        ):
            continue
        if StudioBlock.objects.filter(profile=profile, studio=studio).exists():
            continue
        if department and department not in profile.departments:
            continue
        works_in = {profile.home_city.slug, *profile.work_cities.values_list("slug", flat=True)}
        if city and city not in works_in:
            continue
        if start and (
            Unavailability.objects.filter(
                profile=profile, start_date__lte=end, end_date__gte=start
            ).exists()
            or Application.objects.filter(
                applicant=person,
                status=Application.Status.BOOKED,
                role__shoot__start_date__lte=end,
                role__shoot__end_date__gte=start,
            ).exists()
        ):
            continue
        confirmed = Wrap.objects.filter(
            crew=person, worked__in=["all_days", "left_early"], credit_hidden=False
        ).count()
        found.append(Found(profile, confirmed, Credit.objects.filter(profile=profile).count()))

    def last_seen(f: Found):
        login = f.profile.user.last_login
        return (login is None, -(login.timestamp() if login else 0))

    if params.get("sort") == "credits":
        found.sort(
            key=lambda f: (-(f.confirmed + f.listed), -f.confirmed, last_seen(f), f.profile.pk)
        )
    else:
        found.sort(
            key=lambda f: (
                -(bool(city) and f.profile.home_city.slug == city),
                -f.confirmed,
                -f.listed,
                last_seen(f),
                f.profile.pk,
            )
        )
    return found


# --- Conversations ------------------------------------------------------------------------------


def thread_visible(viewer, application: Application) -> bool:
    """Its applicant, a member of the studio applied to, and moderators read a thread."""
    return viewer is not None and (
        viewer.is_staff
        or viewer.pk == application.applicant_id
        or is_member(viewer, application.role.shoot)
    )


def unread(application: Application, user, seen: set[int]) -> list[int]:
    """The messages of the other side of ``application``'s thread that ``user`` has not seen
    (``seen``: the messages there were when they last read the thread or wrote in it)."""
    from applications.models import Message

    from_studio = user.pk == application.applicant_id
    return [
        pk
        for pk in Message.objects.filter(
            application=application, from_studio=from_studio
        ).values_list("pk", flat=True)
        if pk not in seen
    ]


def unread_threads(user, seen: dict) -> int:
    """How many threads ``user`` is in (as the applicant, or for a studio they work for) have
    messages they have not seen: the menu's count."""
    studios = set(StudioMembership.objects.filter(user=user).values_list("studio_id", flat=True))
    return sum(
        1
        for application in Application.objects.select_related("role__shoot")
        if (application.applicant_id == user.pk or application.role.shoot.studio_id in studios)
        and unread(application, user, seen.get((application.pk, user.pk), set()))
    )
