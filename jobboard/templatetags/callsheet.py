"""Filters that make dates, money and counts read naturally in both languages.

``{{ role.start_date|daterange:role.end_date }}`` gives ``6月3日–6月9日`` / ``Jun 3–9``;
``{{ role.start_date|shootspan:role.end_date }}`` adds the length, ``· 7 天`` / ``· 7 days``;
``{{ 8000|yuan }}`` gives ``¥8,000``. The year is shown only when it is not this year."""

from datetime import date

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import get_language, ngettext

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def _zh(day: date, *, year: bool) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"


def _en(day: date, *, month: bool = True, year: bool = False) -> str:
    text = dateformat.format(day, "M j") if month else str(day.day)
    return f"{text}, {day.year}" if year else text


@register.filter
def daterange(start: date | None, end: date | None) -> str:
    """A span of days, short and in the reader's language."""
    if not start:
        return ""
    end = end or start
    this_year = timezone.localdate().year
    show_year = start.year != this_year or end.year != start.year
    if _chinese():
        first = _zh(start, year=show_year)
        if end == start:
            return first
        return f"{first}–{_zh(end, year=end.year != start.year)}"
    if end == start:
        return _en(start, year=show_year)
    if end.year != start.year:
        return f"{_en(start, year=True)} – {_en(end, year=True)}"
    if end.month == start.month:
        return f"{_en(start)}–{_en(end, month=False, year=show_year)}"
    return f"{_en(start)} – {_en(end, year=show_year)}"


@register.filter
def shootspan(start: date | None, end: date | None) -> str:
    """``6月3日–6月9日 · 7 天`` / ``Jun 3–9 · 7 days``."""
    if not start:
        return ""
    days = ((end or start) - start).days + 1
    length = ngettext("%(days)s day", "%(days)s days", days) % {"days": days}
    return f"{daterange(start, end)} · {length}"


@register.filter
def shortdate(day: date | None) -> str:
    """One day: ``6月3日`` / ``Jun 3`` (with the year when it is not this year)."""
    return daterange(day, day)


@register.filter
def yuan(amount) -> str:
    """``¥8,000``: whole yuan with thousands separated."""
    if amount in (None, ""):
        return ""
    return f"¥{int(amount):,}"
