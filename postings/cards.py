"""Role cards for listings, rendered once and reused.

A listing first loads, for its page of roles, only their ids and sort keys (``KEY_FIELDS``,
for the next page's cursor). A card is a pure function of the role, its shoot, studio and
city, and the language; every write to any of those changes the ContentVersion
(jobboard.models), so cards are cached under the version, the language and the role's id.
Cards missing from the cache are loaded in one query, rendered with
templates/postings/includes/role_card.html and cached."""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from postings.models import Role

# The id and every sort's key (postings.filters.Sort.KEYS), for the page cursor.
KEY_FIELDS = ["id", "published_at", "day_rate", "start_date", "apply_by"]
CARD_TTL = 600


class Row(dict):
    """A role's key columns, also readable as attributes (``row.pk``, ``row.published_at``)."""

    def __getattr__(self, name: str):
        try:
            return self["id" if name == "pk" else name]
        except KeyError as error:
            raise AttributeError(name) from error


def card_key(role_id: int, version: int, language: str) -> str:
    return f"role-card:{language}:{version}:{role_id}"


def render_cards(rows: list[dict], version: int) -> tuple[str, str]:
    """The HTML of the rows' cards, in order, and a key that changes whenever that HTML does.
    ``version`` is the ContentVersion read before the rows. A page whose every card is cached
    is one cache entry (keyed by all its cards' keys); otherwise each card comes from the
    cache or is rendered (one query for all the missing ones)."""
    fragments, pages = caches["fragments"], caches["pages"]
    language = get_language() or ""
    keys = {row["id"]: card_key(row["id"], version, language) for row in rows}
    page_key = "role-cards:" + hashlib.sha256("|".join(keys.values()).encode()).hexdigest()
    html = pages.get(page_key)
    if html is not None:
        return mark_safe(html), page_key  # noqa: S308 - rendered by the card template
    cached = fragments.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in cached]
    if missing:
        template = get_template("postings/includes/role_card.html")
        roles = Role.objects.select_related("shoot__studio", "city").in_bulk(missing)
        fresh = {keys[pk]: template.render({"role": roles[pk]}) for pk in missing if pk in roles}
        fragments.set_many(fresh, CARD_TTL)
        cached.update(fresh)
    shown = [key for key in keys.values() if key in cached]
    html = "".join(cached[key] for key in shown)
    if len(shown) == len(rows):
        pages.set(page_key, html, CARD_TTL)
    else:  # a role deleted meanwhile is left out, and not remembered
        page_key = "role-cards:" + hashlib.sha256("|".join(shown).encode()).hexdigest()
    return mark_safe(html), page_key  # noqa: S308 - rendered by the card template
