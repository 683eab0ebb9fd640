"""Dates, money and counts read naturally in both languages (jobboard/templatetags/callsheet.py)."""

from datetime import date

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from jobboard.templatetags.callsheet import daterange, shootspan, shortdate, yuan

YEAR = timezone.localdate().year


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "6月3日–6月9日 · 7 天"), ("en", "Jun 3–9 · 7 days")],
)
def test_a_shoot_span_reads_naturally(language, expected):
    with translation.override(language):
        assert shootspan(date(YEAR, 6, 3), date(YEAR, 6, 9)) == expected


def test_one_day_is_singular_in_english():
    with translation.override("en"):
        assert shootspan(date(YEAR, 6, 3), date(YEAR, 6, 3)) == "Jun 3 · 1 day"


def test_spans_across_months_and_years():
    with translation.override("en"):
        assert daterange(date(YEAR, 6, 28), date(YEAR, 7, 3)) == "Jun 28 – Jul 3"
        assert (
            daterange(date(YEAR, 12, 29), date(YEAR + 1, 1, 3))
            == f"Dec 29, {YEAR} – Jan 3, {YEAR + 1}"
        )
    with translation.override("zh-hans"):
        assert daterange(date(YEAR, 6, 28), date(YEAR, 7, 3)) == "6月28日–7月3日"
        assert (
            daterange(date(YEAR, 12, 29), date(YEAR + 1, 1, 3))
            == f"{YEAR}年12月29日–{YEAR + 1}年1月3日"
        )
        assert shortdate(date(YEAR + 1, 1, 2)) == f"{YEAR + 1}年1月2日"


def test_money_and_empty_values():
    assert yuan(8000) == "¥8,000"
    assert yuan(None) == "" and daterange(None, None) == "" and shootspan(None, None) == ""


def test_filters_load_in_templates():
    with translation.override("en"):
        html = Template("{% load callsheet %}{{ a|shootspan:b }}").render(
            Context({"a": date(YEAR, 6, 3), "b": date(YEAR, 6, 9)})
        )
    assert html == "Jun 3–9 · 7 days"
