"""Browser tests: Playwright drives Debian's Chromium (or Playwright's own build where one is
installed) against Django's live server."""

import os
import shutil
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _system_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "headless": True, "args": CHROMIUM_ARGS}
    if executable := _system_chromium():
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under var/screenshots (git-ignored) and return its path."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class _WhiteNoiseLiveServer(LiveServer):
    """Django's live server, with static files served by WhiteNoise from STATIC_ROOT exactly
    as in production (hashed names, compression, cache headers) instead of by the finders."""

    def __init__(self, addr: str) -> None:
        super().__init__(addr, start=False)
        self.thread.static_handler = lambda app: app
        self.start()


@pytest.fixture(scope="session")
def live_server(request):
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = _WhiteNoiseLiveServer(addr)
    yield server
    server.stop()


def sign_in(page, live_server, user) -> None:
    """Reuse a server-side session instead of typing a password (sign-in has its own tests):
    the browser gets the cookie of a session signed in as ``user`` (past the second factor for
    staff, as the moderator's code would take them)."""
    from django.conf import settings
    from django.test import Client

    from tests.conftest import _client_for

    client = _client_for(Client, user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
