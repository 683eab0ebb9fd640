from django.db import connection, models

from jobboard.sql import prepared


class RateCounter(models.Model):
    """Attempts under one key in the current fixed window (see jobboard.ratelimit)."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%H:%M:%S}"


# The tables whose writes change the ContentVersion, and their triggers (migrations 0002 and
# 0004: wrapped bookings give role pages their pay medians).
CONTENT_TABLES = [
    "postings_role",
    "postings_shoot",
    "postings_city",
    "accounts_studio",
    "accounts_unavailability",
    "applications_wrap",
]
CONTENT_TRIGGERS = [f"{table}_content_changed" for table in CONTENT_TABLES]


class ContentVersion(models.Model):
    """One number that changes with every committed write to what public pages show: roles,
    shoots, studios, cities, and crew members' unavailable days (which decide "fits my
    availability"). Per-process caches of rendered pages, cards and counts hold it in their
    keys (see docs/caches.md), so a write makes every such entry unreachable at once.

    Database triggers (migration 0002) bump it, whoever writes (a view, the admin, a command,
    a manual UPDATE). They are deferred to the commit, so that the row is the last lock a
    transaction takes (no lock order to keep with the rows it wrote), and bump it once per
    transaction (tests, whose transactions never commit, fire them at once: tests/conftest.py).
    A reader reads it before what it caches, so an entry under a version never holds content
    older than that version."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)
    # The transaction and statement that last bumped it: later rows of the same statement skip
    # the bump (deferred, every row's trigger fires in the COMMIT statement).
    txid = models.BigIntegerField(null=True)
    statement_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return str(self.value)


# Asked on every cached page: one statement, prepared on each connection (jobboard.sql).
_VERSION_SQL = "SELECT value FROM jobboard_contentversion WHERE id = 1"


def content_version() -> int:
    """The current ContentVersion (0 before the first write). Read it before the content that
    a cache entry under it will hold."""
    with connection.cursor() as cursor, prepared():
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


class WorkerHeartbeat(models.Model):
    """A task worker that is alive: ``jobboard.worker`` writes its row every few seconds
    while the process runs. A task left RUNNING by a worker whose row went stale (killed,
    crashed, its machine gone) is put back in the queue by the workers still alive."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} (seen {self.seen_at:%H:%M:%S})"
