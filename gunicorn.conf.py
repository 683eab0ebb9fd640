"""gunicorn settings for production-like serving (`make serve`, docker compose).

Sync workers: pages are short, server-rendered and database-bound; one request a worker keeps
memory flat and latency predictable.

The application is loaded once, in the master, and warmed up there (``preload_app``,
``when_ready``); workers are forked from it. So `kill -HUP <master pid>` replaces the workers
(with new database connections, as after a migration that changes a column's type) but keeps
the code: deploy new code by restarting gunicorn (docker compose does), or without downtime
with `kill -USR2 <master pid>` and then `kill -QUIT` of the old master."""

import multiprocessing
import os

# The database limits of web requests (jobboard/settings.py): read when the application loads,
# after this file.
os.environ.setdefault("CALLSHEET_WEB", "1")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
# A request that takes 30 s is broken: kill the worker rather than queue behind it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak can never grow without bound, but rarely:
# a new worker starts with empty per-process caches. At 5,000 requests that happened every
# ~15 s per worker under load and doubled the benchmark's p99; memory is flat without it (see
# benchmarks/RESULTS.md, the soak run). Under the benchmark's load 100,000 still means a new
# worker every few minutes, which is why the application is preloaded below.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Several gunicorns may run on one machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "callsheet"


# Import the application in the master and fork the workers from it: a worker that starts (or
# replaces a recycled one) costs a fork, not a second of imports and first requests taken from
# the other worker, and the workers share the master's memory pages.
preload_app = True


def when_ready(server):
    # In the master, after the application is loaded and before the first worker is forked:
    # do what every worker's first requests would (jobboard/warmup.py), then keep the garbage
    # collector off all of it, so that collections in the workers neither rescan these objects
    # nor copy the pages they live on.
    import gc

    from jobboard.warmup import warm_up

    warm_up()
    gc.freeze()


def post_worker_init(worker):
    # Freeze what the worker's own start created too, so that the garbage collector stops
    # re-scanning it on every full collection.
    import gc

    gc.freeze()
