"""The demo's "after the wrap": shoots that wrapped weeks ago, their bookings and answers. A
studio with a good payment record (星河 Xinghe: everyone paid on time), one with a poor
record and open disputes (宙途 Zhoutu), a graduate with a confirmed credit and a payment
question waiting, and enough wrapped lighting bookings in Hengdian for a pay median.

Everything goes through the model's transitions: shoots are posted, published and booked
with dates ahead (as studios do), then moved into the past as time would have moved them,
and ``Wrap.ask_wrapped`` asks the crew. Idempotent: once the demo has wraps it adds none."""

from __future__ import annotations

import io
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import CrewProfile, Studio
from applications.models import Application, Wrap
from postings.models import City, Role, Shoot

# studio, title, city, started (days ago), days, pay a day, [(crew email, paid, days late,
# worked)]. "grad@callsheet.example" leaves the second Xinghe shoot unanswered: the question
# waits on their "My applications".
WRAPPED = [
    (
        "xinghe",
        "锦衣夜行（已杀青）",
        "hengdian",
        40,
        6,
        350,
        [("grad@callsheet.example", "on_time", None, "all_days")]
        + [(f"crew{n:02d}@callsheet.example", "on_time", None, "all_days") for n in range(1, 6)],
    ),
    (
        "xinghe",
        "凤鸣九天（已杀青）",
        "hengdian",
        14,
        5,
        380,
        [("grad@callsheet.example", "", None, "all_days")]
        + [(f"crew{n:02d}@callsheet.example", "on_time", None, "all_days") for n in range(6, 11)],
    ),
    (
        "zhoutu",
        "总裁的契约前妻（已杀青）",
        "zhengzhou",
        34,
        5,
        300,
        [
            ("crew11@callsheet.example", "on_time", None, "all_days"),
            ("crew12@callsheet.example", "late", 12, "all_days"),
            ("crew13@callsheet.example", "partly", None, "all_days"),
        ],
    ),
    (
        "zhoutu",
        "闪婚后大佬每天都在掉马（已杀青）",
        "zhengzhou",
        24,
        5,
        300,
        [
            ("crew14@callsheet.example", "late", 20, "all_days"),
            ("crew15@callsheet.example", "not_yet", None, "left_early"),
            ("crew16@callsheet.example", "on_time", None, "no_show"),
        ],
    ),
]


def add_wrapped_shoots(stdout, password: str) -> int:
    """Add the wrapped shoots; return how many bookings were asked about."""
    if Wrap.objects.exists():
        return 0
    User = get_user_model()
    cities = {city.slug: city for city in City.objects.all()}
    today = timezone.localdate()
    for slug, title, city, started, days, pay, crew in WRAPPED:
        studio = Studio.objects.get(slug=slug)
        member = studio.memberships.select_related("user").order_by("pk").first().user
        with transaction.atomic():
            # Posted and booked with dates ahead, as the studio did at the time.
            ahead = today + timedelta(days=70)
            shoot = Shoot.objects.create(
                studio=studio,
                title=title,
                genre="modern",
                episodes=80,
                synopsis="已杀青的剧组。A shoot that has wrapped.",
                city=cities[city],
                start_date=ahead,
                end_date=ahead + timedelta(days=days - 1),
                payment_timing="on_wrap",
            )
            role = Role.objects.create(
                shoot=shoot,
                department="lighting",
                title="灯光助理",
                openings=len(crew),
                pay_min=pay,
                apply_by=ahead - timedelta(days=2),
            )
            shoot.submit()
            for email, *_answers in crew:
                person = User.objects.filter(email=email).first()
                if person is None:
                    person = User.objects.create_user(
                        email=email, password=password, name=f"灯光助理 {email[4:6]}"
                    )
                    EmailAddress.objects.create(
                        user=person, email=email, verified=True, primary=True
                    )
                    CrewProfile.objects.create(
                        user=person,
                        headline="灯光助理 · Lighting assistant",
                        departments=["lighting"],
                        home_city=cities[city],
                        experience_level="assistant",
                    )
                application = Application.submit(
                    role=role,
                    applicant=person,
                    note="",
                    cv="",
                    cv_name="",
                    dates_confirmed=True,
                )
                application.offer(by=member)
                application.accept(by=person)
            # Then time passed: the shoot ran ``started`` days ago and wrapped.
            start = today - timedelta(days=started)
            Role.objects.filter(shoot=shoot).update(apply_by=start - timedelta(days=2))
            Shoot.objects.filter(pk=shoot.pk).update(
                start_date=start, end_date=start + timedelta(days=days - 1)
            )
            shoot.sync_roles()
    call_command("close_expired_shoots", stdout=io.StringIO())
    Wrap.ask_wrapped(today)
    answers = {
        (title, email): (paid, late, worked)
        for _slug, title, *_rest, crew in WRAPPED
        for email, paid, late, worked in crew
    }
    asked = 0
    for wrap in Wrap.objects.select_related("shoot", "crew", "studio").order_by("pk"):
        paid, late, worked = answers[(wrap.shoot.title, wrap.crew.email)]
        member = wrap.studio.memberships.select_related("user").order_by("pk").first().user
        wrap.confirm_work(by=member, worked=worked)
        if paid:
            wrap.answer(by=wrap.crew, paid=paid, days_late=late, day_hours=12)
        if worked == "no_show":
            wrap.reply(by=wrap.crew, text="开机前一天剧组改了集合地点，没有通知到我。")
        asked += 1
    Wrap.open_due_disputes(today)
    stdout.write(f"After the wrap: {asked} wrapped bookings, with answers and disputes.")
    return asked


