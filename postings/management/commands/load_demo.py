from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.validators import credit_code_check_character
from applications.demo import (
    add_conversations,
    add_findable_crew_and_an_invitation,
    add_team_with_pending_application,
    add_wrapped_shoots,
)
from postings.demo_extras import add_applications_and_report

DEMO_PASSWORD = "callsheet-demo"  # noqa: S105 - printed on purpose: demo data only

# slug, name, city, verification, description, owner (email, name), recruiter (email, name)
STUDIOS = [
    (
        "xinghe",
        "星河短剧 Xinghe Shorts",
        "hengdian",
        "verified",
        "横店古装竖屏短剧出品方，每周开机 2–3 个剧组。Period micro-dramas shot in Hengdian.",
        ("owner@xinghe.example", "陈制片 Chen"),
        ("recruiter@xinghe.example", "赵统筹 Zhao"),
    ),
    (
        "zhoutu",
        "宙途文化 Zhoutu Culture",
        "zhengzhou",
        "verified",
        "郑州现代都市题材短剧，10+ 剧组并行，核心主创自有，灯光道具化妆外聘。",
        ("owner@zhoutu.example", "王总 Wang"),
        ("recruiter@zhoutu.example", "李统筹 Li"),
    ),
    (
        "changan",
        "长安竖屏 Chang'an Vertical",
        "xian",
        "verified",
        "西安承制团队，拍摄与后期一体。Contract production and post in Xi'an.",
        ("owner@changan.example", "刘导 Liu"),
        ("recruiter@changan.example", "周制片 Zhou"),
    ),
    (
        "songjiang",
        "仓城影业 Cangcheng Pictures",
        "shanghai",
        "verified",
        "上海松江仓城影视园区，出海短剧与都市剧。Overseas-market dramas from Songjiang.",
        ("owner@cangcheng.example", "吴总 Wu"),
        ("recruiter@cangcheng.example", "郑统筹 Zheng"),
    ),
    (
        "shudian",
        "北京竖店工作室 Beijing Shudian Studio",
        "beijing",
        "verified",
        "崔各庄“北京竖店”基地常驻剧组。Resident crews at the Cuigezhuang base.",
        ("owner@shudian.example", "孙制片 Sun"),
        ("recruiter@shudian.example", "钱副导 Qian"),
    ),
    (
        "malan",
        "马栏山短剧 Malanshan Shorts",
        "changsha",
        "pending",
        "长沙铜官窑竖店新团队，认证审核中。New team at the Tongguanyao base.",
        ("owner@malan.example", "何总 He"),
        ("recruiter@malan.example", "罗统筹 Luo"),
    ),
    (
        "xiangshan-sea",
        "海潮影视 Haichao Film",
        "xiangshan",
        "unverified",
        "象山影视城古装与民国戏。Costume and Republican-era dramas in Xiangshan.",
        ("owner@haichao.example", "林总 Lin"),
        ("recruiter@haichao.example", "许统筹 Xu"),
    ),
    (
        "dongguan-light",
        "莞影短剧 Guanying Shorts",
        "dongguan",
        "pending",
        "东莞基地都市逆袭题材。Comeback stories shot at the Dongguan base.",
        ("owner@guanying.example", "黄总 Huang"),
        ("recruiter@guanying.example", "梁统筹 Liang"),
    ),
]

# title, genre, episodes, synopsis
STORIES = [
    (
        "闪婚后，霸总每天都在追我",
        "romance",
        80,
        "现代都市甜宠：契约闪婚的女主与冷面总裁。A contract marriage turns sweet.",
    ),
    (
        "重生之嫡女归来",
        "costume",
        100,
        "古装宫斗复仇，横店明清宫苑实景拍摄。A wronged daughter returns for revenge.",
    ),
    (
        "战神赘婿",
        "revenge",
        90,
        "都市逆袭：隐藏身份的赘婿一朝翻身。A hidden war hero stops hiding.",
    ),
    (
        "我在民国开饭馆",
        "costume",
        60,
        "民国年代轻喜剧，象山影视城民国街。Comedy in a Republican-era eatery.",
    ),
    ("午夜来电", "thriller", 50, "悬疑短剧，夜戏为主。A suspense story shot mostly at night."),
    ("奶奶的菜园", "family", 40, "温情家庭剧，乡村外景。A warm family drama on a village farm."),
    (
        "天降萌宝：总裁爹地请签收",
        "romance",
        80,
        "萌宝甜宠，需儿童演员配合。A cute-kid romance; child actors on set.",
    ),
    (
        "修仙从扫地开始",
        "fantasy",
        100,
        "玄幻修仙，绿幕与威亚较多。Fantasy with green screen and wire work.",
    ),
    (
        "逆袭吧，外卖小哥",
        "revenge",
        70,
        "都市逆袭，街景外拍多。A delivery rider's comeback; many street scenes.",
    ),
    (
        "总裁的白月光回来了",
        "romance",
        80,
        "都市情感，写字楼与别墅实景。Office and villa locations.",
    ),
]

