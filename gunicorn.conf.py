"""gunicorn settings for production-like serving (`make serve`, docker compose).

Sync workers: pages are short, server-rendered and database-bound; one request a worker keeps
memory flat and latency predictable. Reload gracefully with `kill -HUP <master pid>`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
# A request that takes 30 s is broken: kill the worker rather than queue behind it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak can never grow without bound, but rarely:
# a new worker imports the application again and starts with empty per-process caches (about
# a second of CPU taken from the other worker). At 5,000 requests that happened every ~15 s
# per worker under load and doubled the benchmark's p99; memory is flat without it (see
# benchmarks/RESULTS.md, the soak run).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Several gunicorns may run on one machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "callsheet"


def post_worker_init(worker):
    # The application is loaded by now: freeze what import created so that the garbage
    # collector stops re-scanning it on every full collection.
    import gc

    gc.freeze()
