"""CSRF: every state-changing URL of the access matrix refuses a POST without a valid token,
and every action URL (a POST-only one) refuses GET. The lists come from access_matrix.yaml."""

from django.urls import reverse

from tests.safety.conftest import client_for
from tests.safety.test_access_matrix import URLS, request, resolve_args


def _accepting(state):
    """Personas whose POST is taken (not refused by method, login or lookup)."""
    return [p for p, v in state.get("POST", {}).items() if v not in {405, "login", 404}]


def post_only_urls():
    """State-changing action URLs: every persona's GET is 405, some persona's POST is taken."""
    for name, states in URLS.items():
        for state in states:
            get_refused = "GET" in state and set(state["GET"].values()) <= {405, "login"}
            if get_refused and _accepting(state):
                yield name, state


def form_urls():
    """Every URL that takes a POST from some persona and is not CSRF-exempt."""
    for name, states in URLS.items():
        for state in states:
            if not state.get("csrf_exempt") and _accepting(state):
                yield name, state


def test_post_without_csrf_token_is_refused(world, personas):
    """One world, each POST in a savepoint (see test_access_matrix.request)."""
    clients = {
        p: client_for(u, second_factor=p == "moderator", enforce_csrf_checks=True)
        for p, u in personas.items()
    }
    accepted = []
    for name, state in form_urls():
        url = reverse(name, kwargs=resolve_args(world, state.get("args")) or None)
        for persona in _accepting(state):
            if request(clients[persona], "POST", url).status_code != 403:
                accepted.append(f"POST {url} as {persona}")
    assert not accepted, f"taken without a CSRF token: {accepted}"


def test_state_changing_urls_refuse_get(world, personas):
    clients = {p: client_for(u, second_factor=p == "moderator") for p, u in personas.items()}
    answered = []
    for name, state in post_only_urls():
        url = reverse(name, kwargs=resolve_args(world, state.get("args")) or None)
        for persona in _accepting(state):
            if request(clients[persona], "GET", url).status_code != 405:
                answered.append(f"GET {url} as {persona}")
    assert not answered, f"state-changing URLs answered GET: {answered}"


def test_state_changing_urls_are_found():
    assert len(list(post_only_urls())) >= 15
    assert len(list(form_urls())) >= 30
