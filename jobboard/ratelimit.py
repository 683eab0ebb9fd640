"""A fixed-window rate limit shared by every worker process: one row a key in PostgreSQL,
counted with a single atomic upsert. Views call ``allow()`` once per attempt and answer 429
when it is False."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from jobboard.models import RateCounter
from jobboard.sql import prepared

_UPSERT = f"""
    INSERT INTO {RateCounter._meta.db_table} (key, window_start, count) VALUES (%s, %s, 1)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN {RateCounter._meta.db_table}.window_start = EXCLUDED.window_start
                     THEN {RateCounter._meta.db_table}.count + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start
    RETURNING count
"""  # noqa: S608 - the table name is ours, the values are parameters


def allow(key: str, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; False once there were more than ``limit`` attempts in
    the current window of ``window`` seconds."""
    now = timezone.now().timestamp()
    start = datetime.fromtimestamp(now - now % window, tz=UTC)
    # One statement whose plan does not depend on its values: prepared (see jobboard.sql).
    with connection.cursor() as cursor, prepared():
        cursor.execute(_UPSERT, [key[:200], start])
        (count,) = cursor.fetchone()
    return count <= limit


def prune(older_than_seconds: int = 86_400) -> int:
    """Forget windows that ended long ago."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    deleted, _ = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
