"""Print EXPLAIN ANALYZE of the listing and search queries on the benchmark database, as the
role list runs them (python benchmarks/explain.py >> benchmarks/RESULTS.md, with the
benchmark's DATABASE_URL)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobboard.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.targets import crew_with_calendar  # noqa: E402
from jobboard.models import content_version  # noqa: E402
from postings.filters import RoleFilter, compiled_page, cursor_for, fetch_page  # noqa: E402
from postings.models import Role  # noqa: E402

SEARCHES = {
    "role list, page 1": "",
    "role list, deep page (keyset)": "DEEP",
    "filtered list": "department=lighting&city=hengdian&min_pay=300&start=2026-12-01&end=2027-02-28",
    "keyword search (Chinese, two characters)": "q=灯光",
    "keyword search (English)": "q=assistant",
    "keyword search (Chinese, rare)": "q=萌宝",
    "fits my availability (a crew member with a calendar)": "fits_me=on",
}


def page_sql(query: str) -> str:
    after = None
    if query == "DEEP":
        deep = Role.objects.listed().order_by("-published_at", "-pk")[5000]
        query, after = "", cursor_for(deep, "newest")
    request = None
    if "fits_me" in query:
        request = SimpleNamespace(user=crew_with_calendar().user)
    filterset = RoleFilter(
        QueryDict(query) or None, queryset=Role.objects.listed(), request=request
    )
    with CaptureQueriesContext(connection) as captured:
        fetch_page(compiled_page(filterset, after, content_version()))
    return captured.captured_queries[-1]["sql"]


def main() -> None:
    print(f"\n### Query plans at {Role.objects.count():,} roles (`python benchmarks/explain.py`)\n")
    for label, query in SEARCHES.items():
        sql = page_sql(query)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(
            f"{label}{f' (`?{query}`)' if query and query != 'DEEP' else ''}:\n\n```\n{plan}\n```\n"
        )


if __name__ == "__main__":
    main()