def add_findable_crew_and_an_invitation(stdout) -> int:
    """Crew who let verified studios find them (the graduate, the demo's experienced crew
    and the wrapped shoots' lighting assistants), and an open invitation to apply from
    星河 Xinghe to the graduate. Idempotent."""
    from applications.models import RoleInvitation

    findable = CrewProfile.objects.filter(user__email__endswith="@callsheet.example")
    findable.update(
        visibility=CrewProfile.Visibility.VERIFIED_STUDIOS, findable_asked_at=timezone.now()
    )
    if RoleInvitation.objects.exists():
        return findable.count()
    User = get_user_model()
    graduate = User.objects.filter(email="grad@callsheet.example").first()
    studio = Studio.objects.filter(slug="xinghe").first()
    if graduate is None or studio is None:
        return findable.count()
    member = studio.memberships.select_related("user").order_by("pk").first().user
    applied = Application.objects.filter(applicant=graduate).values("role")
    role = (
        Role.objects.listed()
        .filter(shoot__studio=studio)
        .exclude(pk__in=applied)
        .order_by("start_date", "pk")
        .first()
    )
    if role is not None:
        RoleInvitation.send(
            role=role,
            crew=graduate,
            by=member,
            message="看了你在《锦衣夜行》的认证履历，这个组也缺灯光，欢迎来。"
            " We saw your confirmed credit: come and light this one too.",
        )
        stdout.write(f"An invitation to apply: {studio.name} → {graduate.email} ({role.title}).")
    return findable.count()


def add_team_with_pending_application(stdout, password: str) -> None:
    """A gaffer's team (王灯光 Wang Dengguang, with two of the wrapped shoots' lighting
    assistants and the graduate): its application to 星河 Xinghe's shoot with the most
    lighting openings is with the studio (sent: offer it, and the head books everyone), and
    one to another studio's shoot waits for the graduate to confirm their place. Idempotent."""
    from applications.models import CrewTeam, TeamApplication

    User = get_user_model()
    if CrewTeam.objects.exists():
        return
    people = {u.email: u for u in User.objects.filter(email__endswith="@callsheet.example")}
    crew = [people.get(e) for e in ("crew01@callsheet.example", "crew02@callsheet.example")]
    graduate = people.get("grad@callsheet.example")
    if graduate is None or None in crew:
        return
    head, created = User.objects.get_or_create(
        email="gaffer@callsheet.example",
        defaults={"name": "王灯光 Wang Dengguang", "preferred_language": "zh-hans"},
    )
    if created:
        head.set_password(password)
        head.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=head, email=head.email, defaults={"verified": True, "primary": True}
        )
    CrewProfile.objects.get_or_create(
        user=head,
        defaults={
            "headline": "灯光师，带组八年 · Gaffer, eight years leading a lighting unit",
            "departments": ["lighting"],
            "home_city": City.objects.get(slug="hengdian"),
            "experience_level": "experienced",
            "expected_day_rate": 800,
            "visibility": CrewProfile.Visibility.VERIFIED_STUDIOS,
            "findable_asked_at": timezone.now(),
        },
    )
    with transaction.atomic():
        team = CrewTeam.objects.create(head=head, name="王灯光组 · Wang's lighting unit")
        for person in (*crew, graduate):
            team.invite(email=person.email, by=head).accept(person)

    def lighting(studio_filter):
        """The listed shoot of those studios with the most lighting openings, and its
        lighting roles with their openings free."""
        roles = (
            Role.objects.listed()
            .filter(department="lighting", **studio_filter)
            .select_related("shoot")
            .order_by("shoot_id", "pk")
        )
        by_shoot: dict = {}
        for role in roles:
            by_shoot.setdefault(role.shoot, []).extend([role] * (role.openings - role.booked_count))
        if not by_shoot:
            return None, []
        shoot = max(by_shoot, key=lambda s: (len(by_shoot[s]), -s.pk))
        return shoot, by_shoot[shoot]

    shoot, slots = lighting({"shoot__studio__slug": "xinghe"})
    if shoot is not None and len(slots) >= 2:
        places = dict(zip([head, *crew], slots, strict=False))
        team_application = TeamApplication.start(
            team=team,
            shoot=shoot,
            by=head,
            places=places,
            note="我们三人合作过十几部短剧，自带两套灯具。"
            " We have lit a dozen shoots together and bring two lighting kits.",
        )
        for person in crew:
            if person in places:
                team_application.confirm(by=person, dates_confirmed=True)
        stdout.write(
            f"A team's application: {team.name} → {shoot.title} ({len(places)} places, "
            f"with the studio). Head: {head.email}"
        )
    other, slots = lighting({"shoot__studio__slug__in": ["shudian", "songjiang", "changan"]})
    if other is not None and len(slots) >= 2:
        TeamApplication.start(
            team=team,
            shoot=other,
            by=head,
            places={head: slots[0], graduate: slots[1]},
            note="灯光师与灯光助理，一起到组。 A gaffer and an assistant, arriving together.",
        )
        stdout.write(f"A team's application waits for {graduate.email} to confirm: {other.title}.")


