"""Print, as JSON, the pages benchmarks/run.py measures, with ids and signed-in sessions taken
from the seeded database. Run with the benchmark's environment (DATABASE_URL etc.)."""

from __future__ import annotations

import json
import math
import os
import sys
import urllib.parse
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobboard.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django.utils.http import urlencode  # noqa: E402

from accounts.models import CrewProfile, Studio, StudioMembership, User  # noqa: E402
from applications.models import Application  # noqa: E402
from jobboard.models import RateCounter  # noqa: E402
from postings.choices import Department  # noqa: E402
from postings.filters import cursor_for  # noqa: E402
from postings.models import City, Role  # noqa: E402

CSRF = "b" * 32  # an unmasked CSRF secret: the cookie and the form field carry the same value


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={CSRF}"
    )


def apply_script(paths: list[str], cookies: list[str]) -> str:
    """wrk Lua: each request applies to another role as another crew member, and no two
    requests of a benchmark session repeat a (role, person) pair, whichever wrk run (warm-up,
    round) they belong to: an "already applied" redirect is cheaper than applying.

    Request n takes role n mod R and person n mod C, with R and C coprime, so the pairs repeat
    only every R x C requests (about ten million); each thread starts its count from the clock
    (a thousand a second, more than a thread sends) and the threads half a period apart."""
    while math.gcd(len(paths), len(cookies)) != 1:
        paths = paths[:-1]
    lua_paths = ",".join(json.dumps(p) for p in paths)
    lua_cookies = ",".join(json.dumps(c) for c in cookies)
    body = f"csrfmiddlewaretoken={CSRF}&note=bench&cv_choice=profile&dates_confirmed=on&consent=on"
    return f"""
local paths = {{{lua_paths}}}
local cookies = {{{lua_cookies}}}
local period = #paths * #cookies
local threads = 0
local counter = 0
function setup(thread)
  -- a global of the thread's own Lua state (a local here would stay 0 in every thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
function init(args)
  counter = (os.time() * 1000 + thread_id * math.floor(period / 2)) % period
end
function request()
  counter = counter + 1
  local i = counter % #paths + 1
  local c = counter % #cookies + 1
  return wrk.format("POST", paths[i], {{
    ["Cookie"] = cookies[c],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}, {json.dumps(body)})
end
"""


def message_script(paths: list[str], cookies: list[str]) -> str:
    """wrk Lua: each request writes in another thread as its applicant (paths[i] with
    cookies[i]), round robin from a different start in each thread, so that no person goes
    over the limit of 20 messages in 10 minutes at a few hundred a second."""
    lua_paths = ",".join(json.dumps(p) for p in paths)
    lua_cookies = ",".join(json.dumps(c) for c in cookies)
    body = f"csrfmiddlewaretoken={CSRF}&body=bench+message"
    return f"""
local paths = {{{lua_paths}}}
local cookies = {{{lua_cookies}}}
local threads = 0
local counter = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
function init(args)
  counter = (os.time() + thread_id * math.floor(#paths / 2)) % #paths
end
function request()
  counter = counter % #paths + 1
  return wrk.format("POST", paths[counter], {{
    ["Cookie"] = cookies[counter],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}, {json.dumps(body)})
end
"""


def thread_with_messages(application, n: int = 30):
    """A conversation of ``n`` messages between the applicant and the studio (made once)."""
    from applications.models import Message

    have = Message.objects.filter(application=application).count()
    if have < n:
        member = application.role.shoot.studio.memberships.first().user
        Message.objects.bulk_create(
            Message(
                application=application,
                author=member if i % 2 else application.applicant,
                from_studio=bool(i % 2),
                body=f"第{i}条消息：明天几点到组？ Message {i}: what time tomorrow?",
            )
            for i in range(have, n)
        )
    return application


def crew_with_calendar() -> CrewProfile:
    """The crew member whose "fits my availability" is measured: one with two periods off."""
    return (
        CrewProfile.objects.annotate(n=Count("unavailabilities"))
        .filter(n__gte=2)
        .select_related("user")
        .first()
    )


def full_filtered_page(listed) -> str:
    """Department + city + a date window + a minimum pay, taken from one of the newest roles,
    such that the search fills a page (and more): at every scale the benchmark's filtered list
    is a full page of cards, like its other lists."""
    from postings.filters import PAGE_SIZE

    # A 45-day window, or (at 10,000 roles, now that roles past their apply-by date are not
    # listed, the best 45-day search can fall one short of a page) a 60-day one.
    for days in (45, 60):
        for role in listed.select_related("city")[:500]:
            start = role.start_date.replace(day=1)
            end = role.start_date + timedelta(days=days)
            matches = listed.filter(
                department=role.department,
                city_id=role.city_id,
                start_date__gte=start,
                end_date__lte=end,
                day_rate__gte=300,
            )[: PAGE_SIZE + 1].count()
            if matches > PAGE_SIZE:
                return (
                    f"department={role.department}&city={role.city.slug}"
                    f"&start={start.isoformat()}&end={end.isoformat()}&min_pay=300"
                )
    raise SystemExit("no department + city search fills a page: seed more roles")


