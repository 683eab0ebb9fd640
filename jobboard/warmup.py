"""What every web process would otherwise do on its first requests, done once up front.

gunicorn loads the application in its master (``preload_app``) and calls ``warm_up`` there
before it forks the workers (gunicorn.conf.py), so that a worker that starts, or replaces one
recycled after ``max_requests``, serves at full speed at once: it is a copy of a process that
has already imported the code, read both languages' translations, built the URL resolvers and
compiled our templates. Without it a new worker spends about a second of CPU on this (0.7 s of
imports and 0.3 s of first requests), taken from the worker that is serving meanwhile.

Nothing here may open a database connection: one made in the master would be shared by every
forked worker (tests/test_warmup.py checks)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation


def warm_up() -> int:
    """Load the translations and URL resolvers of every language and compile every template
    of the project's template folder (those of installed apps are compiled when first used).
    Returns how many templates were compiled."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reverse("postings:role_list")
    compiled = 0
    for template in settings.TEMPLATES:
        for folder in map(Path, template.get("DIRS", [])):
            for path in sorted(folder.rglob("*.html")):
                get_template(path.relative_to(folder).as_posix())
                compiled += 1
    return compiled
