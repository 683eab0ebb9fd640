"""A bounded mixed load against gunicorn with production settings on loopback.

    python benchmarks/load.py --roles 5000 --duration 120            # 2 minutes
    python benchmarks/load.py --roles 5000 --soak                    # 10 minutes, DB restart
    python benchmarks/load.py --roles 5000 --duration 120 --restart  # 2 minutes, DB restart

Reads (role list, search, role detail, call sheet) and writes (apply; shortlist, private note
and reject in a studio's pipeline) are mixed 80/20 by client threads that each keep one request
in flight, paced to ``--rate`` requests per second in total. It runs on its own embedded
PostgreSQL server (var/load-pg) so that stopping it never touches anyone else's database,
seeds it with ``manage.py seed_scale``, and reports requests/s, p50/p95/p99 per kind and the
errors: 5xx, socket errors and other unexpected statuses. ``--soak`` runs 10 minutes and stops
the database in the middle for ``--outage`` seconds, then measures the error window: from the
first failed request to the last one after the database is back.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import PYTHON, RESULTS, ROOT, free_port, git_commit, manage, server_env

PGDATA = ROOT / "var" / "load-pg"
READS = {"list": 30, "search": 25, "detail": 25}
WRITES = {"apply": 10, "pipeline": 10}


def targets() -> dict:
    """Run inside the benchmark environment: paths, sessions and ids from the seeded data."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobboard.settings")
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import timezone, translation

    from accounts.models import StudioMembership, User
    from applications.models import Application
    from benchmarks.targets import CSRF, session_cookie
    from postings.models import Role

    translation.activate("zh-hans")
    listed = Role.objects.listed().order_by("-published_at", "-id")
    roles = list(listed.values_list("pk", "shoot_id")[:500])
    role_list = reverse("postings:role_list")
    open_roles = list(
        listed.filter(apply_by__gte=timezone.localdate()).values_list("pk", flat=True)[:3000]
    )
    # Crew members with a profile, applying to random open roles: nearly every pair is new, and
    # a repeated one answers the "already applied" redirect.
    crew = list(User.objects.filter(crew_profile__isnull=False).order_by("?")[:300])
    submitted = list(
        Application.objects.filter(status=Application.Status.SUBMITTED)
        .select_related("role__shoot")
        .order_by("?")[:3000]
    )
    studios = {a.role.shoot.studio_id for a in submitted}
    recruiters = {
        m.studio_id: session_cookie(m.user)
        for m in StudioMembership.objects.filter(studio_id__in=studios).select_related("user")
    }
    return {
        "csrf": CSRF,
        "list": [role_list, f"{role_list}?department=lighting", f"{role_list}?sort=pay"],
        "search": [f"{role_list}?q={urllib.parse.quote(q)}" for q in ("灯光", "摄影", "assistant")],
        "detail": [reverse("postings:role_detail", args=[pk]) for pk, _ in roles]
        + [reverse("postings:call_sheet", args=[shoot]) for _, shoot in roles[:100]],
        "apply": [reverse("applications:apply", args=[pk]) for pk in open_roles],
        "crew": [session_cookie(u) for u in crew],
        "pipeline": [
            (a.pk, recruiters[a.role.shoot.studio_id])
            for a in submitted
            if a.role.shoot.studio_id in recruiters
        ],
    }