def add_conversations(stdout) -> None:
    """Conversations in several states: 星河 Xinghe asks the graduate a question and gets an
    answer; 宙途 Zhoutu asks the make-up artist for a "costume deposit" and a WeChat chat
    before any booking (flagged: the warning, and the moderators' queue); the graduate's
    booking with 宙途 shows both sides' contacts; a turned-down application's thread is
    read-only. Idempotent."""
    from applications.models import Message

    if Message.objects.exists():
        return
    User = get_user_model()
    graduate = User.objects.filter(email="grad@callsheet.example").first()
    makeup = User.objects.filter(email="makeup@callsheet.example").first()
    if graduate is None or makeup is None:
        return
    CrewProfile.objects.filter(user=graduate).update(wechat_id="lixiaodeng_2026")
    User.objects.filter(pk=graduate.pk, phone="").update(phone="13900000001")
    graduate.refresh_from_db()

    def member_of(slug):
        studio = Studio.objects.filter(slug=slug).first()
        return studio.memberships.select_related("user").order_by("pk").first().user

    mine = Application.objects.filter(applicant=graduate).select_related("role__shoot__studio")
    asked = mine.filter(status="submitted", role__shoot__studio__slug="xinghe").first()
    if asked is not None:
        Message.send(
            application=asked,
            by=member_of("xinghe"),
            body="你好！看到你是应届生，跟过灯光组吗？12号能提前一天到横店吗？"
            " Hi! Have you worked in a lighting crew, and can you arrive a day early?",
        )
        Message.send(
            application=asked,
            by=graduate,
            body="跟过两部毕业作品的灯光组，11号可以到。"
            " I lit two graduation films, and I can arrive on the 11th.",
        )
    booked = mine.filter(status="booked", role__end_date__gte=timezone.localdate()).first()
    if booked is not None:
        Message.send(
            application=booked,
            by=member_of(booked.role.shoot.studio.slug),
            body="开机当天早上7点在影视城南门集合，带好身份证。"
            " Day one: 7:00 at the south gate of the studio city; bring your ID card.",
        )
    turned_down = mine.filter(status="rejected").first()
    if turned_down is not None:
        # Written before the studio turned it down (the thread is read-only now).
        rejected_at = turned_down.events.filter(to_status="rejected").first().created_at
        Message.objects.create(
            application=turned_down,
            author=graduate,
            from_studio=False,
            body="请问还在招人吗？我下周都有空。 Still hiring? I am free all next week.",
            created_at=rejected_at - timedelta(hours=3),
        )
    zhoutu = Role.objects.listed().filter(shoot__studio__slug="zhoutu").order_by("pk")
    role = zhoutu.exclude(applications__applicant=makeup).first()
    if role is not None:
        application = Application.submit(
            role=role,
            applicant=makeup,
            note="两年跟组化妆经验。",
            cv="",
            cv_name="",
            dates_confirmed=True,
        )
        Message.send(
            application=application,
            by=member_of("zhoutu"),
            body="入组前需要先交300元服装押金，加我微信 zt_casting 详谈。"
            " Before joining, pay a 300 yuan costume deposit; add me on WeChat to talk.",
        )
        stdout.write(
            f"Conversations: a flagged deposit request from 宙途 to {makeup.email} "
            f"({role.title}), and the graduate's threads."
        )
