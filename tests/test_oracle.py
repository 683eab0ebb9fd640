"""The stateful oracle test: random sequences of what people do, and after every step, what
the site serves compared with what the rules say (tests/oracle.py).

Actions go through the code paths people use: the studio's pages for posting, editing,
submitting, closing and cancelling; the model transitions that the admin and the
application pages call for the rest. After each step several people (anonymous, two crew
members with their own calendars, members of two studios, staff) ask, in one of the two
languages (alternating), for the role list with several searches and its next page by
cursor, every role page, apply page and call sheet, the Atom feed, the sitemap and an
alert's next roles. Everything runs in this process, so the per-process caches (compiled
pages, counts, cards, page bodies) are exercised as in production.

`make test` runs a fixed seed and a few random examples. ``ORACLE_SECONDS=1200 pytest
tests/test_oracle.py -k long -p no:xdist`` runs random examples for as long as asked and
prints how many.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Credit, Studio, StudioMembership, Unavailability
from applications.models import (
    Application,
    CrewTeam,
    Message,
    TeamApplication,
    TeamMember,
    Wrap,
)
from jobboard.transitions import InvalidTransition
from postings.models import City, Report, Role, SavedSearch, Shoot
from tests import oracle
from tests.factories import CrewProfileFactory, StudioFactory, UserFactory, member

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)
LANGUAGES = ["zh-hans", "en"]
RECORD = re.compile(r'data-record="([^"]*)"')
APPLICANT = re.compile(r'<article class="applicant" id="application-(\d+)">(.*?)</article>', re.S)
RELIABILITY = re.compile(r'<p class="reliability">(.*?)</p>', re.S)
UNREAD_COUNT = re.compile(r'unread-count">(\d+)<')
UNREAD_THREADS = re.compile(r'<p class="message unread-threads">(.*?)</p>', re.S)
UNREAD_THREAD = re.compile(r'/applications/(\d+)/messages/">[^<]*</a> \((\d+) ')
THREAD_MESSAGE = re.compile(r'<li class="thread-message[^"]*" id="message-(\d+)">(.*?)</li>', re.S)
MODERATOR_READS = re.compile(r'<p class="message moderator-reads">(.*?)</p>', re.S)
CREW_CARD = re.compile(r'<article class="crew-card" id="crew-(\d+)">(.*?)</article>', re.S)
HISTORY_DAYS = 40  # the wrapped shoots' history begins this long before START

# Text from which titles and searches are made: Chinese and English, with shared words.
ROLE_TITLES = [
    "灯光助理",
    "Gaffer",
    "服装助理",
    "Sound assistant",
    "场务",
    "摄影大助",
    "Make-up 化妆",
]
SHOOT_TITLES = ["霸总的替身新娘", "Night Shift 夜班", "长安来信", "The Quiet Heir"]
STUDIO_NAMES = ["星河短剧", "竖屏影业", "Chang'an Vertical", "海潮影视"]
KEYWORDS = [
    "灯光",
    "助理",
    "assistant",
    "gaffer",
    "sound",
    "星河",
    "night",
    "横店",
    "长安",
    "a",
    "光",
]
CITIES = ["hengdian", "zhengzhou", "xian"]
DEPARTMENTS = ["lighting", "costume", "sound", "camera", "production"]

SEARCHES = st.fixed_dictionaries(
    {},
    optional={
        "q": st.sampled_from(KEYWORDS),
        "department": st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=2),
        "city": st.lists(st.sampled_from(CITIES), min_size=1, max_size=2),
        "sort": st.sampled_from(["newest", "pay", "start", "apply_by", "bogus"]),
        "min_pay": st.sampled_from(["0", "300", "450", "-5"]),
        "pay_unit": st.sampled_from(["day", "project"]),
        "newcomers": st.just("on"),
        "meals": st.just("on"),
        "lodging": st.just("on"),
        "verified": st.just("on"),
        "pays_on_time": st.just("on"),
        "fits_me": st.sampled_from(["on", "false"]),
        "posted": st.sampled_from(["1", "7"]),
        "start": st.sampled_from(["2027-03-10", "2027-04-01"]),
        "end": st.sampled_from(["2027-03-31", "2027-05-01"]),
    },
)


def query(params: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


# --- Reading pages ------------------------------------------------------------------------------

CARD = re.compile(r'<article class="role-card">(.*?)</article>', re.S)
CARD_LINK = re.compile(r'<h3 class="role-card-title"><a href="/[\w-]+/roles/(\d+)/">(.*?)</a>')
COUNT = re.compile(r'<p class="result-count">\s*(.*?)·', re.S)
NEXT = re.compile(r'<a href="([^"]*)" rel="next"')
JSON_LD = re.compile(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', re.S)


def cards(body: str) -> list[tuple[int, str, str]]:
    """Each card's role id, title and the rest of its text."""
    found = []
    for card in CARD.findall(body):
        match = CARD_LINK.search(card)
        assert match, card
        found.append((int(match.group(1)), html.unescape(match.group(2)), card))
    return found


class Person:
    def __init__(self, name: str, user=None):
        self.name = name
        self.user = user
        self.client = Client()
        if user is not None:
            self.sign_in()

    def sign_in(self) -> None:
        """Sign in; staff give their second factor too (without it they have no staff
        powers, and the oracle's rules are those of staff who did)."""
        from tests.conftest import pass_second_factor

        self.client.force_login(self.user)
        if self.user.is_staff:
            pass_second_factor(self.client, self.user)

    @property
    def viewer(self):
        """Who the site sees: nobody once the account is deleted."""
        if self.user is None:
            return None
        self.user.refresh_from_db()
        return self.user if self.user.is_active else None

    def __repr__(self) -> str:
        return self.name


