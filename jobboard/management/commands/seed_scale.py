"""Seed a database at scale for benchmarks: studios, shoots, roles with realistic Chinese and
English text, crew with calendars, applications, and what crew search reads of the crew (the
departments and skills, cities they work in, credits, whether verified studios may find them,
bookings and their wraps). Bulk inserts only; repeatable with --seed. Never run it on a
database with real users."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.postgres.fields.ranges import DateRange
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Credit, CrewProfile, Studio, StudioMembership, Unavailability, User
from accounts.validators import credit_code_check_character
from applications.models import Application, ApplicationEvent, Wrap
from jobboard.storage import private_storage
from postings.choices import Department, ExperienceLevel, Genre, PaymentTiming, PayUnit
from postings.models import City, Role, Shoot

# Of the crew crew search reads, this share let verified studios find them (asked once when
# their profile is complete, off until they say yes).
FINDABLE_SHARE = 0.6

BENCH_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
ROLES_BY_DEPARTMENT = {
    Department.DIRECTING: [
        ("导演", "Director", 1200),
        ("执行导演", "Executive director", 800),
        ("副导演", "Assistant director", 500),
        ("导演助理", "Director's assistant", 300),
    ],
    Department.CAMERA: [
        ("摄影指导", "Director of photography", 1500),
        ("掌机", "Camera operator", 800),
        ("跟焦", "Focus puller", 500),
        ("摄影助理", "Camera assistant", 350),
        ("机械员", "Grip", 400),
        ("数据管理 DIT", "Data wrangler", 400),
    ],
    Department.LIGHTING: [
        ("灯光师", "Gaffer", 1000),
        ("大助", "Best boy", 500),
        ("灯光助理", "Lighting assistant", 300),
    ],
    Department.SOUND: [("录音师", "Sound mixer", 800), ("话筒员", "Boom operator", 400)],
    Department.ART: [
        ("美术指导", "Production designer", 1200),
        ("置景", "Set dresser", 400),
        ("绘景", "Scenic painter", 450),
    ],
    Department.PROPS: [("道具师", "Prop master", 600), ("现场道具", "On-set props", 350)],
    Department.COSTUME: [("服装师", "Wardrobe", 500), ("跟组服装", "On-set costumer", 350)],
    Department.HAIR_MAKEUP: [
        ("化妆师", "Make-up artist", 600),
        ("造型师", "Hair stylist", 550),
        ("特效化妆", "SFX make-up", 800),
    ],
    Department.PRODUCTION: [
        ("制片主任", "Production manager", 1000),
        ("现场制片", "On-set producer", 600),
        ("生活制片", "Crew welfare", 400),
        ("统筹", "Production coordinator", 500),
    ],
    Department.SET_OPERATIONS: [
        ("场务", "Set PA", 250),
        ("剧务", "Logistics", 300),
        ("司机", "Driver", 350),
    ],
    Department.CONTINUITY: [("场记", "Script supervisor", 400)],
    Department.STUNTS: [("动作指导", "Stunt coordinator", 1500), ("威亚师", "Wire rigger", 800)],
    Department.POST_PRODUCTION: [
        ("剪辑师", "Editor", 600),
        ("调色师", "Colourist", 700),
        ("字幕", "Subtitles", 250),
    ],
    Department.WRITING: [("编剧", "Screenwriter", 800), ("主编", "Head writer", 1200)],
}
TITLE_A = [
    "霸总",
    "重生",
    "千金",
    "战神",
    "神医",
    "逆袭",
    "闪婚",
    "替身",
    "豪门",
    "穿越",
    "复仇",
    "萌宝",
    "女帝",
    "修仙",
]
TITLE_B = [
    "归来",
    "的契约新娘",
    "不好惹",
    "驾到",
    "的秘密",
    "狂飙",
    "回来了",
    "的白月光",
    "传奇",
    "风云",
    "宠妻录",
    "今天也在装穷",
]
EN_TITLES = [
    "The CEO's Secret Bride",
    "Return of the War God",
    "Reborn to Rule",
    "The Hidden Heiress",
    "Contract Marriage",
    "Divine Doctor",
    "The Empress Returns",
    "My Billionaire Neighbour",
]
STUDIO_A = [
    "星河",
    "竖屏",
    "光年",
    "乘风",
    "橙果",
    "金鹰",
    "麦田",
    "青禾",
    "长风",
    "鲸落",
    "云上",
    "追光",
    "山海",
    "拾光",
]
STUDIO_B = ["短剧", "影业", "文化传媒", "影视", "影视工作室", "传媒"]
DESCRIPTIONS = [
    "负责现场{dept}工作，配合导演和摄影完成每日拍摄计划。竖屏短剧，节奏快，每天约{hours}小时。"
    "Works with the director and DP on a fast vertical-drama schedule, about {hours} hours a day.",
    "{dept}岗位，剧组包吃，{lodging}。要求守时、能吃苦，有短剧经验优先，新人可带。"
    "Meals on set, {lodging_en}. Punctual and hard-working; micro-drama experience a plus, newcomers trained.",
    "本组共{episodes}集，拍摄{days}天，{city}取景。{dept}需要熟悉设备，服从现场调度。"
    "{episodes} episodes over {days} days in {city_en}. Knows the kit and follows the call sheet.",
]
SYNOPSES = [
    "一场意外让她成为豪门替身新娘，却发现丈夫隐藏着惊天秘密。现代都市甜宠，竖屏{episodes}集。",
    "被逐出家门的少年三年后归来，身份揭晓，全城震动。逆袭爽剧，{episodes}集。",
    "古装宫廷权谋，女主重生回到十五岁，步步为营改写命运。{episodes}集竖屏短剧。",
]


def crew_for(roles: int) -> int:
    """How many crew a benchmark database of ``roles`` roles has: one per 5 roles (20,000 at
    100,000), 50 at least."""
    return max(50, roles // 5)


def bench_crew():
    """The crew profiles seed_scale made (not the "fresh" crew the apply benchmark signs in
    as): those given what crew search reads have ``findable_asked_at`` set."""
    return CrewProfile.objects.filter(
        user__email__startswith="crew", user__email__endswith="@bench.example"
    )


class Command(BaseCommand):
    help = (
        "Seed a benchmark database with ~--roles roles (about 500 studios per 100,000 roles, "
        "4 roles a shoot, 5 applications a role on average) and a crew member per 5 roles "
        "with calendars, cities, credits and bookings, 60% of them findable by verified "
        "studios. Bulk inserts; repeatable with --seed. Refuses to add to a database that "
        "already has roles unless --if-fewer is given, in which case it adds only what is "
        "missing: roles up to --roles, and crew up to one per 5 roles (giving crew seeded "
        "before crew search what it reads)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--roles", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--applications-per-role", type=float, default=5.0)
        parser.add_argument("--if-fewer", action="store_true")

    def handle(
        self, *args, roles: int, seed: int, applications_per_role: float, if_fewer: bool, **options
    ):
        existing = Role.objects.count()
        if existing and not if_fewer:
            self.stderr.write(
                "This database already has roles; use --if-fewer or a fresh database."
            )
            return
        wanted_crew = crew_for(roles)
        crew = bench_crew().filter(findable_asked_at__isnull=False).count()
        if existing >= roles and crew >= wanted_crew:
            self.stdout.write(f"{existing:,} roles and {crew:,} crew already: nothing to do")
            return
        start = timezone.now()
        with transaction.atomic():
            if existing < roles:
                self._seed(random.Random(seed), roles - existing, applications_per_role)
            # A random sequence of its own: the crew come out the same whether they were
            # seeded with the roles or given what crew search reads later.
            self._seed_crew(random.Random(f"{seed}-crew"), wanted_crew)
        with connection.cursor() as cursor:
            # Statistics for the planner, and (outside a transaction) the visibility map that
            # lets index-only scans skip the table, as autovacuum would leave them.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {Role.objects.count():,} roles and "
                f"{bench_crew().filter(findable_asked_at__isnull=False).count():,} crew in "
                f"{(timezone.now() - start).total_seconds():.0f}s"
            )
        )

    def _seed(self, rng: random.Random, n_roles: int, per_role: float) -> None:
        today = timezone.localdate()
        now = timezone.now()
        password = make_password("callsheet-bench")
        cities = list(City.objects.all())
        batch = 5000
        marker = User.objects.count()

        n_studios = max(5, n_roles // 200)
        owners = User.objects.bulk_create(
            [
                User(email=f"owner{marker + i}@bench.example", name=f"制片{i}", password=password)
                for i in range(n_studios)
            ],
            batch_size=batch,
        )
        studios = []
        for i in range(n_studios):
            first17 = f"9133{i + marker:06d}MA{rng.randrange(10**5):05d}"[:17]
            studios.append(
                Studio(
                    name=f"{rng.choice(STUDIO_A)}{rng.choice(STUDIO_B)}{i + marker}",
                    slug=f"bench-{i + marker}",
                    city=rng.choice(cities),
                    credit_code=first17 + credit_code_check_character(first17),
                    description="专注竖屏短剧制作，年产百部以上。A vertical-drama studio shooting every week.",
                    verification_status=Studio.Verification.VERIFIED
                    if rng.random() < 0.8
                    else Studio.Verification.PENDING,
                    verified_at=now,
                )
            )
        studios = Studio.objects.bulk_create(studios, batch_size=batch)
        StudioMembership.objects.bulk_create(
            [
                StudioMembership(user=o, studio=s, role=StudioMembership.Role.OWNER)
                for o, s in zip(owners, studios, strict=True)
            ],
            batch_size=batch,
        )

        # Every crew profile shares one small CV file: applying copies it, as in production.
        cv_name = private_storage.save("cvs/bench-cv.pdf", ContentFile(BENCH_PDF))
        profiles = self._add_crew(rng, crew_for(n_roles), cities, password, marker)
        crew = [profile.user for profile in profiles]
        departments = list(ROLES_BY_DEPARTMENT)

        shoots, plans = [], []
        remaining = n_roles
        while remaining > 0:
            size = min(remaining, rng.choice([2, 3, 4, 4, 5, 6]))
            remaining -= size
            studio = rng.choice(studios)
            city = rng.choice(cities)
            first = today + timedelta(days=rng.randrange(-30, 150))
            days = rng.randrange(5, 11)
            roll = rng.random()
            status = (
                Shoot.Status.PUBLISHED
                if roll < 0.85
                else Shoot.Status.PENDING
                if roll < 0.92
                else Shoot.Status.DRAFT
                if roll < 0.96
                else Shoot.Status.CLOSED
            )
            if first <= today and status == Shoot.Status.PUBLISHED:
                status = Shoot.Status.EXPIRED
            episodes = rng.choice([60, 80, 100])
            published_at = (
                now - timedelta(minutes=rng.randrange(0, 60 * 24 * 45))
                if status != Shoot.Status.DRAFT
                else None
            )
            title = (
                f"{rng.choice(TITLE_A)}{rng.choice(TITLE_B)}"
                if rng.random() < 0.8
                else rng.choice(EN_TITLES)
            )
            shoot = Shoot(
                studio=studio,
                title=title,
                genre=rng.choice(Genre.values),
                episodes=episodes,
                synopsis=rng.choice(SYNOPSES).format(episodes=episodes),
                city=city,
                base=f"{city.name_zh}影视基地",
                address=f"{city.name_zh}市某区影视路{rng.randrange(1, 300)}号",
                start_date=first,
                end_date=first + timedelta(days=days - 1),
                daily_hours=rng.choice([10, 12, 14]),
                meals_provided=rng.random() < 0.9,
                lodging_provided=rng.random() < 0.5,
                travel_paid=rng.random() < 0.3,
                insurance_provided=rng.random() < 0.4,
                contract_provided=rng.random() < 0.6,
                payment_timing=rng.choice(PaymentTiming.values),
                status=status,
                submitted_at=published_at,
                published_at=published_at,
            )
            shoots.append(shoot)
            plans.append(size)
        # Insert in the order they were posted (drafts last, as the newest), as a live board's
        # rows are: its table is in posting order, which the listings' newest-first walks follow.
        posted = sorted(
            zip(shoots, plans, strict=True), key=lambda pair: pair[0].published_at or now
        )
        shoots, plans = [shoot for shoot, _ in posted], [size for _, size in posted]
        shoots = Shoot.objects.bulk_create(shoots, batch_size=batch)

        roles = []
        for shoot, size in zip(shoots, plans, strict=True):
            for _ in range(size):
                department = rng.choice(departments)
                zh, en, base_rate = rng.choice(ROLES_BY_DEPARTMENT[department])
                unit = PayUnit.DAY if rng.random() < 0.85 else PayUnit.PROJECT
                pay = base_rate + rng.randrange(0, 5) * 50
                if unit == PayUnit.PROJECT:
                    pay *= shoot.days
                lodging = rng.random() < 0.5
                role = Role(
                    shoot=shoot,
                    department=department,
                    title=zh if rng.random() < 0.7 else f"{zh} {en}",
                    openings=rng.choice([1, 1, 2, 2, 3, 4]),
                    pay_unit=unit,
                    pay_min=pay,
                    pay_max=pay + 100 if rng.random() < 0.3 else None,
                    overtime_rate=rng.choice([None, 30, 50, 80]),
                    experience_level=rng.choice(ExperienceLevel.values),
                    newcomers_welcome=rng.random() < 0.35,
                    description=rng.choice(DESCRIPTIONS).format(
                        dept=Department(department).label,
                        hours=shoot.daily_hours,
                        lodging="包住宿" if lodging else "不包住宿",
                        lodging_en="lodging provided" if lodging else "no lodging",
                        episodes=shoot.episodes,
                        days=shoot.days,
                        city=shoot.city.name_zh,
                        city_en=shoot.city.name_en,
                    ),
                    requirements="守时，服从安排。Punctual, follows the call sheet.",
                    apply_by=shoot.start_date - timedelta(days=rng.randrange(0, 4)),
                    # Posted with its shoot: published when the shoot was.
                    added_at=shoot.published_at or now,
                )
                for name, value in role.copies(shoot).items():
                    setattr(role, name, value)
                roles.append(role)
        roles = Role.objects.bulk_create(roles, batch_size=batch)

        applications = []
        statuses = (
            [Application.Status.SUBMITTED] * 6
            + [Application.Status.SHORTLISTED] * 2
            + [Application.Status.REJECTED, Application.Status.WITHDRAWN]
        )
        for role in roles:
            count = min(len(crew), int(rng.expovariate(1 / per_role)))
            for user in rng.sample(crew, count):
                applications.append(
                    Application(
                        role=role,
                        applicant=user,
                        note="您好，我有两年灯光经验，档期可以。Available for the whole shoot.",
                        dates_confirmed=True,
                        consent_at=now,
                        status=rng.choice(statuses),
                    )
                )
        # One pipeline of 200 applicants for the benchmark's studio view.
        big = next(r for r in roles if r.listed)
        taken = {a.applicant_id for a in applications if a.role is big}
        for user in rng.sample(
            [u for u in crew if u.pk not in taken], min(200, len(crew) - len(taken))
        ):
            applications.append(
                Application(
                    role=big,
                    applicant=user,
                    note="想加入剧组。",
                    dates_confirmed=True,
                    consent_at=now,
                    status=Application.Status.SUBMITTED,
                )
            )
        applications = Application.objects.bulk_create(applications, batch_size=batch)
        ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(
                    application=a,
                    from_status="",
                    to_status=Application.Status.SUBMITTED,
                    actor_id=a.applicant_id,
                    created_at=now,
                )
                for a in applications
            ],
            batch_size=batch,
        )
        # Crew who have applied nowhere yet: the benchmark's apply POSTs sign in as them, 2,000
        # at least so that none goes over the limit of 10 applications a minute.
        fresh = User.objects.bulk_create(
            [
                User(email=f"fresh{marker + i}@bench.example", name=f"新人{i}", password=password)
                for i in range(max(2000, n_roles // 50))
            ],
            batch_size=batch,
        )
        CrewProfile.objects.bulk_create(
            [
                CrewProfile(
                    user=u,
                    headline="场务 · Set PA",
                    departments=[Department.SET_OPERATIONS],
                    home_city=rng.choice(cities),
                    cv=cv_name,
                    cv_name="简历.pdf",
                )
                for u in fresh
            ],
            batch_size=batch,
        )
        self.stdout.write(
            f"{len(studios):,} studios, {len(shoots):,} shoots, {len(roles):,} roles, {len(crew):,} crew, "
            f"{len(applications):,} applications"
        )

    def _add_crew(
        self, rng: random.Random, n: int, cities: list, password: str, marker: int
    ) -> list[CrewProfile]:
        """``n`` crew members with a profile and a calendar of days off."""
        batch = 5000
        today = timezone.localdate()
        users = User.objects.bulk_create(
            [
                User(
                    email=f"crew{marker + i}@bench.example", name=f"剧组人员{i}", password=password
                )
                for i in range(n)
            ],
            batch_size=batch,
        )
        departments = list(ROLES_BY_DEPARTMENT)
        profiles = CrewProfile.objects.bulk_create(
            [
                CrewProfile(
                    user=u,
                    headline="灯光助理 · Lighting assistant",
                    departments=[rng.choice(departments)],
                    home_city=rng.choice(cities),
                    experience_level=rng.choice(ExperienceLevel.values),
                    school="北京电影学院",
                    major="摄影",
                    graduation_year=rng.choice([2023, 2024, 2025, 2026]),
                    bio="热爱短剧拍摄，能吃苦。Loves set life.",
                )
                for u in users
            ],
            batch_size=batch,
        )
        busy = []
        for profile in profiles:
            for _ in range(rng.choice([0, 1, 2, 3])):
                first = today + timedelta(days=rng.randrange(-10, 120))
                busy.append(
                    Unavailability(
                        profile=profile,
                        start_date=first,
                        end_date=first + timedelta(days=rng.randrange(0, 6)),
                        note="档期已满",
                    )
                )
        Unavailability.objects.bulk_create(busy, batch_size=batch, ignore_conflicts=True)
        return profiles

    def _seed_crew(self, rng: random.Random, wanted: int) -> None:
        """Give ``wanted`` crew what crew search reads: the bench crew who do not have it yet
        first (a database seeded before crew search), new crew for the rest. Each gets the
        departments and the skill of a headline, an expected day rate, the cities they work
        in, credits, an answer to "may verified studios find me?" (yes for about 60%), a
        last sign-in, and bookings on roles they applied to (with a wrap, the studio's word
        on their work, for shoots already over)."""
        shaped = bench_crew().filter(findable_asked_at__isnull=False).count()
        if shaped >= wanted:
            return
        now = timezone.now()
        cities = list(City.objects.order_by("pk"))
        profiles = list(
            bench_crew()
            .filter(findable_asked_at__isnull=True)
            .select_related("user")
            .order_by("pk")[: wanted - shaped]
        )
        if len(profiles) < wanted - shaped:
            password = make_password("callsheet-bench")
            profiles += self._add_crew(
                rng, wanted - shaped - len(profiles), cities, password, User.objects.count()
            )
        departments = list(ROLES_BY_DEPARTMENT)
        V = CrewProfile.Visibility
        WorkCity = CrewProfile.work_cities.through
        work_cities, credits = [], []
        for profile in profiles:
            first = profile.departments[0] if profile.departments else rng.choice(departments)
            profile.departments = [first]
            if rng.random() < 0.3:
                profile.departments.append(rng.choice([d for d in departments if d != first]))
            zh, en, rate = rng.choice(ROLES_BY_DEPARTMENT[first])
            profile.headline = f"{zh} · {en}"
            profile.expected_day_rate = (
                rate + rng.randrange(-2, 5) * 50 if rng.random() < 0.8 else None
            )
            profile.visibility = (
                V.VERIFIED_STUDIOS if rng.random() < FINDABLE_SHARE else V.APPLIED_ONLY
            )
            profile.findable_asked_at = now - timedelta(days=rng.randrange(0, 90))
            profile.user.last_login = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
            for city in rng.sample(cities, rng.choice([0, 1, 1, 2, 3])):
                if city.pk != profile.home_city_id:
                    work_cities.append(WorkCity(crewprofile_id=profile.pk, city_id=city.pk))
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
                credits.append(
                    Credit(
                        profile=profile,
                        production_title=f"{rng.choice(TITLE_A)}{rng.choice(TITLE_B)}",
                        role=zh,
                        year=rng.choice([2022, 2023, 2024, 2025, 2026]),
                        studio_name=f"{rng.choice(STUDIO_A)}{rng.choice(STUDIO_B)}",
                    )
                )
        CrewProfile.objects.bulk_update(
            profiles,
            ["departments", "headline", "expected_day_rate", "visibility", "findable_asked_at"],
            batch_size=1000,
        )
        User.objects.bulk_update([p.user for p in profiles], ["last_login"], batch_size=1000)
        WorkCity.objects.bulk_create(work_cities, batch_size=5000, ignore_conflicts=True)
        Credit.objects.bulk_create(credits, batch_size=5000)
        booked = self._book(rng, [p.user_id for p in profiles], now)
        self.stdout.write(
            f"{len(profiles):,} crew given what crew search reads, "
            f"{sum(p.visibility == V.VERIFIED_STUDIOS for p in profiles):,} of them findable, "
            f"{booked:,} bookings"
        )

    def _book(self, rng: random.Random, user_ids: list[int], now) -> int:
        """Book some of these people on roles they applied to, as accepting an offer does
        (``Application.accept``): never two bookings of one person on overlapping dates, and
        at most one on a role of two openings or more, so that every role keeps an opening
        and stays listed or not as it was. A booking on a shoot already over has its wrap,
        with the studio's word on the work (mostly worked every day, a few did not show).
        Returns how many."""
        today = timezone.localdate()
        S = Application.Status
        candidates = {}
        for i in range(0, len(user_ids), 5000):
            rows = (
                Application.objects.filter(
                    applicant_id__in=user_ids[i : i + 5000],
                    status__in=[S.SUBMITTED, S.SHORTLISTED],
                    role__openings__gte=2,
                    role__booked_count=0,
                    role__shoot__status__in=Shoot.TAKING_CREW,
                )
                .order_by("pk")
                .values_list(
                    "pk",
                    "applicant_id",
                    "role_id",
                    "role__start_date",
                    "role__end_date",
                    "role__shoot_id",
                    "role__shoot__studio_id",
                    "status",
                )
            )
            for row in rows:
                candidates.setdefault(row[1], []).append(row)
        owners = dict(
            StudioMembership.objects.filter(role=StudioMembership.Role.OWNER).values_list(
                "studio_id", "user_id"
            )
        )
        taken_roles = set()
        bookings = []
        for user_id in user_ids:
            mine = candidates.get(user_id, [])
            rng.shuffle(mine)
            days = []
            for row in mine[: rng.choice([0, 0, 1, 1, 2, 3])]:
                _, _, role_id, start, end, _, _, _ = row
                if role_id in taken_roles or any(s <= end and start <= e for s, e in days):
                    continue
                taken_roles.add(role_id)
                days.append((start, end))
                bookings.append(row)
        applications, events, wraps = [], [], []
        for pk, user_id, role_id, start, end, shoot_id, studio_id, status in bookings:
            # After they applied (the seeded applications were made just now).
            offered_at = now + timedelta(minutes=rng.randrange(1, 120))
            applications.append(
                Application(
                    pk=pk,
                    status=S.BOOKED,
                    offered_at=offered_at,
                    booked_dates=DateRange(start, end, "[]"),
                )
            )
            events += [
                ApplicationEvent(
                    application_id=pk,
                    from_status=status,
                    to_status=S.OFFERED,
                    actor_id=owners.get(studio_id),
                    note="欢迎加入剧组！",
                    created_at=offered_at,
                ),
                ApplicationEvent(
                    application_id=pk,
                    from_status=S.OFFERED,
                    to_status=S.BOOKED,
                    actor_id=user_id,
                    created_at=offered_at + timedelta(minutes=rng.randrange(1, 60)),
                ),
            ]
            if end < today:
                roll = rng.random()
                wraps.append(
                    Wrap(
                        application_id=pk,
                        role_id=role_id,
                        shoot_id=shoot_id,
                        studio_id=studio_id,
                        crew_id=user_id,
                        asked_at=now - timedelta(days=(today - end).days - 1),
                        worked=Wrap.Worked.ALL_DAYS
                        if roll < 0.88
                        else Wrap.Worked.LEFT_EARLY
                        if roll < 0.93
                        else Wrap.Worked.NO_SHOW,
                        worked_at=now - timedelta(days=max((today - end).days - 3, 0)),
                    )
                )
        Application.objects.bulk_update(
            applications, ["status", "offered_at", "booked_dates"], batch_size=1000
        )
        ApplicationEvent.objects.bulk_create(events, batch_size=5000)
        roles = sorted(taken_roles)
        for i in range(0, len(roles), 5000):
            # The copy of the count of its bookings (Role.booked_count): one each; every one
            # of these roles has another opening, so ``listed`` stays as it was.
            Role.objects.filter(pk__in=roles[i : i + 5000]).update(booked_count=1)
        Wrap.objects.bulk_create(wraps, batch_size=5000)
        return len(bookings)
