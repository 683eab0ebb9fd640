"""Time ``send_alerts`` over many due alerts on a seeded database.

    python benchmarks/alerts.py                          # 10,000 alerts over 100,000 roles
    python benchmarks/alerts.py --alerts 1000 --roles 10000

It uses its own database (``callsheet_alertbench`` on the embedded server unless
BENCH_DATABASE_URL is set), seeds roles with ``manage.py seed_scale`` when it holds fewer than
asked, replaces every alert with --alerts "as soon as possible" alerts of seeded crew members
(varied searches: departments, cities, minimum pay, keywords, "fits my availability") whose
last email was --days (default 1) ago, so that window of roles is new to them, then runs
``send_alerts`` once with production settings (emails are queued as database tasks, as in
production; the worker renders and sends them later) and prints the time. A second run right
after measures the alerts that found nothing, which are checked again at every run (those
that sent wait 15 minutes). Results are appended to benchmarks/RESULTS.md under "Alerts"
unless --no-record.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import bench_database_url, manage, record, server_env  # noqa: E402

QUERIES = [
    "department=lighting",
    "department=camera&city=hengdian",
    "department=sound&department=art",
    "city=hengdian&min_pay=400",
    "q=灯光",
    "q=gaffer&city=hengdian",
    "department=lighting&fits_me=on",
    "department=costume&newcomers=on",
    "min_pay=800&verified=on",
    "city=xiangshan&department=props&fits_me=on",
]


def create_alerts(count: int, days: int = 1) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import CrewProfile
    from postings.models import SavedSearch

    rng = random.Random(2026)
    SavedSearch.objects.all().delete()
    users = list(CrewProfile.objects.values_list("user_id", flat=True).order_by("pk")[:count])
    day_ago = timezone.now() - timedelta(days=days)
    SavedSearch.objects.bulk_create(
        [
            SavedSearch(
                user_id=users[i % len(users)],
                name=f"提醒 {i}",
                query=rng.choice(QUERIES),
                checked_at=day_ago,
                last_sent_at=day_ago,
                last_matched_at=day_ago,
                created_at=day_ago,
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    # created_at is auto_now_add: set it back so the last day's roles are new to every alert.
    SavedSearch.objects.update(created_at=day_ago)


def timed_send() -> tuple[float, str]:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command("send_alerts", stdout=out)
    return time.perf_counter() - start, out.getvalue().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument(
        "--days", type=int, default=1, help="days since each alert's last email (its window)"
    )
    parser.add_argument("--database", default="callsheet_alertbench")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    options = parser.parse_args()

    env = server_env(bench_database_url(options.database), port=0)
    manage(env, "migrate", "--noinput", "--verbosity=0")
    manage(env, "createcachetable")
    manage(env, "seed_scale", "--roles", str(options.roles), "--if-fewer")

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobboard.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from postings.models import Role, SavedSearch

    create_alerts(options.alerts, options.days)
    listed = Role.objects.listed().count()
    due_seconds, due_output = timed_send()
    idle_seconds, idle_output = timed_send()
    found = SavedSearch.objects.with_found_count().filter(found_count__gt=0).count()

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    command = (
        f"python benchmarks/alerts.py --alerts {options.alerts} --roles {options.roles} "
        f"--days {options.days}"
    )
    report = (
        f"\n## Alerts\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit} (plus the "
        f"working tree), `{command}`\n\n"
        f"- {options.alerts:,} due alerts over {Role.objects.count():,} roles "
        f"({listed:,} listed): **{due_seconds:.1f} s**, "
        f"{due_seconds / options.alerts * 1000:.2f} ms per alert; {found:,} alerts found roles. "
        f"`{due_output}`\n"
        f"- A second run right after (only the alerts that found nothing are due again; the "
        f"others wait 15 minutes): {idle_seconds:.2f} s. `{idle_output}`\n"
    )
    print(report)
    if not options.no_record:
        record(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