class Callsheet(RuleBasedStateMachine):
    """One example: a fresh board in a savepoint, rolled back at the end."""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        # The board's history starts before START: two shoots of studio A that wrapped, whose
        # crew answered (``wrapped_history``); the clock then moves to START.
        self._clock = freeze_time(START - timedelta(days=HISTORY_DAYS))
        self.clock = self._clock.start()
        for cache in ("fragments", "pages", "searches"):
            caches[cache].clear()
        self.steps = 0
        hengdian = City.objects.get(slug="hengdian")
        self.studio_a = StudioFactory(name=STUDIO_NAMES[0], city=hengdian)
        self.studio_b = StudioFactory(
            name=STUDIO_NAMES[1], verification_status=Studio.Verification.UNVERIFIED
        )
        owner_a, owner_b = UserFactory(name="陈制片"), UserFactory(name="孙副导")
        member(owner_a, self.studio_a, StudioMembership.Role.OWNER)
        member(owner_b, self.studio_b, StudioMembership.Role.OWNER)
        self.staff = UserFactory(name="审核员", is_staff=True)
        self.crew_a = CrewProfileFactory(user__name="李小灯").user
        self.crew_b = CrewProfileFactory(user__name="王二助").user
        self.people = [
            Person("anonymous"),
            Person("crew_a", self.crew_a),
            Person("crew_b", self.crew_b),
            Person("member_a", owner_a),
            Person("member_b", owner_b),
            Person("staff", self.staff),
        ]
        self.owners = {self.studio_a.pk: self.people[3], self.studio_b.pk: self.people[4]}
        self.alert = SavedSearch.objects.create(user=self.crew_a, name="灯光", query="q=灯光")
        # A team: crew A heads it, crew B joined. Its bookings move the same copies (the
        # roles' booked counts and listings) as single ones, all at once.
        self.team = CrewTeam.objects.create(head=self.crew_a, name="灯光组")
        TeamMember.objects.create(team=self.team, email=self.crew_b.email).accept(self.crew_b)
        self.searches: list[dict] = [{}, {"q": "助理", "sort": "pay"}]
        # Conversations: the messages each person has seen in each thread (when they last read
        # it or wrote in it), whether each message should warn its reader, and how many times
        # a moderator read each thread.
        self.seen: dict[tuple[int, int], set[int]] = {}
        self.warns: dict[int, bool] = {}
        self.moderator_reads: dict[int, int] = {}
        try:
            self.wrapped_history()
            self.opening_board()
        except BaseException:  # the next example must not start from this one's rows
            self.teardown()
            raise

    def wrapped_history(self):
        """Before START: two shoots of studio A, five crew booked on them (through the
        transitions people use); at START they have wrapped, ``ask_wrap`` asked them and
        they answered, paid on time: studio A's payment record is public and says it pays
        on time, for the actions to change."""
        owner = self.people[3].user
        for n, crew in enumerate([3, 2]):
            row = (ROLE_TITLES[0], "lighting", 400, "day", True)
            self.post_shoot("a", SHOOT_TITLES[n], "hengdian", [row], 5 + 12 * n, 5, True, True)
            role = Role.objects.order_by("-pk").first()
            role.openings = crew
            role.save(update_fields=["openings"])
            role.shoot.sync_roles()
            for _ in range(crew):
                person = CrewProfileFactory().user
                self.apply_to(role, person)
                application = Application.objects.get(role=role, applicant=person)
                application.offer(by=owner)
                application.accept(by=person)
        self.clock.move_to(START)
        for person in self.people:  # their sessions expired meanwhile: they sign in again
            if person.viewer is not None:
                person.sign_in()
        call_command("close_expired_shoots", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("ask_wrap", stdout=open(os.devnull, "w"))  # noqa: SIM115
        for wrap in Wrap.objects.select_related("crew"):
            wrap.answer(by=wrap.crew, paid="on_time", days_late=None, day_hours=12)

    def opening_board(self):
        """What the board holds when the example starts, posted as studios post: two
        published shoots and a draft of studio A, one waiting for review of studio B, and
        applications in several states. Each example's actions start from here."""
        for studio, title, city, roles, submit in [
            ("a", SHOOT_TITLES[0], "hengdian", [(0, 0, 400, "day"), (3, 2, 450, "day")], 1),
            ("a", SHOOT_TITLES[1], "zhengzhou", [(1, 0, 3000, "project"), (2, 1, 300, "day")], 1),
            ("a", SHOOT_TITLES[2], "xian", [(4, 4, 350, "day")], 0),
            ("b", SHOOT_TITLES[3], "hengdian", [(5, 3, 500, "day"), (0, 0, 420, "day")], 1),
        ]:
            rows = [
                (ROLE_TITLES[t], DEPARTMENTS[d], pay, unit, t % 2 == 0) for t, d, pay, unit in roles
            ]
            self.post_shoot(studio, title, city, rows, 10, 5, True, bool(submit))
        open_roles = [f.role for f in oracle.open_roles()]
        for role, user in zip(open_roles, [self.crew_a, self.crew_b, self.crew_a], strict=False):
            self.apply_to(role, user)
        applications = list(Application.objects.filter(wrap__isnull=True).order_by("pk"))
        applications[0].offer(by=self.owner(applications[0].role.shoot).user)
        applications[0].accept(by=applications[0].applicant)
        applications[1].shortlist(by=self.owner(applications[1].role.shoot).user)
        # Crew search finds crew_a from the start; crew_b answers in the actions.
        self.answer_findable("crew_a", True)

    def teardown(self):
        if os.environ.get("ORACLE_VERBOSE"):
            print(
                f"oracle example: {self.steps} checks, {Shoot.objects.count()} shoots "
                f"({sorted(Shoot.objects.values_list('status', flat=True))}), "
                f"{Role.objects.count()} roles, {len(oracle.open_roles())} open, "
                f"{Application.objects.count()} applications "
                f"({sorted(Application.objects.values_list('status', flat=True))})"
            )
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._clock.stop()

    # --- Helpers ---------------------------------------------------------------------------

    @property
    def shoots(self) -> list[Shoot]:
        return list(Shoot.objects.select_related("studio").order_by("pk"))

    @property
    def roles(self) -> list[Role]:
        return list(Role.objects.select_related("shoot__studio").order_by("pk"))

    def owner(self, shoot: Shoot) -> Person:
        return self.owners[shoot.studio_id]

    def post_form(self, shoot: Shoot, action: str, **changes) -> dict:
        """The edit form as the browser posts it back, with ``changes`` (shoot fields, or
        ``roles``: a function that changes the list of role rows)."""
        data = {
            "title": shoot.title,
            "genre": shoot.genre,
            "synopsis": shoot.synopsis,
            "city": str(shoot.city_id),
            "base": shoot.base,
            "start_date": shoot.start_date.isoformat(),
            "end_date": shoot.end_date.isoformat(),
            "daily_hours": str(shoot.daily_hours),
            "payment_timing": shoot.payment_timing,
            "action": action,
        }
        for flag in ("meals_provided", "lodging_provided"):
            if getattr(shoot, flag):
                data[flag] = "on"
        rows = [
            {
                "id": str(role.pk),
                "department": role.department,
                "title": role.title,
                "openings": str(role.openings),
                "pay_unit": role.pay_unit,
                "pay_min": str(role.pay_min),
                "experience_level": role.experience_level,
                "apply_by": role.apply_by.isoformat(),
                "description": role.description,
                **({"newcomers_welcome": "on"} if role.newcomers_welcome else {}),
            }
            for role in shoot.roles.order_by("pk")
        ]
        edit_rows = changes.pop("roles", None)
        data |= changes
        if edit_rows:
            rows = edit_rows(rows)
        initial = sum(1 for row in rows if row.get("id"))
        data |= {
            "roles-TOTAL_FORMS": str(len(rows)),
            "roles-INITIAL_FORMS": str(initial),
            "roles-MIN_NUM_FORMS": "1",
            "roles-MAX_NUM_FORMS": "30",
        }
        for i, row in enumerate(rows):
            data |= {f"roles-{i}-{key}": value for key, value in row.items()}
        return data

    def attempt(self, action, *args, **kwargs):
        """A transition that the rules may refuse (the site says so); nothing to compare."""
        try:
            with transaction.atomic():
                action(*args, **kwargs)
        except InvalidTransition:
            pass

    # --- Studios post and edit ---------------------------------------------------------------

    @rule(
        studio=st.sampled_from(["a", "b"]),
        title=st.sampled_from(SHOOT_TITLES),
        city=st.sampled_from(CITIES),
        roles=st.lists(
            st.tuples(
                st.sampled_from(ROLE_TITLES),
                st.sampled_from(DEPARTMENTS),
                st.sampled_from([300, 400, 450, 3000]),
                st.sampled_from(["day", "project"]),
                st.booleans(),
            ),
            min_size=1,
            max_size=3,
        ),
        starts_in=st.integers(min_value=3, max_value=40),
        days=st.integers(min_value=1, max_value=9),
        meals=st.booleans(),
        submit=st.booleans(),
    )
    def post_shoot(self, studio, title, city, roles, starts_in, days, meals, submit):
        studio = self.studio_a if studio == "a" else self.studio_b
        start = timezone.localdate() + timedelta(days=starts_in)
        data = {
            "studio": str(studio.pk),
            "title": title,
            "genre": "modern",
            "synopsis": "竖屏短剧 80 集, a vertical drama",
            "city": str(City.objects.get(slug=city).pk),
            "base": "影视城",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=days - 1)).isoformat(),
            "daily_hours": "12",
            "payment_timing": "on_wrap",
            "action": "submit" if submit else "save",
            "roles-TOTAL_FORMS": str(len(roles)),
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "1",
            "roles-MAX_NUM_FORMS": "30",
        }
        if meals:
            data["meals_provided"] = "on"
        for i, (role_title, department, pay, unit, newcomers) in enumerate(roles):
            row = {
                "department": department,
                "title": role_title,
                "openings": "1",
                "pay_unit": unit,
                "pay_min": str(pay),
                "experience_level": "newcomer",
                "apply_by": (start - timedelta(days=min(starts_in, 2))).isoformat(),
            }
            if newcomers:
                row["newcomers_welcome"] = "on"
            data |= {f"roles-{i}-{key}": value for key, value in row.items()}
        owner = self.owners[studio.pk]
        response = owner.client.post("/zh-hans/studio/shoots/new/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert "/accounts/login/" not in response["Location"], "signed out"

    @precondition(lambda self: Shoot.objects.exists())
    @rule(data=st.data())
    def submit_shoot(self, data):
        shoot = data.draw(st.sampled_from(self.shoots))
        self.owner(shoot).client.post(f"/zh-hans/studio/shoots/{shoot.pk}/submit/")

    @precondition(lambda self: Shoot.objects.exists())
    @rule(data=st.data(), approve=st.booleans())
    def review_shoot(self, data, approve):
        shoot = data.draw(st.sampled_from(self.shoots))
        if approve:
            self.attempt(shoot.approve, by=self.staff)
        else:
            self.attempt(shoot.reject, by=self.staff, reason="请写明结算方式")

    @precondition(lambda self: Shoot.objects.exists())
    @rule(
        data=st.data(),
        change=st.sampled_from(
            ["title", "synopsis", "dates", "city", "pay", "role_title", "add_role", "remove_role"]
        ),
    )
    def edit_shoot(self, data, change):
        shoot = data.draw(st.sampled_from(self.shoots))
        if shoot.status not in Shoot.EDITABLE:
            return
        changes = {}
        if change == "title":
            changes["title"] = data.draw(st.sampled_from(SHOOT_TITLES)) + " 2"
        elif change == "synopsis":
            changes["synopsis"] = data.draw(st.sampled_from(KEYWORDS)) + " 新剧情"
        elif change == "dates":
            later = data.draw(st.integers(min_value=1, max_value=5))
            changes["start_date"] = (shoot.start_date + timedelta(days=later)).isoformat()
            changes["end_date"] = (shoot.end_date + timedelta(days=later + 1)).isoformat()
        elif change == "city":
            slug = data.draw(st.sampled_from(CITIES))
            changes["city"] = str(City.objects.get(slug=slug).pk)
        elif change in {"pay", "role_title", "remove_role"}:
            value = data.draw(st.sampled_from([350, 500, 4500]))
            title = data.draw(st.sampled_from(ROLE_TITLES))

            def edit(rows):
                if change == "pay":
                    rows[0]["pay_min"] = str(value)
                elif change == "role_title":
                    rows[-1]["title"] = title + " B"
                elif len(rows) > 1:
                    rows[-1]["DELETE"] = "on"
                return rows

            changes["roles"] = edit
        else:
            title = data.draw(st.sampled_from(ROLE_TITLES))
            department = data.draw(st.sampled_from(DEPARTMENTS))

            def edit(rows):
                return [
                    *rows,
                    {
                        "department": department,
                        "title": title + " 新",
                        "openings": "2",
                        "pay_unit": "day",
                        "pay_min": "420",
                        "experience_level": "newcomer",
                        "apply_by": (shoot.start_date - timedelta(days=1)).isoformat(),
                    },
                ]

            changes["roles"] = edit
        self.owner(shoot).client.post(
            f"/zh-hans/studio/shoots/{shoot.pk}/edit/", self.post_form(shoot, "save", **changes)
        )

    @precondition(lambda self: Shoot.objects.exists())
    @rule(data=st.data(), action=st.sampled_from(["close", "cancel"]))
    def end_shoot(self, data, action):
        shoot = data.draw(st.sampled_from(self.shoots))
        self.owner(shoot).client.post(f"/zh-hans/studio/shoots/{shoot.pk}/{action}/")

    @precondition(lambda self: Shoot.objects.filter(status="published").exists())
    @rule(data=st.data())
    def report_until_hidden(self, data):
        shoot = data.draw(st.sampled_from(list(Shoot.objects.filter(status="published"))))
        for user in (self.crew_a, self.crew_b, self.staff):
            if not Report.objects.open().filter(shoot=shoot, reporter=user).exists():
                self.attempt(Report.file, shoot=shoot, reporter=user, reason="pay")

    @precondition(lambda self: Report.objects.open().exists())
    @rule()
    def dismiss_reports(self):
        for report in Report.objects.open().select_related("shoot"):
            self.attempt(report.dismiss, by=self.staff)

    # --- Moderators and studios --------------------------------------------------------------

    @rule(
        studio=st.sampled_from(["a", "b"]),
        action=st.sampled_from(["verify", "suspend", "reject", "rename"]),
        name=st.sampled_from(STUDIO_NAMES),
    )
    def moderate_studio(self, studio, action, name):
        studio = Studio.objects.get(pk=(self.studio_a if studio == "a" else self.studio_b).pk)
        if action == "verify":
            self.attempt(studio.verify, by=self.staff)
        elif action in {"suspend", "reject"}:
            self.attempt(getattr(studio, action), by=self.staff, reason="营业执照不符")
        else:  # as the admin's change form saves it
            with transaction.atomic():
                studio.name = name + " 工作室"
                studio.save()
                studio.sync_roles()

    # --- Crew apply, studios book ------------------------------------------------------------

    @precondition(lambda self: Role.objects.exists())
    @rule(data=st.data(), who=st.sampled_from(["crew_a", "crew_b"]))
    def apply(self, data, who):
        user = self.crew_a if who == "crew_a" else self.crew_b
        role = data.draw(st.sampled_from(self.roles))
        if not user.is_active or not oracle.fact(role.pk).is_open:
            return
        if Application.objects.filter(role=role, applicant=user).exists():
            return
        self.apply_to(role, user)

    def apply_to(self, role, user):
        self.attempt(
            Application.submit,
            role=role,
            applicant=user,
            note="",
            cv=ContentFile(b"%PDF-1.4\n%%EOF\n", name="cv.pdf"),
            cv_name="cv.pdf",
            dates_confirmed=True,
        )

    @precondition(lambda self: Application.objects.exists())
    @rule(
        data=st.data(),
        action=st.sampled_from(
            ["shortlist", "offer", "accept", "decline", "withdraw", "release", "reject"]
        ),
    )
    def move_application(self, data, action):
        application = data.draw(st.sampled_from(list(Application.objects.order_by("pk"))))
        studio_member = self.owner(application.role.shoot).user
        by = application.applicant if action in {"accept", "decline", "withdraw"} else studio_member
        self.attempt(getattr(application, action), by=by)

    @precondition(lambda self: Application.objects.exists())
    @rule(
        data=st.data(),
        side=st.sampled_from(["applicant", "studio"]),
        scam=st.booleans(),
    )
    def send_message(self, data, side, scam):
        """One side writes in an application's thread; a studio may ask for a deposit."""
        application = data.draw(
            st.sampled_from(list(Application.objects.select_related("role__shoot", "applicant")))
        )
        by = (
            application.applicant
            if side == "applicant"
            else self.owner(application.role.shoot).user
        )
        body = "进组前先交500元押金" if scam else f"第{self.steps}步：几点到片场？"
        self.clock.tick(timedelta(seconds=1))  # each message after whatever was read before
        booked = application.status == "booked"
        before = set(Message.objects.values_list("pk", flat=True))
        self.attempt(Message.send, application=application, by=by, body=body)
        sent = set(Message.objects.values_list("pk", flat=True)) - before
        for pk in sent:
            # A request for money before a booking warns its reader.
            self.warns[pk] = scam and not booked
            self.seen[(application.pk, by.pk)] = set(
                Message.objects.filter(application=application).values_list("pk", flat=True)
            )

    @precondition(lambda self: Role.objects.filter(listed=True).exists())
    @rule(data=st.data(), confirms=st.booleans())
    def team_applies(self, data, confirms):
        """Crew A applies with the team to one or two roles of a shoot; crew B confirms
        (the applications reach the studio) or declines their place."""
        listed = list(Role.objects.filter(listed=True).order_by("pk"))
        lead = data.draw(st.sampled_from(listed))
        second = data.draw(st.sampled_from([r for r in listed if r.shoot_id == lead.shoot_id]))
        if not (self.crew_a.is_active and self.crew_b.is_active):
            return
        try:
            with transaction.atomic():
                team_application = TeamApplication.start(
                    team=self.team,
                    shoot=lead.shoot,
                    by=self.crew_a,
                    places={self.crew_a: lead, self.crew_b: second},
                    note="",
                )
        except InvalidTransition:
            return
        if confirms:
            self.attempt(team_application.confirm, by=self.crew_b, dates_confirmed=True)
        else:
            self.attempt(team_application.decline_place, by=self.crew_b)

    @precondition(lambda self: TeamApplication.objects.filter(stage="sent").exists())
    @rule(
        data=st.data(),
        action=st.sampled_from(["shortlist", "offer", "reject", "accept", "decline"]),
    )
    def team_decision(self, data, action):
        """The studio decides for the whole team; crew A answers its offer for everyone."""
        sent = list(TeamApplication.objects.filter(stage="sent").order_by("pk"))
        team_application = data.draw(st.sampled_from(sent))
        if action in {"accept", "decline"}:
            self.attempt(getattr(team_application, action), by=self.crew_a)
        else:
            by = self.owner(team_application.shoot).user
            self.attempt(getattr(team_application, action), by=by)

    @rule(
        who=st.sampled_from(["crew_a", "crew_b"]),
        starts_in=st.integers(min_value=0, max_value=40),
        days=st.integers(min_value=1, max_value=10),
    )
    def mark_unavailable(self, who, starts_in, days):
        user = self.crew_a if who == "crew_a" else self.crew_b
        profile = getattr(user, "crew_profile", None)
        if not user.is_active or profile is None:
            return
        start = timezone.localdate() + timedelta(days=starts_in)
        # The same days twice are one mark (the calendar page says they are marked already).
        Unavailability.objects.get_or_create(
            profile=profile, start_date=start, end_date=start + timedelta(days=days - 1)
        )

    @precondition(lambda self: Unavailability.objects.exists())
    @rule(data=st.data())
    def clear_unavailable(self, data):
        days = data.draw(st.sampled_from(list(Unavailability.objects.order_by("pk"))))
        days.delete()

    @precondition(lambda self: self.crew_b.is_active)
    @rule()
    def delete_account(self):
        with transaction.atomic():
            self.crew_b.erase()

    # --- After the wrap ----------------------------------------------------------------------

    def person_of(self, user) -> Person | None:
        return next((p for p in self.people if p.user is not None and p.user.pk == user.pk), None)

    @precondition(lambda self: Wrap.objects.filter(crew__isnull=False).exists())
    @rule(
        data=st.data(),
        paid=st.sampled_from(["on_time", "late", "partly", "not_yet"]),
        late=st.integers(min_value=1, max_value=40),
    )
    def answer_pay(self, data, paid, late):
        """A booked crew member answers (or changes their answer): through their page when
        they are one of the people, else as the page does."""
        wrap = data.draw(st.sampled_from(list(Wrap.objects.filter(crew__isnull=False))))
        person = self.person_of(wrap.crew)
        if person is not None and person.viewer is not None:
            form = {"action": "answer", "paid": paid, "days_late": str(late), "day_hours": "12"}
            person.client.post(f"/zh-hans/me/wraps/{wrap.pk}/", form)
        else:
            days_late = late if paid == "late" else None
            self.attempt(wrap.answer, by=wrap.crew, paid=paid, days_late=days_late, day_hours=12)

    @precondition(lambda self: Wrap.objects.disputes().exists())
    @rule(data=st.data(), says_paid=st.booleans(), confirms=st.booleans())
    def settle_dispute(self, data, says_paid, confirms):
        """The studio answers a dispute (through its page), and the crew member confirms the
        pay arrived or says it is still missing."""
        wrap = data.draw(st.sampled_from(list(Wrap.objects.disputes().select_related("crew"))))
        owner = self.owners[wrap.studio_id]
        form = {"text": "已转账 · paid", **({"paid": "on"} if says_paid else {})}
        owner.client.post(f"/zh-hans/studio/shoots/{wrap.shoot_id}/wrap/{wrap.pk}/answer/", form)
        wrap.refresh_from_db()
        if wrap.crew is not None:
            if confirms:
                self.attempt(wrap.confirm_paid, by=wrap.crew)
            else:
                self.attempt(wrap.still_unpaid, by=wrap.crew)

    @rule(who=st.sampled_from(["crew_a", "crew_b"]), yes=st.booleans())
    def answer_findable(self, who, yes):
        """A crew member says whether verified studios may find them (their page's form)."""
        person = self.people[1 if who == "crew_a" else 2]
        if person.viewer is not None:
            person.client.post(
                "/zh-hans/me/profile/findable/", {"findable": "yes" if yes else "no"}
            )

    @rule(who=st.sampled_from(["crew_a", "crew_b"]), city=st.sampled_from(["zhengzhou", "xian"]))
    def add_work_city(self, who, city):
        user = self.crew_a if who == "crew_a" else self.crew_b
        profile = getattr(user, "crew_profile", None)
        if user.is_active and profile is not None:
            profile.work_cities.add(City.objects.get(slug=city))

    @rule(
        who=st.sampled_from(["crew_a", "crew_b"]), city=st.sampled_from(["zhengzhou", "hengdian"])
    )
    def move_home(self, who, city):
        user = self.crew_a if who == "crew_a" else self.crew_b
        profile = getattr(user, "crew_profile", None)
        if user.is_active and profile is not None:
            profile.home_city = City.objects.get(slug=city)
            profile.save()

    @rule(who=st.sampled_from(["crew_a", "crew_b"]))
    def add_credit(self, who):
        user = self.crew_a if who == "crew_a" else self.crew_b
        profile = getattr(user, "crew_profile", None)
        if user.is_active and profile is not None:
            Credit.objects.create(
                profile=profile, production_title="长安来信", role="灯光", year=2026
            )

    @precondition(lambda self: Wrap.objects.exists())
    @rule(data=st.data(), worked=st.sampled_from(["all_days", "left_early", "no_show"]))
    def confirm_work(self, data, worked):
        """The studio says whether a booked crew member worked (their record in pipelines)."""
        wrap = data.draw(st.sampled_from(list(Wrap.objects.order_by("pk"))))
        self.attempt(wrap.confirm_work, by=self.owners[wrap.studio_id].user, worked=worked)

    @precondition(lambda self: Application.objects.exists())
    @rule(
        data=st.data(), note=st.sampled_from(["面试优先 · first to call", "<!-- form fields -->"])
    )
    def private_note(self, data, note):
        """A studio member writes a private note on an application, through its pipeline."""
        application = data.draw(st.sampled_from(list(Application.objects.order_by("pk"))))
        owner = self.owners[application.role.shoot.studio_id]
        owner.client.post(f"/zh-hans/studio/applications/{application.pk}/note/", {"note": note})

    @precondition(lambda self: Wrap.objects.filter(hidden_at__isnull=True).exists())
    @rule(data=st.data())
    def hide_from_record(self, data):
        """A moderator upholds an appeal: the entry leaves the studio's record."""
        wrap = data.draw(st.sampled_from(list(Wrap.objects.filter(hidden_at__isnull=True))))
        wrap.hide(by=self.staff, reason="申诉成立 · appeal upheld")

    # --- Time and periodic work --------------------------------------------------------------

    @rule(days=st.sampled_from([1, 3, 8, 20]))
    def time_passes(self, days):
        self.clock.tick(timedelta(days=days))
        for person in self.people:  # sessions expire: people sign in again
            if person.viewer is not None:
                person.sign_in()
        call_command("close_expired_shoots", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("ask_wrap", stdout=open(os.devnull, "w"))  # noqa: SIM115
        self.check_endings(after_the_daily_run=True)

    @rule()
    def send_alerts(self):
        now = timezone.now()
        self.alert.refresh_from_db()
        expected = oracle.alert_roles(self.alert, now)
        before = set(self.alert.sent.values_list("role_id", flat=True))
        self.alert.send(now)
        sent = set(self.alert.sent.values_list("role_id", flat=True)) - before
        assert sent == set(expected), (sent, expected)
        self.clock.tick(timedelta(minutes=16))

    @rule(search=SEARCHES)
    def search(self, search):
        self.searches = [self.searches[0], self.searches[1], search]

    # --- What the site serves ----------------------------------------------------------------

    @invariant()
    def the_site_agrees_with_the_rules(self):
        self.steps += 1
        language = LANGUAGES[self.steps % 2]
        roles, shoots = self.roles, self.shoots
        self.known = oracle.facts()
        # Pages of every role and shoot: two people each step, in turn.
        turn = self.people[self.steps % 6]
        for person in self.people:
            viewer = person.viewer
            # Everyone: the newest search and one of the two standing ones, in turn.
            for params in (self.searches[self.steps % 2], *self.searches[2:]):
                self.check_list(person, viewer, language, params)
            if person is turn:
                for role in roles:
                    self.check_role_page(person, viewer, language, role)
                for shoot in shoots:
                    self.check_call_sheet(person, viewer, language, shoot)
        self.check_feed_and_sitemap(language)
        self.check_studio_pages(language)
        self.check_pipelines(language)
        self.check_threads(language)
        self.check_crew_search(language)
        self.check_endings()
        self.alert.refresh_from_db()
        served = [role.pk for role in self.alert.new_roles(timezone.now())]
        assert served == oracle.alert_roles(self.alert, timezone.now())

    def check_endings(self, after_the_daily_run: bool = False):
        """Every application follows what it depends on: none stays active on a cancelled
        shoot, a suspended studio or a deleted account (nor, after the daily run, pending on a
        shoot that has started); a role's count of bookings is its booked applications."""
        today = timezone.localdate()
        for application in Application.objects.select_related("role__shoot__studio", "applicant"):
            shoot = application.role.shoot
            active = application.status in Application.ACTIVE
            where = (application.pk, application.status, shoot.status)
            assert not (active and shoot.status == Shoot.Status.CANCELLED), where
            # A suspended studio's shoots that had started keep their bookings (the work
            # happened; the crew are asked after the wrap whether they were paid).
            kept = application.status == "booked" and shoot.start_date <= today
            suspended = shoot.studio.verification_status == "suspended"
            assert not (active and suspended and not kept), where
            assert not (active and not application.applicant.is_active), where
            if after_the_daily_run and shoot.start_date <= today:
                pending = application.status in {"submitted", "shortlisted", "offered"}
                assert not (pending and shoot.status in {"closed", "expired"}), where
        for role in Role.objects.all():
            booked = Application.objects.filter(role=role, status="booked").count()
            assert role.booked_count == booked, (role.pk, role.booked_count, booked)

    def check_list(self, person, viewer, language, params):
        data = query(params)
        pages = oracle.list_pages(data, viewer, known=self.known)
        url = f"/{language}/roles/?{data.urlencode()}"
        for n, expected in enumerate(pages[:2]):
            response = person.client.get(url)
            assert response.status_code == 200
            body = response.content.decode()
            shown = cards(body)
            where = (person, language, params, n)
            assert [pk for pk, _title, _card in shown] == expected.ids, where
            count = re.findall(r"\d+", COUNT.search(body).group(1))
            assert int(count[0]) == expected.count, where
            for pk, title, card in shown:
                fact = oracle.fact(pk, self.known)
                assert title == fact.role.title, where
                assert html.escape(fact.studio.name, quote=True)[:20] in card, where
                assert ("✓" in card) == (fact.studio.verification_status == "verified"), where
                self.check_record(card, fact.record, compact=True, where=where)
            next_link = NEXT.search(body)
            assert bool(next_link) == expected.has_next, where
            if not next_link:
                break
            url = f"/{language}/roles/" + html.unescape(next_link.group(1))

    def check_record(self, body: str, record, *, compact: bool, where) -> None:
        """A studio's payment record as a card (``compact``) or its page shows it."""
        served = RECORD.findall(body)
        if not record.shown:
            assert not served and "pay-record-none" in body, (where, record)
            return
        expected = [record.on_time, record.answers, record.disputes]
        if not compact:
            expected += [record.shoots, "" if record.days_late is None else record.days_late]
        assert served == ["/".join(map(str, expected))], (where, record, served)
        assert ("pay-record-ok" in body) == record.pays_on_time, (where, record)

    def check_studio_pages(self, language):
        anonymous = self.people[0].client
        for studio in Studio.objects.order_by("pk"):
            response = anonymous.get(f"/{language}/studios/{studio.slug}/")
            if response.status_code == 404:  # a suspended studio's page is gone
                continue
            body = response.content.decode()
            record = oracle.payment_record(studio)
            self.check_record(body, record, compact=False, where=(language, studio.slug))

    def check_role_page(self, person, viewer, language, role):
        visible = oracle.role_page_visible(viewer, role)
        response = person.client.get(f"/{language}/roles/{role.pk}/")
        where = (person, language, role.pk, role.shoot.status)
        assert response.status_code == (200 if visible else 404), where
        apply = person.client.get(f"/{language}/roles/{role.pk}/apply/")
        if viewer is None:
            assert apply.status_code == 302, where  # to the sign-in page
        else:
            open_to_apply = oracle.apply_page_visible(viewer, role)
            assert (apply.status_code == 404) == (not open_to_apply), where
        if not visible:
            return
        body = response.content.decode()
        fact = oracle.fact(role.pk, self.known)
        assert f"<h1>{html.escape(fact.role.title)}</h1>" in body, where
        apply_url = f"/{language}/roles/{role.pk}/apply/"
        public_page = oracle.shoot_pages_open_to_anyone(fact.shoot)
        assert (f'href="{apply_url}"' in body) == (fact.is_open and public_page), where
        expected = oracle.json_ld(role.pk, self.known)
        scripts = JSON_LD.findall(body)
        if expected is None:
            assert not scripts, where
        else:
            served = json.loads(scripts[0])
            assert served["title"] == expected["title"], where
            assert served["datePosted"] == expected["datePosted"], where
            assert served["jobStartDate"] == expected["jobStartDate"], where
            assert served["totalJobOpenings"] == expected["totalJobOpenings"], where
            assert served["hiringOrganization"]["name"] == expected["hiringOrganization.name"]

    def check_call_sheet(self, person, viewer, language, shoot):
        visible = oracle.call_sheet_visible(viewer, shoot)
        response = person.client.get(f"/{language}/shoots/{shoot.pk}/")
        where = (person, language, shoot.pk, shoot.status)
        assert response.status_code == (200 if visible else 404), where
        if visible:
            body = response.content.decode()
            assert html.escape(shoot.title) in body, where
            for role in shoot.roles.all():
                assert html.escape(role.title) in body, where

    def check_pipelines(self, language):
        """Each shoot's pipeline as its studio's member sees it (its first page, and one
        status's), and, in turn, as staff or the other studio's member do."""
        for shoot in Shoot.objects.select_related("studio").order_by("pk"):
            expected = oracle.pipeline(shoot)
            statuses = sorted({a.status for a in expected})
            owner = self.owners[shoot.studio_id]
            other = self.people[4 if owner is self.people[3] else 3]
            for person in (owner, (other, self.people[5])[self.steps % 2]):
                viewer = person.viewer
                url = f"/{language}/studio/shoots/{shoot.pk}/applicants/"
                response = person.client.get(url)
                where = (person, language, shoot.pk)
                if not oracle.pipeline_visible(viewer, shoot):
                    assert response.status_code == 404, where
                    continue
                assert response.status_code == 200, where
                self.check_pipeline(response, expected[: oracle.PAGE_SIZE], language, where)
                # The conversations with messages they have not read (none for moderators).
                listed = UNREAD_THREADS.search(response.content.decode())
                shown = dict(UNREAD_THREAD.findall(listed.group(1))) if listed else {}
                wanted = {}
                if person is owner:
                    for application in Application.objects.filter(role__shoot=shoot):
                        new = oracle.unread(
                            application, viewer, self.seen.get((application.pk, viewer.pk), set())
                        )
                        if new:
                            wanted[str(application.pk)] = str(len(new))
                assert shown == wanted, (*where, shown, wanted)
                if statuses and person is owner:
                    status = statuses[self.steps % len(statuses)]
                    response = person.client.get(url, {"status": status})
                    wanted = [a for a in expected if a.status == status][: oracle.PAGE_SIZE]
                    self.check_pipeline(response, wanted, language, (*where, status))

    def check_threads(self, language):
        """The menu's count of unread conversations for everyone signed in; then every thread
        as one person in turn sees it (its applicant, its studio's member, the other studio's
        member, a moderator or nobody): who may read it, its messages in order with their
        senders and warnings, its status changes, the moderators' reads; a participant's read
        marks it read."""
        for person in self.people:
            viewer = person.viewer
            if viewer is None:
                continue
            response = person.client.get(f"/{language}/me/messages/")
            assert response.status_code == 200, person
            count = UNREAD_COUNT.search(response.content.decode())
            expected = oracle.unread_threads(viewer, self.seen)
            assert (int(count.group(1)) if count else 0) == expected, (person, expected)
        applications = Application.objects.select_related(
            "role__shoot__studio", "applicant"
        ).order_by("pk")
        for application in applications:
            shoot = application.role.shoot
            owner = self.owners[shoot.studio_id]
            other = self.people[4 if owner is self.people[3] else 3]
            applicant = self.person_of(application.applicant)
            readers = [applicant, owner, other, self.people[5], self.people[0]]
            person = readers[(self.steps + application.pk) % len(readers)]
            if person is None:  # an applicant who deleted their account
                continue
            viewer = person.viewer
            url = f"/{language}/applications/{application.pk}/messages/"
            response = person.client.get(url)
            where = (person, language, application.pk)
            if not oracle.thread_visible(viewer, application):
                assert response.status_code in (302, 404), where
                assert "thread-message" not in response.content.decode(), where
                continue
            assert response.status_code == 200, where
            body = response.content.decode()
            reads_as_applicant = viewer.pk == application.applicant_id
            messages = list(
                Message.objects.filter(application=application)
                .select_related("author")
                .order_by("created_at", "pk")
            )
            shown = THREAD_MESSAGE.findall(body)
            assert [int(pk) for pk, _ in shown] == [m.pk for m in messages], where
            for (_pk, article), message in zip(shown, messages, strict=True):
                at = (*where, message.pk)
                assert html.escape(message.body) in article, at
                if message.from_studio:
                    sender = shoot.studio.name
                    if message.author and not reads_as_applicant:
                        sender += f" · {message.author.display_name}"
                else:
                    sender = application.applicant.display_name
                assert f"<strong>{html.escape(sender)}</strong>" in article, at
                warns = self.warns.get(message.pk, False) and message.author_id != viewer.pk
                assert ("scam-warning" in article) == warns, at
            events = application.events.exclude(from_status=F("to_status"))
            if reads_as_applicant:
                events = events.filter(is_private=False)
            assert body.count('class="thread-event"') == events.count(), where
            reads = self.moderator_reads.get(application.pk, 0)
            moderators = MODERATOR_READS.search(body)
            assert (moderators.group(1).count("</time>") if moderators else 0) == min(reads, 20)
            assert "<!-- form fields -->" not in body, where
            if viewer.is_staff and not (reads_as_applicant or oracle.is_member(viewer, shoot)):
                self.moderator_reads[application.pk] = reads + 1
            else:
                self.seen[(application.pk, viewer.pk)] = {m.pk for m in messages}

    def check_pipeline(self, response, expected, language, where):
        body = response.content.decode()
        shown = dict(APPLICANT.findall(body))
        assert sorted(int(pk) for pk in shown) == sorted(a.pk for a in expected), where
        with translation.override(language):
            words = {
                "booked elsewhere": gettext("Booked elsewhere on these dates"),
                "days off": gettext("Marked unavailable on some shoot days"),
                "free": gettext("Free on the shoot dates"),
            }
            labels = dict(Application.Status.choices)
            labels = {value: str(label) for value, label in labels.items()}
        for applicant in expected:
            article = shown[str(applicant.pk)]
            at = (*where, applicant)
            assert f">{html.escape(applicant.name)}</h3>" in article, at
            assert f">{html.escape(labels[applicant.status])}</span>" in article, at
            for kind, text in words.items():
                assert (html.escape(text) in article) == (kind == applicant.availability), at
            record = RELIABILITY.search(article)
            if applicant.completed is None:
                assert record is None, at
            else:
                numbers = re.findall(r"\d+", record.group(1)) if record else []
                assert numbers == ([str(applicant.completed)] if applicant.completed else []), at
            assert article.count("</time>") == applicant.history, at
            notes = re.findall(
                r'class="private-note">.*?</strong> · [^:]*: (.*?)</li>', article, re.S
            )
            assert [html.unescape(n) for n in notes] == applicant.notes, at
            assert "<!-- form fields -->" not in article, at

    def check_crew_search(self, language):
        """Crew search as each studio's member sees it, with one of several searches in turn
        (and every search's second run, from the caches)."""
        today = timezone.localdate()
        searches = [
            {},
            {
                "start": (today + timedelta(days=3)).isoformat(),
                "end": (today + timedelta(days=12)).isoformat(),
            },
            {"city": "zhengzhou", "department": "lighting"},
            {"sort": "credits", "start": today.isoformat()},
        ]
        for params in (searches[self.steps % 4], searches[(self.steps + 2) % 4]):
            for studio, person in (
                (self.studio_a, self.people[3]),
                (self.studio_b, self.people[4]),
            ):
                studio.refresh_from_db()
                self.check_crew_search_as(studio, person, language, params)

    def check_crew_search_as(self, studio, person, language, params):
        expected = oracle.crew_search(studio, params)
        for _ in range(2):
            response = person.client.get(f"/{language}/studio/crew/", params)
            where = (person, language, params)
            if studio.verification_status != Studio.Verification.VERIFIED:
                assert response.status_code == 404, where
                return
            assert response.status_code == 200, where
            body = response.content.decode()
            shown = CREW_CARD.findall(body)
            assert [int(pk) for pk, _ in shown] == [f.profile.pk for f in expected], where
            counts = re.findall(r'id="crew-count">\D*(\d+)', body)
            counts += re.findall(r'href="#results">\D*(\d+)', body)  # the form's link
            assert counts == [str(len(expected))] * 2, where
            for (_, card), found in zip(shown, expected, strict=True):
                assert html.escape(found.profile.user.name) in card, where
                credits = re.findall(r"<dd>(.*?)</dd>", card, re.S)[1]  # after the cities
                numbers = re.findall(r"\d+", credits)
                assert numbers == [str(found.confirmed), str(found.listed)], (where, found)

    def check_feed_and_sitemap(self, language):
        anonymous = self.people[0].client
        for params in self.searches:
            data = query({k: v for k, v in params.items() if k != "fits_me"})
            feed = anonymous.get(f"/{language}/roles/feed/?{data.urlencode()}")
            assert feed.status_code == 200
            entries = re.findall(r"<entry>.*?/roles/(\d+)/.*?</entry>", feed.content.decode(), re.S)
            assert [int(pk) for pk in entries] == oracle.feed(data, known=self.known), params
        sitemap = anonymous.get("/sitemap.xml").content.decode()
        served = {int(pk) for pk in re.findall(r"<loc>[^<]*/roles/(\d+)/</loc>", sitemap)}
        assert served == oracle.sitemap(self.known)


STEPS = int(os.environ.get("ORACLE_STEPS", "20"))
FIXED = settings(
    max_examples=int(os.environ.get("ORACLE_EXAMPLES", "3")),
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    # ORACLE_NO_SHRINK=1 reports the first failing sequence as found (quicker, longer).
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    if os.environ.get("ORACLE_NO_SHRINK")
    else list(Phase),
)


def test_the_site_agrees_with_the_rules_fixed_seed():
    run_state_machine_as_test(Callsheet, settings=settings(FIXED, derandomize=True))


def test_the_site_agrees_with_the_rules_random():
    run_state_machine_as_test(Callsheet, settings=settings(FIXED, max_examples=1))


@pytest.mark.skipif(
    not os.environ.get("ORACLE_SECONDS"), reason="a long run: set ORACLE_SECONDS to run it"
)
def test_the_site_agrees_with_the_rules_long():
    """Random examples until ORACLE_SECONDS have passed; prints how many ran."""
    deadline = time.monotonic() + float(os.environ["ORACLE_SECONDS"])
    examples = steps = 0
    while time.monotonic() < deadline:
        run_state_machine_as_test(Callsheet, settings=settings(FIXED, max_examples=5))
        examples += 5
        steps += 5 * STEPS
    print(f"oracle: {examples} examples of up to {STEPS} steps, nothing found")


class Choose:
    """Stands for Hypothesis's ``data`` in a scripted walk: each draw takes the next value."""

    def __init__(self, *values):
        self.values = list(values)

    def draw(self, strategy):
        return self.values.pop(0)


def test_every_action_once_in_a_scripted_walk():
    """Every action of the machine at least once, in an order that reaches what random
    examples may miss (a suspended studio with published roles, a renamed studio, edits of
    every kind, a booking released), compared after each step."""
    m = Callsheet()
    try:
        check = m.the_site_agrees_with_the_rules
        check()

        def shoot(status, studio=None):
            shoots = Shoot.objects.filter(status=status).order_by("pk")
            if studio is not None:
                shoots = shoots.filter(studio=studio)
            return shoots.first()

        published = shoot("published", m.studio_a)
        pending_b = shoot("pending", m.studio_b)

        def first_listed():
            return Role.objects.filter(listed=True).order_by("start_date", "pk").first()

        def last_of(user):
            return Application.objects.filter(applicant=user).order_by("-pk").first()

        def wrap(**filters):
            return Wrap.objects.filter(**filters).order_by("pk").first()

        def team_role(second=False):
            """A listed role of a shoot that neither crew member applied to nor is booked on
            its dates and that has two openings free: the first such role, and the second
            place (another role, or the same if it has both openings)."""
            crew = [m.crew_a, m.crew_b]
            taken = Application.objects.filter(applicant__in=crew)
            booked = list(Application.objects.booked().filter(applicant__in=crew))
            for shoot in (
                Shoot.objects.filter(roles__listed=True)
                .exclude(roles__applications__in=taken)
                .distinct()
                .order_by("pk")
            ):
                if any(
                    b.booked_dates.lower <= shoot.end_date
                    and shoot.start_date < b.booked_dates.upper
                    for b in booked
                ):
                    continue
                slots = [
                    role
                    for role in shoot.roles.filter(listed=True).order_by("pk")
                    for _ in range(role.openings - role.booked_count)
                ]
                if len(slots) >= 2:
                    return slots[1] if second else slots[0]
            raise AssertionError("no shoot for the team to apply to")

        def team_sent():
            return TeamApplication.objects.filter(stage="sent").order_by("pk").first()

        steps = [
            # After the wrap: studio A's record (5 of 5 paid on time over 2 shoots) and the
            # filter of studios that pay on time, as answers, disputes and hiding change it.
            lambda: m.search({"pays_on_time": "on"}),
            lambda: m.answer_pay(Choose(wrap()), paid="partly", late=1),
            lambda: m.settle_dispute(Choose(wrap(paid="partly")), says_paid=True, confirms=False),
            lambda: m.settle_dispute(Choose(wrap(paid="partly")), says_paid=True, confirms=True),
            lambda: m.answer_pay(Choose(wrap()), paid="on_time", late=1),
            lambda: m.answer_pay(Choose(wrap(paid="on_time")), paid="late", late=9),
            lambda: m.answer_pay(Choose(wrap(paid="late")), paid="on_time", late=1),
            lambda: m.hide_from_record(Choose(wrap())),
            lambda: m.search({"q": "助理", "fits_me": "on", "sort": "start"}),
            lambda: m.review_shoot(Choose(pending_b), approve=True),
            lambda: m.moderate_studio("b", "verify", STUDIO_NAMES[1]),
            lambda: m.search({"verified": "on", "sort": "newest"}),
            lambda: m.moderate_studio("a", "rename", STUDIO_NAMES[3]),
            lambda: m.search({"q": "海潮", "city": ["hengdian", "zhengzhou"]}),
            lambda: m.moderate_studio("a", "suspend", STUDIO_NAMES[0]),
            lambda: m.moderate_studio("a", "verify", STUDIO_NAMES[0]),
            lambda: m.edit_shoot(Choose(published, "Night"), change="title"),
            lambda: m.edit_shoot(Choose(published, "gaffer"), change="synopsis"),
            lambda: m.search({"q": "gaffer", "department": ["lighting"]}),
            lambda: m.edit_shoot(Choose(published, 500, "Gaffer"), change="pay"),
            lambda: m.review_shoot(Choose(published), approve=True),
            lambda: m.edit_shoot(Choose(published, 3), change="dates"),
            lambda: m.review_shoot(Choose(published), approve=True),
            lambda: m.edit_shoot(Choose(published, "xian"), change="city"),
            lambda: m.review_shoot(Choose(published), approve=True),
            lambda: m.edit_shoot(Choose(published, "Gaffer", "sound"), change="add_role"),
            lambda: m.review_shoot(Choose(published), approve=True),
            lambda: m.edit_shoot(Choose(published, 350, "场务"), change="role_title"),
            lambda: m.edit_shoot(Choose(published, 350, "场务"), change="remove_role"),
            lambda: m.review_shoot(Choose(published), approve=True),
            lambda: m.search({"min_pay": "450", "pay_unit": "day", "sort": "pay"}),
            lambda: m.report_until_hidden(Choose(shoot("published"))),
            lambda: m.dismiss_reports(),
            lambda: m.apply(Choose(Role.objects.filter(listed=True).last()), who="crew_b"),
            # A conversation: a deposit asked for before the booking warns; after it, not.
            lambda: m.send_message(Choose(Application.objects.last()), side="studio", scam=True),
            lambda: m.move_application(Choose(Application.objects.last()), action="shortlist"),
            lambda: m.send_message(
                Choose(Application.objects.last()), side="applicant", scam=False
            ),
            lambda: m.move_application(Choose(Application.objects.last()), action="offer"),
            lambda: m.move_application(Choose(Application.objects.last()), action="accept"),
            lambda: m.send_message(Choose(Application.objects.last()), side="studio", scam=True),
            lambda: m.send_message(Choose(Application.objects.first()), side="studio", scam=False),
            lambda: m.search({"fits_me": "on", "sort": "apply_by"}),
            lambda: m.move_application(Choose(Application.objects.last()), action="release"),
            lambda: m.move_application(Choose(Application.objects.first()), action="release"),
            lambda: m.mark_unavailable("crew_a", starts_in=0, days=40),
            lambda: m.clear_unavailable(Choose(Unavailability.objects.first())),
            lambda: m.send_alerts(),
            lambda: m.end_shoot(Choose(shoot("published")), action="close"),
            lambda: m.submit_shoot(Choose(shoot("draft"))),
            lambda: m.review_shoot(Choose(shoot("pending") or shoot("published")), approve=False),
            lambda: m.post_shoot(
                "b",
                SHOOT_TITLES[3],
                "xian",
                [("Gaffer", "lighting", 3000, "project", True)],
                5,
                4,
                False,
                True,
            ),
            lambda: m.end_shoot(Choose(shoot("published", m.studio_b)), action="cancel"),
            lambda: m.search({"posted": "1", "start": "2027-03-10", "end": "2027-05-01"}),
            lambda: m.apply(Choose(first_listed()), who="crew_a"),
            lambda: m.move_application(Choose(last_of(m.crew_a)), action="offer"),
            lambda: m.move_application(Choose(last_of(m.crew_a)), action="accept"),
            # The team: declined once, then sent, offered and booked whole; one released.
            lambda: m.post_shoot(
                "a",
                SHOOT_TITLES[2],
                "hengdian",
                [
                    (ROLE_TITLES[0], "lighting", 600, "day", False),
                    (ROLE_TITLES[3], "lighting", 350, "day", True),
                ],
                60,
                5,
                True,
                True,
            ),
            lambda: m.team_applies(Choose(team_role(), team_role(second=True)), confirms=False),
            lambda: m.team_applies(Choose(team_role(), team_role(second=True)), confirms=True),
            lambda: m.team_decision(Choose(team_sent()), action="offer"),
            lambda: m.team_decision(Choose(team_sent()), action="accept"),
            lambda: m.search({"fits_me": "on"}),
            lambda: m.move_application(Choose(last_of(m.crew_b)), action="release"),
            lambda: m.time_passes(days=8),
            lambda: m.time_passes(days=20),
            # crew A's booking from the opening board has wrapped: they answer on their page.
            lambda: m.answer_pay(Choose(wrap(crew=m.crew_a)), paid="not_yet", late=1),
            lambda: m.time_passes(days=1),
            lambda: m.settle_dispute(Choose(wrap(crew=m.crew_a)), says_paid=False, confirms=True),
            lambda: m.delete_account(),
        ]
        for step in steps:
            step()
            check()
        # The walk reached what it meant to: crew A answered on their page, and a moderator
        # hid an entry from studio A's record.
        assert Wrap.objects.filter(application__applicant=m.crew_a).exclude(paid="").exists()
        assert Wrap.objects.filter(hidden_at__isnull=False).exists()
        # The team was booked whole (crew B's booking released afterwards).
        booked_team = TeamApplication.objects.get(stage="sent")
        assert {a.status for a in booked_team.sent_applications()} == {"booked", "released"}
    finally:
        m.teardown()
