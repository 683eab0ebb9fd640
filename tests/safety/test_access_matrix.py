"""The access matrix: every URL name × method × persona × object state → expected status.

The table is ``access_matrix.yaml`` beside this file. ``test_every_url_name_is_in_the_matrix``
walks the URL resolver and fails when a name is missing; the other tests request every
combination. Set ``MATRIX_RECORD=path.yaml`` to write the statuses seen (for review only).

Rules that the table's ``rules`` section documents and this file applies:
- ``login`` means a redirect to the login page (anonymous visitors of a signed-in page).
- Each request runs in a savepoint that is rolled back, so every persona meets the same world.
- Every HTML response carries the security headers; a signed-in one is never cached.
- ``admin:*`` is applied by rule: anonymous and non-staff are sent to the admin login, the
  moderator (staff whose session passed the second factor) reaches every admin page, and
  staff without a second factor are sent to set one up.
- Two staff personas: ``moderator`` passed the second factor in its session; ``staff_no_2fa``
  never set one up, and is an ordinary user everywhere until it does.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from ruamel.yaml import YAML

from tests.safety.conftest import PERSONAS, client_for

MATRIX_PATH = Path(__file__).with_name("access_matrix.yaml")
MATRIX = YAML(typ="safe").load(MATRIX_PATH.read_text())
URLS = MATRIX["urls"]
RULE_NAMESPACES = set(MATRIX["rules"]["namespaces"])
METHODS = ("GET", "POST")


def url_names(resolver=None, namespace=""):
    """Every named URL pattern, with its namespace, as reverse() takes it."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def cases():
    for name, states in URLS.items():
        for state in states:
            yield pytest.param(name, state, id=f"{name}[{state.get('state', '-')}]")


def resolve_args(world, args: dict | None) -> dict:
    kwargs = {}
    for key, value in (args or {}).items():
        if isinstance(value, str) and value.startswith("="):
            kwargs[key] = value[1:]  # a literal
        else:
            obj, _, attr = value.partition(".")
            kwargs[key] = getattr(world[obj], attr or "pk")
    return kwargs


def outcome(response) -> int | str:
    if response.status_code == 302:
        target = urlsplit(response["Location"]).path
        if target.endswith(urlsplit(reverse(settings.LOGIN_URL)).path):
            return "login"
    return response.status_code


def check_headers(response, signed_in: bool, where: str) -> None:
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    csp = response.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    # Django adds the nonce to the header only when the page used it: then they match.
    for nonce in set(re.findall(rb'nonce="([^"]+)"', response.content)):
        assert f"'nonce-{nonce.decode()}'" in directives.get("script-src", []), where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("base-uri") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert "'unsafe-inline'" not in directives.get("script-src", []), where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy"), where
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin", where
    assert response.get("X-Frame-Options") == "DENY", where
    if signed_in and response.status_code == 200:
        cache_control = response.get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, where


def request(client, method: str, url: str):
    """One request in a savepoint that is rolled back; the client's cookies are put back."""
    cookies = client.cookies
    client.cookies = cookies.__class__(cookies)
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def test_every_url_name_is_in_the_matrix():
    missing = [
        name
        for name in url_names()
        if name not in URLS and name.partition(":")[0] not in RULE_NAMESPACES
    ]
    assert not missing, f"add these URL names to {MATRIX_PATH.name}: {missing}"
    stale = sorted(set(URLS) - set(url_names()))
    assert not stale, f"these URL names no longer exist: {stale}"


@pytest.mark.parametrize(("name", "state"), list(cases()))
def test_access(name, state, world, personas):
    url = reverse(name, kwargs=resolve_args(world, state.get("args")) or None)
    url += state.get("query", "")
    seen = {}
    clients = {
        persona: client_for(personas[persona], second_factor=persona == "moderator")
        for persona in PERSONAS
    }
    for method in METHODS:
        if method not in state:
            continue
        expected = state[method]
        for persona in PERSONAS:
            client = clients[persona]
            response = request(client, method, url)
            got = outcome(response)
            seen.setdefault(method, {})[persona] = got
            where = f"{method} {url} as {persona}"
            assert response.status_code < 500, where
            check_headers(response, persona != "anonymous", where)
            if not os.environ.get("MATRIX_RECORD"):
                assert got == expected[persona], f"{where}: {got}, expected {expected[persona]}"
    if os.environ.get("MATRIX_RECORD"):
        with open(os.environ["MATRIX_RECORD"], "a") as out:
            out.write(f"{name}|{state.get('state')}|{seen}\n")


def admin_urls(world):
    """Every admin URL name with arguments for it: an existing object where there is one."""
    names = [n for n in url_names() if n.startswith("admin:")]
    models = {f"admin:{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    urls = {}
    for name in names:
        prefix, _, view = name.rpartition("_")
        if name in {"admin:view_on_site", "admin:autocomplete"}:
            continue
        if prefix in models and view in {"change", "history", "delete"}:
            obj = models[prefix]._default_manager.order_by("pk").first()
            if obj is None:
                continue
            urls[name] = reverse(name, args=[obj.pk])
        elif name == "admin:app_list":
            for label in {m._meta.app_label for m in admin.site._registry}:
                urls[f"{name}[{label}]"] = reverse(name, args=[label])
        else:
            try:
                urls[name] = reverse(name)
            except NoReverseMatch:  # e.g. a user's password form: the graduate's
                urls[name] = reverse(name, args=[world["graduate"].pk])
    return urls


def test_admin_rule(world, personas):
    """admin:* — anonymous visitors go to the login page, signed-in non-staff personas to the
    admin login (which sends them on to allauth's); the moderator reaches
    every page (index, every change list, add, change, history and delete form), or a 403 where
    a ModelAdmin gives no one that permission."""
    urls = admin_urls(world)
    assert len(urls) > 20
    login = reverse("admin:login")
    for persona in PERSONAS:
        client = client_for(personas[persona], second_factor=persona == "moderator")
        for name, url in urls.items():
            if name in {"admin:logout"}:
                continue
            response = request(client, "GET", url)
            where = f"GET {url} as {persona}"
            assert response.status_code < 500, where
            check_headers(response, persona != "anonymous", where)
            if persona == "staff_no_2fa" and name not in {"admin:login"}:
                # Staff who never set up a second factor are sent to set one up.
                assert response.status_code == 302, where
                assert response["Location"] == reverse("mfa_activate_totp"), where
            elif persona == "moderator":
                # 403 where that ModelAdmin refuses the permission (read-only task results).
                expected = {302} if name == "admin:login" else {200, 403}
                if response.status_code == 302 and name != "admin:login":
                    # An object outside that admin's queryset (the pending-review queue).
                    assert response["Location"] == reverse("admin:index"), where
                else:
                    assert response.status_code in expected, where
            elif persona == "anonymous" and name != "admin:login":
                target = urlsplit(response["Location"]).path
                assert outcome(response) == "login" or target == login, where
            elif name != "admin:login":
                assert response.status_code == 302, where
                assert urlsplit(response["Location"]).path == login, where


def test_hsts_of_a_year_over_https(world, personas):
    """Every page answered over HTTPS (anonymous GET of every URL name that needs no object)
    carries HSTS of a year."""
    client = Client()
    for name, states in URLS.items():
        for state in states:
            if state.get("args") or "GET" not in state:
                continue
            response = client.get(reverse(name), secure=True)
            assert response.status_code < 500
            hsts = response.get("Strict-Transport-Security", "")
            assert "max-age=31536000" in hsts, name