# department, title, pay unit, pay, pay max, newcomers, description
ROLE_SETS = [
    [
        (
            "lighting",
            "灯光助理（小助）Lighting assistant",
            "day",
            350,
            None,
            True,
            "跟灯光师布光、搬灯、拉线。Rig lamps and cables with the gaffer.",
        ),
        (
            "camera",
            "摄影助理 Camera assistant",
            "day",
            450,
            550,
            False,
            "负责换镜头、电池与素材卡。Lenses, batteries and cards.",
        ),
        (
            "costume",
            "跟组服装 On-set costumer",
            "day",
            380,
            None,
            True,
            "现场服装管理与换装。Dress the cast and keep continuity.",
        ),
    ],
    [
        (
            "hair_makeup",
            "化妆师 Make-up artist",
            "day",
            600,
            800,
            False,
            "古装妆面与发型，需自带化妆工具。Period make-up and hair; bring your own kit.",
        ),
        (
            "props",
            "现场道具 On-set props",
            "day",
            400,
            None,
            True,
            "现场道具摆放与保管。Place and keep the props on set.",
        ),
        (
            "set_operations",
            "场务 Set PA",
            "day",
            300,
            None,
            True,
            "现场秩序、搬运与后勤。Keep the set running.",
        ),
        (
            "continuity",
            "场记 Script supervisor",
            "project",
            3500,
            None,
            False,
            "记录每条镜头与连戏。Log takes and continuity.",
        ),
    ],
    [
        (
            "sound",
            "录音师 Sound mixer",
            "day",
            800,
            1000,
            False,
            "同期录音，需自带录音设备。Production sound; own kit preferred.",
        ),
        (
            "lighting",
            "灯光师 Gaffer",
            "day",
            1000,
            1200,
            False,
            "带两名助理完成布光。Lead two assistants.",
        ),
        (
            "production",
            "生活制片 Crew welfare",
            "project",
            4000,
            None,
            False,
            "负责剧组餐饮与住宿安排。Meals and lodging for the crew.",
        ),
    ],
    [
        (
            "directing",
            "执行导演 Executive director",
            "day",
            1200,
            1500,
            False,
            "现场调度与进度把控。Run the floor and keep the schedule.",
        ),
        (
            "post_production",
            "剪辑师 Editor",
            "project",
            8000,
            None,
            False,
            "拍摄结束后 10 天内交初剪。First cut within 10 days of wrap.",
        ),
        ("art", "置景 Set dresser", "day", 450, None, True, "搭景与陈设。Build and dress sets."),
    ],
    [
        (
            "stunts",
            "威亚师 Wire rigger",
            "day",
            900,
            None,
            False,
            "玄幻打戏威亚操作，需有经验。Wire work for fight scenes.",
        ),
        (
            "camera",
            "跟焦员 Focus puller",
            "day",
            600,
            None,
            False,
            "大光圈跟焦经验优先。Wide-aperture experience preferred.",
        ),
        (
            "lighting",
            "灯光大助 Best boy",
            "day",
            600,
            None,
            False,
            "协助灯光师管理灯光组。Run the lighting crew with the gaffer.",
        ),
        (
            "costume",
            "服装助理 Costume assistant",
            "day",
            320,
            None,
            True,
            "熨烫、整理服装。Iron and sort costumes.",
        ),
    ],
]

CREW = [
    (
        "grad@callsheet.example",
        "李小灯 Li Xiaodeng",
        ["lighting", "camera"],
        "hengdian",
        "newcomer",
        "浙江传媒学院",
        "摄影",
        2026,
        "灯光助理，应届毕业生 · Lighting assistant, new graduate",
    ),
    (
        "makeup@callsheet.example",
        "王美妆 Wang Meizhuang",
        ["hair_makeup"],
        "zhengzhou",
        "assistant",
        "河南艺术职业学院",
        "人物形象设计",
        2024,
        "化妆师，两年跟组经验 · Make-up artist, 2 years on set",
    ),
    (
        "sound@callsheet.example",
        "张录音 Zhang Luyin",
        ["sound", "post_production"],
        "xian",
        "experienced",
        "西北大学",
        "录音艺术",
        2020,
        "录音师，自带设备 · Sound mixer with own kit",
    ),
]


def credit_code(n: int) -> str:
    first17 = f"9133{n:04d}MA{n:07d}"
    return first17 + credit_code_check_character(first17)