def full_crew_search() -> tuple[str, User]:
    """A verified studio's member looking for crew of one department who work in one city and
    are free for ten days a month from now, as the pipeline's "find crew free on these dates"
    link asks: the first department and city whose results fill a page (and more), or, if
    none does (a small database), the first department alone."""
    from accounts.filters import CrewFilter
    from accounts.search import PAGE_SIZE as CREW_PAGE_SIZE

    studio = Studio.objects.verified().filter(memberships__isnull=False).order_by("pk").first()
    member = StudioMembership.objects.filter(studio=studio).select_related("user").first().user
    start = timezone.localdate() + timedelta(days=30)
    dates = {"start": start.isoformat(), "end": (start + timedelta(days=9)).isoformat()}
    crew = CrewProfile.objects.findable_by(studio).with_credit_counts()
    cities = [city.slug for city in City.objects.order_by("pk")] + [None]
    for city in cities:
        for department in Department.values:
            query = {"studio": studio.slug, "department": department, **dates}
            if city:
                query["city"] = city
            if CrewFilter(query, queryset=crew).qs[: CREW_PAGE_SIZE + 1].count() > CREW_PAGE_SIZE:
                return urlencode(query), member
    raise SystemExit("no crew search fills a page: seed more crew (manage.py seed_scale)")


def main() -> None:
    translation.activate("zh-hans")
    listed = Role.objects.listed().order_by("-published_at", "-id")
    role = listed.select_related("shoot").first()
    total = listed.count()
    # Keyset pagination: a cursor deep into the results (page ~250 at 100,000 roles).
    deep = listed[min(total - 21, 5000)]
    deep_cursor = urllib.parse.quote(cursor_for(deep, "newest"))
    crew = crew_with_calendar()
    busy_shoot = (
        Role.objects.annotate(n=Count("applications"))
        .order_by("-n")
        .select_related("shoot")
        .first()
        .shoot
    )
    recruiter = (
        StudioMembership.objects.filter(studio=busy_shoot.studio)
        .select_related("user")
        .first()
        .user
    )
    role_list = reverse("postings:role_list")
    filtered = full_filtered_page(listed)
    crew_search, studio_member = full_crew_search()
    targets = [
        {"name": "ceiling: bare view", "path": "/bench/ok", "group": "ceiling"},
        {"name": "ceiling: fortunes", "path": "/bench/fortunes", "group": "ceiling"},
        {"name": "role list", "path": role_list, "group": "list"},
        {
            "name": "role list, deep page",
            "path": f"{role_list}?after={deep_cursor}",
            "group": "list",
        },
        {
            "name": "filtered list",
            "group": "list",
            "path": f"{role_list}?{filtered}",
        },
        {
            "name": "search (Chinese)",
            "path": f"{role_list}?q={urllib.parse.quote('灯光')}",
            "group": "search",
        },
        {"name": "search (English)", "path": f"{role_list}?q=assistant", "group": "search"},
        {
            "name": "fits my availability",
            "path": f"{role_list}?fits_me=on",
            "group": "search",
            "cookie": session_cookie(crew.user),
        },
        {
            "name": "role detail",
            "path": reverse("postings:role_detail", args=[role.pk]),
            "group": "list",
        },
        {
            "name": "call sheet",
            "path": reverse("postings:call_sheet", args=[role.shoot_id]),
            "group": "list",
        },
        {
            "name": "pipeline (200 applicants)",
            "group": "list",
            "path": reverse("applications:pipeline", args=[busy_shoot.pk]),
            "cookie": session_cookie(recruiter),
        },
        {
            "name": "crew search (20,000 crew, date range)",
            "group": "search",
            "path": f"{reverse('accounts:crew_search')}?{crew_search}",
            "cookie": session_cookie(studio_member),
        },
    ]
    # Apply: crew members who applied nowhere yet, to listed roles with many openings.
    # Every run starts from the same state: the "fresh" crew (seed_scale) have applied nowhere
    # and have no rate-limit history (this is the benchmark's own database). 2,000 of them
    # keep each under the limit of 10 applications a minute at a few hundred a second.
    fresh = User.objects.filter(email__startswith="fresh")
    Application.objects.filter(applicant__in=fresh).delete()
    RateCounter.objects.filter(key__startswith="apply:").delete()
    applicants = list(fresh.order_by("pk")[:2000])
    roles = list(
        listed.filter(apply_by__gte=timezone.localdate()).values_list("pk", flat=True)[:5000]
    )
    targets.append(
        {
            "name": "apply (POST)",
            "group": "write",
            "path": reverse("applications:apply", args=[roles[0]]),
            "lua": apply_script(
                [reverse("applications:apply", args=[pk]) for pk in roles],
                [session_cookie(u) for u in applicants],
            ),
        }
    )
    # Conversations: a thread of 30 messages read by its applicant; and sending, each request
    # as another applicant in their own thread (the limit is 20 messages in 10 minutes a
    # person). Every run starts from the same state: earlier runs' messages and counters go.
    from applications.models import Message

    Message.objects.filter(body="bench message").delete()
    RateCounter.objects.filter(key__startswith="message:").delete()
    talking = (
        Application.objects.filter(status__in=["submitted", "shortlisted"])
        .exclude(applicant__in=fresh)
        .filter(role__end_date__gte=timezone.localdate())
        .select_related("role__shoot__studio", "applicant")
        .order_by("pk")
    )
    thread = thread_with_messages(talking.first())
    targets.append(
        {
            "name": "thread (30 messages)",
            "group": "list",
            "path": reverse("applications:thread", args=[thread.pk]),
            "cookie": session_cookie(thread.applicant),
        }
    )
    senders, seen = [], set()
    for application in talking[:6000]:
        if application.applicant_id not in seen:
            seen.add(application.applicant_id)
            senders.append(application)
        if len(senders) == 2000:
            break
    targets.append(
        {
            "name": "send a message (POST)",
            "group": "write",
            "path": reverse("applications:thread", args=[senders[0].pk]),
            "lua": message_script(
                [reverse("applications:thread", args=[a.pk]) for a in senders],
                [session_cookie(a.applicant) for a in senders],
            ),
        }
    )
    print(json.dumps(targets, ensure_ascii=False))


if __name__ == "__main__":
    main()
