"""CSRF: every state-changing URL of the access matrix refuses a POST without a valid token,
and every action URL (a POST-only one) refuses GET. The lists come from access_matrix.yaml."""

import pytest
from django.urls import reverse

from tests.safety.conftest import client_for
from tests.safety.test_access_matrix import URLS, request, resolve_args


def post_only_urls():
    """State-changing action URLs: every persona's GET is 405."""
    for name, states in URLS.items():
        for state in states:
            get_refused = "GET" in state and set(state["GET"].values()) <= {405, "login"}
            posts = state.get("POST", {}).values()
            if get_refused and any(v not in {405, "login", 404} for v in posts):
                yield pytest.param(name, state, id=f"{name}[{state.get('state', '-')}]")


def form_urls():
    """URLs that take a POST (a persona's POST is not 405) and are not CSRF-exempt."""
    for name, states in URLS.items():
        for state in states:
            posts = state.get("POST", {})
            if state.get("csrf_exempt") or not posts:
                continue
            if any(v not in {405, "login", 404} for v in posts.values()):
                yield pytest.param(name, state, id=f"{name}[{state.get('state', '-')}]")


@pytest.mark.parametrize(("name", "state"), list(form_urls()))
def test_post_without_csrf_token_is_refused(name, state, world, personas):
    url = reverse(name, kwargs=resolve_args(world, state.get("args")) or None)
    for persona, expected in state["POST"].items():
        if expected in {405, "login", 404}:
            continue
        client = client_for(personas[persona], enforce_csrf_checks=True)
        response = request(client, "POST", url)
        assert response.status_code == 403, f"POST {url} as {persona} without a token"


@pytest.mark.parametrize(("name", "state"), list(post_only_urls()))
def test_state_changing_url_refuses_get(name, state, world, personas):
    url = reverse(name, kwargs=resolve_args(world, state.get("args")) or None)
    for persona, expected in state["POST"].items():
        if expected in {405, "login", 404}:
            continue
        response = request(client_for(personas[persona]), "GET", url)
        assert response.status_code == 405, f"GET {url} as {persona}"


def test_state_changing_urls_are_found():
    assert len(list(post_only_urls())) >= 10
    assert len(list(form_urls())) >= 15
