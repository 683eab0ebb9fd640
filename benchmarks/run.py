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

Each page's ratio to the ceiling is taken against a Fortunes-like round measured right before
each of its own rounds (the ceiling is measured beside each page, not once at the start), so
that the speed of a shared machine, which drifts during a run, weighs on both alike.

With ``--beside DATABASE:ROLES`` a second database is served too and every page is measured
on both, one right after the other, so that the two scales are compared under the same
machine speed.
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
import statistics
import subprocess
import sys
import tempfile
import threading
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
    ceiling: dict = field(default_factory=dict)  # the Fortunes-like rounds measured beside it


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
    found = ERRORS.search(output)
    names = ("connect", "read", "write", "timeout")
    kinds = dict(zip(names, found.groups(), strict=True)) if found else {}
    if non_2xx := NON_2XX.search(output):
        kinds["non-2xx/3xx"] = non_2xx.group(1)
    kinds = {kind: int(n) for kind, n in kinds.items() if int(n)}
    return {
        "rps": float(WRK_LINE.search(output).group(1)),
        "p50": latencies.get("50"),
        "p99": latencies.get("99"),
        "errors": sum(kinds.values()),
        # which errors, for the printed rounds: socket errors (as wrk counts them) or statuses
        "error_kinds": ", ".join(f"{kind} {n}" for kind, n in kinds.items()),
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


def soak_script(targets: list[Target]) -> str:
    """wrk Lua: every GET page in turn, each with its own cookie."""
    pages = [t for t in targets if not t.lua]
    lua_paths = ",".join(json.dumps(t.path) for t in pages)
    lua_cookies = ",".join(json.dumps(t.cookie) for t in pages)
    return f"""
local paths = {{{lua_paths}}}
local cookies = {{{lua_cookies}}}
local counter = 0
function request()
  counter = counter + 1
  local i = counter % #paths + 1
  local headers = {{}}
  if cookies[i] ~= "" then headers["Cookie"] = cookies[i] end
  return wrk.format("GET", paths[i], headers)
end
"""


# Random keyword searches: every request a search string never seen before (words of the
# trade, random Chinese characters, random letters and digits), as crawlers and people typing
# produce. Per-process caches and prepared statements must stay bounded under it.
KEYWORDS_LUA = r"""
local words = {"灯光","摄影","助理","化妆","服装","道具","场务","横店","郑州","西安","导演",
  "执行","跟焦","录音","美术","剪辑","制片","统筹","gaffer","camera","assistant","makeup",
  "sound","grip","lighting","Hengdian"}
local hanzi = {"灯","光","摄","影","助","理","化","妆","服","装","道","具","场","务","横","店",
  "郑","州","西","安","导","演","执","行","跟","焦","录","音","美","术","剪","辑","制","片",
  "统","筹","大","小","男","女","古","装","都","市","甜","宠"}
local letters = "abcdefghijklmnopqrstuvwxyz0123456789"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 100 + (id or 0))
end
local function encode(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local function word()
  local r = math.random()
  if r < 0.4 then return words[math.random(#words)] end
  local parts = {}
  if r < 0.7 then
    for i = 1, math.random(1, 4) do parts[i] = hanzi[math.random(#hanzi)] end
  else
    for i = 1, math.random(2, 10) do
      local k = math.random(#letters)
      parts[i] = letters:sub(k, k)
    end
  end
  return table.concat(parts)
end
function request()
  local q = {}
  for i = 1, math.random(1, 3) do q[i] = word() end
  return wrk.format("GET", "/zh-hans/roles/?q=" .. encode(table.concat(q, " ")))
end
"""


def worker_rss(master: int) -> dict[int, int]:
    """The resident memory (KiB) of each of gunicorn's workers, by pid."""
    rss = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        kib = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if kib:
            rss[int(stat.parent.name)] = int(kib.group(1))
    return rss


def soak(base: str, master: int, targets: list[Target], options) -> str:
    """Every GET page in rotation for ``options.soak`` seconds (or, with ``--keywords``, a new
    random keyword search per request, ``options.soak`` seconds in all); each worker's RSS is
    sampled every ``options.sample`` seconds from the end of a warm-up (one minute; two with
    ``--keywords``, whose caches fill slower) to the end. Workers are not recycled (main sets GUNICORN_MAX_REQUESTS=0)
    so that a leak would show."""
    if options.keywords:
        mixed = Target("soak: random keyword searches", targets[0].path, "soak", lua=KEYWORDS_LUA)
        warmup, what = 120, "a random keyword search per request"
    else:
        mixed = Target(
            "soak: every GET page in turn", targets[0].path, "soak", lua=soak_script(targets)
        )
        warmup, what = 60, "every GET page above in turn"
    run_wrk(base, mixed, threads=options.threads, connections=options.connections, seconds=warmup)
    samples = [(0, worker_rss(master))]
    done = {}
    runner = threading.Thread(
        target=lambda: done.update(
            run_wrk(
                base,
                mixed,
                threads=options.threads,
                connections=options.connections,
                seconds=options.soak - warmup if options.keywords else options.soak,
            )
        )
    )
    started = time.monotonic()
    runner.start()
    while runner.is_alive():
        runner.join(options.sample)
        samples.append((round(time.monotonic() - started), worker_rss(master)))
    first, last = samples[0][1], samples[-1][1]
    if set(first) != set(last):
        raise SystemExit(f"a worker was replaced during the soak: {first} -> {last}")
    lines = [
        f"\n## {datetime.now():%Y-%m-%d %H:%M} · commit {git_commit()} · "
        f"{'keyword soak' if options.keywords else 'soak'}, {options.roles:,} roles",
        "",
        f"`{' '.join(shlex.quote(a) for a in sys.argv)}` — gunicorn 2 sync workers (not recycled), "
        f"wrk -t{options.threads} -c{options.connections}, {what}: {warmup}s of warm-up, then "
        f"measured for {options.soak - warmup if options.keywords else options.soak}s: "
        f"{done['rps']:.1f} req/s, p50 {done['p50']:.2f} ms, "
        f"p99 {done['p99']:.2f} ms, errors {done['errors']}",
        "",
        "| worker | RSS after warm-up (MiB) | max (MiB) | at the end (MiB) | growth |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for n, pid in enumerate(sorted(first), 1):
        peak = max(sample[pid] for _, sample in samples)
        growth = 100 * (last[pid] - first[pid]) / first[pid]
        lines.append(
            f"| {n} | {first[pid] / 1024:.1f} | {peak / 1024:.1f} | {last[pid] / 1024:.1f} | "
            f"{growth:+.1f}% |"
        )
    lines += [
        "",
        "RSS (MiB) by time: "
        + ", ".join(
            f"{t}s " + "/".join(f"{sample[pid] / 1024:.1f}" for pid in sorted(first))
            for t, sample in samples
        ),
    ]
    return "\n".join(lines) + "\n"


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


class Server:
    """gunicorn with production settings on one benchmark database, seeded and migrated, with
    the targets taken from that database."""

    def __init__(self, database: str, roles: int, options) -> None:
        self.roles = roles
        port = free_port()
        self.env = server_env(bench_database_url(database), port)
        if options.soak:
            self.env["GUNICORN_MAX_REQUESTS"] = "0"  # a leak must show, not be recycled away
        manage(self.env, "migrate", "--noinput", "--verbosity=0")
        manage(self.env, "createcachetable")
        manage(self.env, "collectstatic", "--noinput", "--verbosity=0")
        manage(self.env, "seed_scale", "--roles", str(roles), "--if-fewer")
        self.targets = prepare_targets(self.env)
        if options.only:
            wanted = set(options.only.split("|"))
            self.targets = [t for t in self.targets if t.name in wanted or t.group == "ceiling"]
        self.base = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "jobboard.wsgi"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        for target in self.targets:
            check(self.base, target)

    def stop(self) -> None:
        if self.process:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def warm_up(self, target: Target, options) -> None:
        run_wrk(
            self.base,
            target,
            threads=options.threads,
            connections=options.connections,
            seconds=options.warmup,
        )

    def measure(self, target: Target, options) -> dict:
        result = run_wrk(
            self.base,
            target,
            threads=options.threads,
            connections=options.connections,
            seconds=options.duration,
        )
        print(
            f"{self.roles:>7,} roles  {target.name:<28} {result['rps']:>9.1f} req/s  "
            f"p50 {result['p50']:>7.2f} ms  p99 {result['p99']:>7.2f} ms  "
            f"errors {result['errors']}"
            + (f" ({result['error_kinds']})" if result["error_kinds"] else ""),
            flush=True,
        )
        return result


def best_round(rounds: list[dict]) -> dict:
    """The round with the most requests a second, with the median of all rounds and every
    round's errors: on a shared machine other work only ever slows a round down, so the best
    round is the closest to what the code costs."""
    best = max(rounds, key=lambda r: r["rps"])
    return {
        **best,
        "errors": sum(r["errors"] for r in rounds),
        "median": statistics.median(r["rps"] for r in rounds),
        "rounds": len(rounds),
    }


def header(options, title: str) -> list[str]:
    return [
        f"\n## {datetime.now():%Y-%m-%d %H:%M} · commit {git_commit()} · {title}",
        "",
        f"`{' '.join(shlex.quote(a) for a in sys.argv)}` — gunicorn 2 sync workers, "
        f"wrk -t{options.threads} -c{options.connections} -d{options.duration}s after a "
        f"{options.warmup}s warm-up"
        + (
            f"; each page measured in {options.rounds} rounds, the best shown (p50 and p99 "
            "are that round's; errors are all rounds'), with the median round's req/s"
            if options.rounds > 1
            else ""
        )
        + ". Before each round of a page the Fortunes-like page is measured again; a page's "
        "ratio is its best round over the best of those Fortunes-like rounds (the medians' "
        "ratio beside it).",
        "",
    ]


def versus(result: dict, ceiling: dict) -> str:
    """``47%`` of the Fortunes-like rounds measured beside it (best over best), and the medians'
    ratio."""
    return (
        f"{100 * result['rps'] / ceiling['rps']:.0f}% | "
        f"{100 * result['median'] / ceiling['median']:.0f}%"
    )


def single_report(server: Server, options) -> str:
    lines = [
        *header(options, f"{server.roles:,} roles"),
        "| page | req/s | p50 ms | p99 ms | errors | median req/s | Fortunes-like beside | "
        "vs Fortunes-like | medians |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in server.targets:
        r = t.result
        lines.append(
            f"| {t.name} | {r['rps']:.1f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | "
            f"{r['median']:.1f} | {t.ceiling['rps']:.1f} | {versus(r, t.ceiling)} |"
        )
    return "\n".join(lines) + "\n"


def side_by_side_report(server: Server, other: Server, options) -> str:
    """Each page measured on both databases one right after the other, so that a change in
    the machine's speed during the run weighs on both alike."""
    big, small = f"{server.roles:,}", f"{other.roles:,}"
    lines = [
        *header(options, f"{big} roles beside {small}, page by page"),
        f"The Fortunes-like rounds run at {big} roles; both columns' ratios are to them.",
        "",
        f"| page | req/s at {big} | p99 ms | errors | median req/s | Fortunes-like beside | "
        f"vs Fortunes-like | medians | req/s at {small} | p99 ms | errors | median req/s | "
        f"vs Fortunes-like | medians | {big} / {small} | medians |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: |",
    ]
    for t, o in zip(server.targets, other.targets, strict=True):
        r, q = t.result, o.result
        lines.append(
            f"| {t.name} | {r['rps']:.1f} | {r['p99']:.2f} | {r['errors']} | {r['median']:.1f} | "
            f"{t.ceiling['rps']:.1f} | {versus(r, t.ceiling)} | {q['rps']:.1f} | "
            f"{q['p99']:.2f} | {q['errors']} | {q['median']:.1f} | {versus(q, t.ceiling)} | "
            f"{100 * r['rps'] / q['rps']:.0f}% | {100 * r['median'] / q['median']:.0f}% |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument("--database", default="callsheet_bench")
    parser.add_argument(
        "--beside",
        metavar="DATABASE:ROLES",
        help="also serve this database (seeded with ROLES roles) and measure every page on "
        "both, one right after the other (e.g. callsheet_bench_10k:10000)",
    )
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each page this many times (alternating between the databases with "
        "--beside) and report the best round and the median",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", help="target names separated by |")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument(
        "--soak",
        type=int,
        default=0,
        metavar="SECONDS",
        help="instead of measuring each page, drive every GET page in turn for this long "
        "(600 = the 10-minute memory check) and report the workers' RSS",
    )
    parser.add_argument(
        "--keywords",
        action="store_true",
        help="with --soak: a new random keyword search per request instead of the pages in "
        "turn; --soak is then the whole run, the first 120 s of it the warm-up",
    )
    parser.add_argument("--sample", type=int, default=30, help="seconds between RSS samples")
    options = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    if options.keywords and options.soak <= 120:
        raise SystemExit("--keywords needs --soak longer than its 120 s warm-up (600: 10 min)")
    if options.beside and options.soak:
        raise SystemExit("--beside and --soak do not go together")
    server = Server(options.database, options.roles, options)
    other = None
    if options.beside:
        database, _, roles = options.beside.partition(":")
        other = Server(database, int(roles or 10_000), options)
        if [t.name for t in other.targets] != [t.name for t in server.targets]:
            raise SystemExit("the two databases do not give the same targets")
    try:
        server.start()
        if other:
            other.start()
        if options.soak:
            report = soak(server.base, server.process.pid, server.targets, options)
            print(report)
            if not options.no_record:
                record(report)
            return 0
        servers = [server, other] if other else [server]
        fortunes = next(t for t in server.targets if t.name == "ceiling: fortunes")
        for n, target in enumerate(server.targets):
            for each in servers:
                each.warm_up(each.targets[n], options)
            rounds = {id(each): [] for each in servers}
            ceiling = []
            for _ in range(options.rounds):
                if target.group != "ceiling":
                    ceiling.append(server.measure(fortunes, options))
                for each in servers:
                    rounds[id(each)].append(each.measure(each.targets[n], options))
            for each in servers:
                each.targets[n].result = best_round(rounds[id(each)])
            if ceiling:
                target.ceiling = best_round(ceiling)
        for target in server.targets:
            if target.group == "ceiling":
                target.ceiling = fortunes.result
    finally:
        server.stop()
        if other:
            other.stop()

    report = (
        side_by_side_report(server, other, options) if other else single_report(server, options)
    )
    print(report)
    if not options.no_record:
        record(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
