"""HTML kept under a digest of the rows it is made from (the studio pages, the conversations).

Such a fragment is rendered from rows read on every request and from nothing else, so a digest
of those rows (with the language, the time zone and the day, which words and dates depend on)
is a complete key: a change of anything it shows is a new key, and nothing needs to invalidate
it. Forms in it carry ``FORM_FIELDS`` where each request's CSRF token goes (docs/caches.md).
"""

from __future__ import annotations

import hashlib

from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.html import format_html

# How long HTML is kept (a change is a new key: this only bounds memory).
CACHE_SECONDS = 600
# Where a form's hidden fields go in cached HTML (a comment: never in a user's text, which the
# templates escape).
FORM_FIELDS = "<!-- form fields -->"


def digest(value) -> str:
    """A digest of rows as the database returned them (numbers, text, dates, lists)."""
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def html_version() -> str:
    """What HTML depends on besides its rows: the language (words, addresses), the time zone
    (times) and the day (dates show their year when it is not this year)."""
    return (
        f"{translation.get_language()}:{timezone.get_current_timezone_name()}:"
        f"{timezone.localdate().isoformat()}"
    )


def csrf_field(request) -> str:
    """This request's CSRF token as a form's hidden field (what ``FORM_FIELDS`` becomes)."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
