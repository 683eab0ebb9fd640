"""Measure Callsheet's pages under load, beside the framework's own ceiling, in one run.

    make bench                       # = python benchmarks/run.py
    python benchmarks/run.py --roles 100000 --duration 20 --connections 16

It uses its own database (``callsheet_bench`` on the embedded server unless BENCH_DATABASE_URL
is set), seeds it with ``manage.py seed_scale`` when it holds fewer roles than asked, starts
gunicorn with production settings (2 sync workers, persistent connections with health
checks, DEBUG off), warms each target up, then drives it with wrk (-t2 -c16 -d20s by default).
Every target is measured under identical settings, including the ceiling: a bare Django view
and a Fortunes-like page (one 20-row query, a small template). Results are printed and
appended to benchmarks/RESULTS.md with the date, the commit and the command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PYTHON = sys.executable


@dataclass
class Target:
    name: str
    path: str
    group: str  # "ceiling", "list", "search", "write"
    cookie: str = ""
    lua: str = ""  # a wrk script (POST targets)
    result: dict = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_database_url(name: str) -> str:
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    sys.path.insert(0, str(ROOT))
    from jobboard import database

    db = database.embedded_settings(name=name)
    host = urllib.parse.quote(db["HOST"], safe="")
    return f"postgresql://{db['USER']}@{host}:{db['PORT']}/{db['NAME']}"


def server_env(database_url: str, port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key-" + "b" * 40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BENCHMARK_VIEWS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_LOGLEVEL": "warning",
        "CONN_MAX_AGE": "600",
        "TASKS_BACKEND": "database",
        "DJANGO_SETTINGS_MODULE": "jobboard.settings",
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_targets(env: dict) -> list[Target]:
    """Ask the seeded database for ids and sessions (benchmarks/targets.py)."""
    out = subprocess.run(
        [PYTHON, "benchmarks/targets.py"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [Target(**item) for item in json.loads(out)]


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(base: str, target: Target, *, threads: int, connections: int, seconds: int) -> dict:
    args = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if target.cookie:
        args += ["-H", f"Cookie: {target.cookie}"]
    with tempfile.TemporaryDirectory() as folder:
        if target.lua:
            script = Path(folder) / "target.lua"
            script.write_text(target.lua)
            args += ["-s", str(script)]
        args.append(base + target.path)
        output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    latencies = {p: to_ms(v, u) for p, v, u in LATENCY.findall(output)}
    socket_errors = (
        sum(int(n) for n in ERRORS.search(output).groups()) if ERRORS.search(output) else 0
    )
    non_2xx = int(NON_2XX.search(output).group(1)) if NON_2XX.search(output) else 0
    return {
        "rps": float(WRK_LINE.search(output).group(1)),
        "p50": latencies.get("50"),
        "p99": latencies.get("99"),
        "errors": socket_errors + non_2xx,
    }


def check(base: str, target: Target) -> None:
    """One request first: a target that does not answer 2xx/3xx is a broken benchmark."""
    if target.lua:
        return
    request = urllib.request.Request(
        base + target.path, headers={"Cookie": target.cookie} if target.cookie else {}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status >= 400:
        raise SystemExit(f"{target.name}: {target.path} answered {status}")


def record(report: str) -> None:
    """Append a report to benchmarks/RESULTS.md."""
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `make bench` (benchmarks/run.py).\n")
    with RESULTS.open("a") as handle:
        handle.write(report)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument("--database", default="callsheet_bench")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", help="target names separated by |")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    options = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    database_url = bench_database_url(options.database)
    port = free_port()
    env = server_env(database_url, port)
    manage(env, "migrate", "--noinput", "--verbosity=0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "--verbosity=0")
    manage(env, "seed_scale", "--roles", str(options.roles), "--if-fewer")
    targets = prepare_targets(env)
    if options.only:
        wanted = set(options.only.split("|"))
        targets = [t for t in targets if t.name in wanted or t.group == "ceiling"]

    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "jobboard.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        for target in targets:
            check(base, target)
            run_wrk(
                base,
                target,
                threads=options.threads,
                connections=options.connections,
                seconds=options.warmup,
            )
            target.result = run_wrk(
                base,
                target,
                threads=options.threads,
                connections=options.connections,
                seconds=options.duration,
            )
            r = target.result
            print(
                f"{target.name:<28} {r['rps']:>9.1f} req/s  p50 {r['p50']:>7.2f} ms  "
                f"p99 {r['p99']:>7.2f} ms  errors {r['errors']}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    fortunes = next(t.result["rps"] for t in targets if t.name == "ceiling: fortunes")
    lines = [
        f"\n## {datetime.now():%Y-%m-%d %H:%M} · commit {git_commit()} · {options.roles:,} roles",
        "",
        f"`{' '.join(shlex.quote(a) for a in sys.argv)}` — gunicorn 2 sync workers, "
        f"wrk -t{options.threads} -c{options.connections} -d{options.duration}s after a {options.warmup}s warm-up",
        "",
        "| page | req/s | p50 ms | p99 ms | errors | vs Fortunes-like |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in targets:
        r = t.result
        lines.append(
            f"| {t.name} | {r['rps']:.1f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | "
            f"{100 * r['rps'] / fortunes:.0f}% |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if not options.no_record:
        record(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