class Load:
    def __init__(self, port: int, data: dict, rate: float, threads: int) -> None:
        self.port, self.data, self.threads = port, data, threads
        self.interval = threads / rate if rate else 0.0
        self.samples: list[tuple[float, str, int, float]] = []  # time, kind, status, seconds
        self.lock = threading.Lock()
        self.pipeline = list(data["pipeline"])
        self.apply_pairs = [(p, c) for c in data["crew"] for p in random.sample(data["apply"], 3)]
        random.shuffle(self.apply_pairs)

    def request(self, method: str, path: str, cookie: str = "", body: str = "") -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except OSError:
            return 0  # a socket error
        finally:
            conn.close()

    def one(self, rng: random.Random) -> tuple[str, int]:
        kinds = {**READS, **WRITES}
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        csrf = f"csrfmiddlewaretoken={self.data['csrf']}"
        with self.lock:
            apply = self.apply_pairs.pop() if kind == "apply" and self.apply_pairs else None
            action = self.pipeline.pop() if kind == "pipeline" and self.pipeline else None
        if kind == "apply" and apply:
            path, cookie = apply
            body = f"{csrf}&note=load&cv_choice=profile&dates_confirmed=on&consent=on"
            return kind, self.request("POST", path, cookie, body)
        if kind == "pipeline" and action:
            pk, cookie = action
            verb = rng.choice(["shortlist", "note", "reject"])
            body = f"{csrf}&note=load+test&message=load+test"
            return kind, self.request(
                "POST", f"/zh-hans/studio/applications/{pk}/{verb}/", cookie, body
            )
        kind = kind if kind in READS else "detail"
        return kind, self.request("GET", rng.choice(self.data[kind]))

    def worker(self, seed: int, deadline: float) -> None:
        rng = random.Random(seed)
        next_at = time.monotonic() + rng.random() * self.interval
        while (now := time.monotonic()) < deadline:
            if self.interval:
                if now < next_at:
                    time.sleep(next_at - now)
                next_at += self.interval
            start = time.monotonic()
            kind, status = self.one(rng)
            with self.lock:
                self.samples.append((start, kind, status, time.monotonic() - start))

    def run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        workers = [
            threading.Thread(target=self.worker, args=(i, deadline)) for i in range(self.threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000


def summarize(samples, seconds: float) -> list[dict]:
    by_kind = defaultdict(list)
    for sample in samples:
        by_kind[sample[1]].append(sample)
        by_kind["all"].append(sample)
    rows = []
    for kind in [*READS, *WRITES, "all"]:
        rows_ = by_kind.get(kind, [])
        latencies = [s[3] for s in rows_ if s[2]]
        statuses = [s[2] for s in rows_]
        rows.append(
            {
                "kind": kind,
                "requests": len(rows_),
                "rps": len(rows_) / seconds,
                "p50": percentile(latencies, 50),
                "p95": percentile(latencies, 95),
                "p99": percentile(latencies, 99),
                "5xx": sum(1 for s in statuses if s >= 500),
                "socket": statuses.count(0),
                "other": sum(1 for s in statuses if s not in {0, 200, 302} and s < 500),
            }
        )
    return rows


def start_database() -> str:
    from jobboard import database

    db = database.embedded_settings(PGDATA, name="callsheet_load")
    host = urllib.parse.quote(db["HOST"], safe="")
    return f"postgresql://{db['USER']}@{host}:{db['PORT']}/{db['NAME']}"


def restart_database_later(at: float, outage: float, events: dict) -> threading.Thread:
    from jobboard import database

    def run() -> None:
        time.sleep(at)
        events["stopped"] = time.monotonic()
        database.stop(PGDATA)
        time.sleep(outage)
        database.pg_ctl(
            "-w",
            "-l",
            str(PGDATA / "log"),
            "-o",
            '-h ""',
            "-o",
            f"-k {PGDATA}",
            "start",
            pgdata=PGDATA,
        )
        events["ready"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--duration", type=int, default=120, help="seconds (at most 900)")
    parser.add_argument("--rate", type=float, default=40, help="requests/s in total; 0: flat out")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--soak", action="store_true", help="10 minutes, DB restart midway")
    parser.add_argument("--restart", action="store_true", help="DB restart midway, any duration")
    parser.add_argument("--outage", type=float, default=5, help="seconds the DB is down (soak)")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--targets", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.targets:
        print(json.dumps(targets(), ensure_ascii=False))
        return 0
    seconds = min(600 if options.soak else options.duration, 900)

    database_url = start_database()
    port = free_port()
    env = server_env(database_url, port)
    env["BENCHMARK_VIEWS"] = "0"
    manage(env, "migrate", "--noinput", "--verbosity=0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "--verbosity=0")
    manage(env, "seed_scale", "--roles", str(options.roles), "--if-fewer")
    out = subprocess.run(
        [PYTHON, "benchmarks/load.py", "--targets"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "jobboard.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    load = Load(port, data, options.rate, options.threads)
    events: dict = {}
    try:
        deadline = time.monotonic() + 60
        while load.request("GET", "/healthz") != 200:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.3)
        began = time.monotonic()
        if options.soak or options.restart:
            restart_database_later(seconds / 2, options.outage, events)
        load.run(seconds)
    finally:
        import os

        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    rows = summarize(load.samples, seconds)
    command = " ".join(shlex.quote(a) for a in sys.argv)
    lines = [
        f"\n### {datetime.now():%Y-%m-%d %H:%M} · commit {git_commit()} · {options.roles:,} roles"
        f" · {seconds}s{' soak' if options.soak else ''}"
        f"{' with a database restart' if events.get('ready') else ''}",
        "",
        f"`{command}` — gunicorn 2 sync workers, {options.threads} client threads paced to "
        f"{options.rate:g} req/s, reads 80 % / writes 20 %",
        "",
        "| kind | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | socket errors | other |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['requests']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['p99']:.1f} | {r['5xx']} | {r['socket']} | {r['other']} |"
        )
    if events.get("ready"):
        failed = [s[0] for s in load.samples if s[2] == 0 or s[2] >= 500]
        after = [t for t in failed if t >= events["ready"]]
        by_status = Counter(s[2] for s in load.samples if s[2] == 0 or s[2] >= 500)
        window = (max(failed) - min(failed)) if failed else 0.0
        lines += [
            "",
            f"Database stopped at {events['stopped'] - began:.0f}s for {options.outage:g}s. "
            f"Failed requests: {len(failed)} (by status, 0 = socket error: {dict(by_status)}); "
            f"error window {window:.1f}s; "
            f"last error {(max(after) - events['ready']) if after else 0:.1f}s after the "
            "database was ready again.",
        ]
    text = "\n".join(lines)
    print(text)
    if not options.no_record:
        existing = RESULTS.read_text() if RESULTS.exists() else ""
        heading = "" if "## Load and soak" in existing else "\n## Load and soak\n"
        with RESULTS.open("a") as out_file:
            out_file.write(heading + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