class Command(BaseCommand):
    help = (
        "Load the demo board (idempotent: rows are matched by natural keys, so running it again "
        "adds nothing twice) and print a login for each persona. Never run it in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password of every demo user")

    def user(self, email, name, password, **flags):
        User = get_user_model()
        user, created = User.objects.get_or_create(email=email, defaults={"name": name, **flags})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        self.logins.append((email, name))
        return user

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        from accounts.models import CrewProfile, Studio, StudioMembership, Unavailability
        from postings.models import City, Role, Shoot

        self.logins = []
        moderator = self.user(
            "moderator@callsheet.example",
            "Mo Deration 莫审核",
            password,
            is_staff=True,
            is_superuser=True,
        )
        today = timezone.localdate()
        cities = {city.slug: city for city in City.objects.all()}

        studios = []
        for n, (slug, name, city, status, description, owner, recruiter) in enumerate(STUDIOS, 1):
            studio, _created = Studio.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "city": cities[city],
                    "description": description,
                    "credit_code": credit_code(n),
                    "verification_status": status,
                    "verified_by": moderator if status == "verified" else None,
                    "verified_at": timezone.now() if status == "verified" else None,
                },
            )
            for (email, person), role in ((owner, "owner"), (recruiter, "recruiter")):
                user = self.user(email, person, password)
                StudioMembership.objects.get_or_create(
                    user=user, studio=studio, defaults={"role": role}
                )
            studios.append(studio)

        for email, name, departments, city, level, school, major, year, headline in CREW:
            user = self.user(email, name, password)
            profile, created = CrewProfile.objects.get_or_create(
                user=user,
                defaults={
                    "headline": headline,
                    "departments": departments,
                    "home_city": cities[city],
                    "experience_level": level,
                    "school": school,
                    "major": major,
                    "graduation_year": year,
                    "bio": "愿意跟组出差，能熬大夜。Happy to travel and work nights.",
                    "expected_day_rate": 400,
                },
            )
            if created:
                profile.work_cities.set([cities[city], cities["hengdian"]])
                Unavailability.objects.create(
                    profile=profile,
                    start_date=today + timedelta(days=25),
                    end_date=today + timedelta(days=31),
                    note="已接别的组 · booked elsewhere",
                )

        shoots = self.shoots(studios, cities, today, Shoot, Role)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {len(studios)} studios, {shoots} shoots, "
                f"{Role.objects.listed().count()} roles open. Logins (password: {password}):"
            )
        )
        for email, name in self.logins:
            self.stdout.write(f"  {email:<36} {name}")
        add_applications_and_report(self.stdout)
        add_wrapped_shoots(self.stdout, password)
        add_findable_crew_and_an_invitation(self.stdout)
        add_team_with_pending_application(self.stdout, password)
        add_conversations(self.stdout)

    def shoots(self, studios, cities, today, Shoot, Role) -> int:
        """26 shoots: most published, some waiting for review (one with fee flags), some
        drafts, one closed, across the studios, hubs and the coming weeks."""
        count = 0
        for n in range(26):
            studio = studios[n % len(studios)]
            title, genre, episodes, synopsis = STORIES[n % len(STORIES)]
            if n >= len(STORIES):
                title = f"{title}（第{n // len(STORIES) + 1}部）"
            start = today + timedelta(days=5 + (n * 3) % 40)
            days = 5 + n % 6
            plan = "draft" if n % 9 == 8 else "closed" if n == 5 else "submit"
            flagged = n == 13
            shoot, created = Shoot.objects.get_or_create(
                studio=studio,
                title=title,
                defaults={
                    "genre": genre,
                    "episodes": episodes,
                    "synopsis": synopsis
                    + (" 进组需先交服装押金 300 元，详情加微信。" if flagged else ""),
                    "city": studio.city,
                    "base": {
                        "hengdian": "横店影视城 明清宫苑",
                        "zhengzhou": "聚美空港竖屏电影基地",
                        "xian": "西安 曲江影视基地",
                        "shanghai": "松江 仓城影视园区",
                        "beijing": "崔各庄 北京竖店",
                        "changsha": "铜官窑竖店",
                        "xiangshan": "象山影视城 民国街",
                        "dongguan": "东莞 松山湖基地",
                    }.get(studio.city.slug, ""),
                    "address": "开机前发给已确认的组员 · sent to booked crew",
                    "start_date": start,
                    "end_date": start + timedelta(days=days - 1),
                    "daily_hours": 12 if n % 3 else 14,
                    "meals_provided": True,
                    "lodging_provided": n % 2 == 0,
                    "travel_paid": n % 4 == 0,
                    "insurance_provided": n % 3 == 0,
                    "contract_provided": n % 3 != 2,
                    "payment_timing": ["on_wrap", "same_day", "weekly", "after_wrap"][n % 4],
                    "payment_days": 15 if n % 4 == 3 else None,
                    "conditions_note": "超时按小时另计。Overtime paid by the hour.",
                },
            )
            count += 1
            if not created:
                continue
            for dept, role_title, unit, pay, pay_max, newcomers, description in ROLE_SETS[
                n % len(ROLE_SETS)
            ]:
                Role.objects.create(
                    shoot=shoot,
                    department=dept,
                    title=role_title,
                    openings=1 + (n + len(role_title)) % 3,
                    pay_unit=unit,
                    pay_min=pay,
                    pay_max=pay_max,
                    overtime_rate=50 if unit == "day" else None,
                    experience_level="newcomer" if newcomers else "assistant",
                    newcomers_welcome=newcomers,
                    description=description,
                    requirements="能适应大夜戏，服从现场安排。Night shoots; follow the AD's calls.",
                    apply_by=start - timedelta(days=1 + n % 3),
                )
            if plan in {"submit", "closed"}:
                shoot.submit()
                if plan == "closed" and shoot.status == Shoot.Status.PUBLISHED:
                    shoot.close()
        return count
