from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def _static_manifest():
    """Tests serve static files as production does (hashed names from the manifest). `make
    test` collects them first; a single test run by hand collects them here if missing."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions(django_db_setup, django_db_blocker):
    """Before the test databases are dropped, end any session still open on them (a thread or
    a child process of a test that is still exiting keeps one for up to CONN_MAX_AGE), so that
    DROP DATABASE does not fail the last test of a worker."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def own_database(tmp_path_factory):
    """A PostgreSQL server of the test's own, which it may stop and start (tests/test_faults.py,
    tests/test_worker.py): (its data folder, the DATABASES entry of its database "own")."""
    from jobboard import database

    # A short path: the server's Unix socket lives in its data folder.
    pgdata = Path(tmp_path_factory.mktemp("pg")) / "data"
    settings = database.embedded_settings(pgdata, name="own")
    yield pgdata, settings
    database.stop(pgdata)


@pytest.fixture(autouse=True)
def _fresh_fragments():
    """Each test starts with empty fragment, page and count caches (they outlive a test's
    data)."""
    from django.core.cache import caches

    caches["fragments"].clear()
    caches["pages"].clear()
    caches["searches"].clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request to an /en/ page leaves
    English active in the thread (LocaleMiddleware does not reset it), and ``reverse()``
    would then give the next test English addresses."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _content_version_follows_writes(request):
    """The ContentVersion triggers fire at commit (jobboard/migrations/0002), and a test in a
    transaction never commits: there they fire as each row is written, so that the caches
    keyed by the version see a test's writes as they would see committed ones."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if not (marker is not None or "db" in names or "transactional_db" in names):
        return
    if "transactional_db" in names or "live_server" in names:
        return
    if marker is not None and marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("db")
    from django.db import connection

    from jobboard.models import CONTENT_TRIGGERS

    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {', '.join(CONTENT_TRIGGERS)} IMMEDIATE")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files of a test go to a folder of its own, never to var/private."""
    location = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": location, "base_url": None},
        },
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location


@pytest.fixture
def hub_city(db):
    """Transactional tests flush the seeded cities: put back the one the factories use."""
    from postings.models import City

    city, _ = City.objects.get_or_create(
        slug="hengdian",
        defaults={"name_zh": "横店", "name_en": "Hengdian", "province": "浙江", "is_hub": True},
    )
    return city


# --- Personas ---------------------------------------------------------------------------------
# A graduate, a second graduate, a recruiter of studio A, a recruiter of studio B, the owner of
# studio A, a moderator, and anonymous (the plain ``client``).


@pytest.fixture
def graduate(db):
    from tests.factories import CrewProfileFactory

    return CrewProfileFactory(user__email="grad@example.com", user__name="李小灯").user


@pytest.fixture
def other_graduate(db):
    from tests.factories import CrewProfileFactory

    return CrewProfileFactory(user__email="grad2@example.com", user__name="王二助").user


@pytest.fixture
def studio_a(db):
    from tests.factories import StudioFactory

    return StudioFactory(name="星河短剧", slug="xinghe")


@pytest.fixture
def studio_b(db):
    from tests.factories import StudioFactory

    return StudioFactory(name="竖屏影业", slug="shuping")


@pytest.fixture
def owner(studio_a):
    from accounts.models import StudioMembership
    from tests.factories import UserFactory, member

    user = UserFactory(email="owner@xinghe.example", name="陈制片")
    member(user, studio_a, StudioMembership.Role.OWNER)
    return user


@pytest.fixture
def recruiter(studio_a):
    from tests.factories import UserFactory, member

    user = UserFactory(email="recruiter@xinghe.example", name="赵统筹")
    member(user, studio_a)
    return user


@pytest.fixture
def other_recruiter(studio_b):
    from tests.factories import UserFactory, member

    user = UserFactory(email="recruiter@shuping.example", name="孙副导")
    member(user, studio_b)
    return user


@pytest.fixture
def moderator(db):
    from tests.factories import UserFactory

    user = UserFactory(
        email="mod@callsheet.example", name="审核员", is_staff=True, is_superuser=True
    )
    # Staff reach the admin only with a second factor (jobboard/middleware.py).
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, MODERATOR_TOTP_SECRET)
    return user


# The database task backend, as in production (the tests' own runs tasks at once).
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def database_url(settings_dict: dict | None = None) -> str:
    """A DATABASE_URL for a child process (a worker, a web server) to use the test database
    (or the one ``settings_dict`` describes)."""
    from urllib.parse import quote

    from django.db import connection

    s = settings_dict or connection.settings_dict
    host = quote(s["HOST"] or "localhost", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    return f"postgres://{quote(s['USER'], safe='')}{password}@{host}:{s['PORT']}/{s['NAME']}"


# The moderator's TOTP secret: tests compute codes from it with allauth's hotp_value().
MODERATOR_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_totp(secret: str = MODERATOR_TOTP_SECRET, margin: float = 5) -> str:
    """The authenticator's code now, as a person would read it: never in the last `margin`
    seconds of its 30-second window, so that it is still the current code when the server
    checks it (a code read at 29.9 s and checked at 30.1 s is refused, rightly)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def pass_second_factor(client, user) -> None:
    """Record in ``client``'s session that it passed the second factor, as allauth does when a
    person gives their authenticator's code (tests/safety/test_staff_second_factor.py goes
    through the real form)."""
    from types import SimpleNamespace

    from allauth.account.internal.flows.login import record_authentication

    session = client.session
    record_authentication(SimpleNamespace(session=session), user, "mfa", type="totp")
    session.save()


def _client_for(client_class, user):
    """A client signed in as ``user``; a staff member's session has passed the second factor
    (without it, staff have no staff powers: jobboard.middleware)."""
    c = client_class()
    c.force_login(user)
    if user.is_staff:
        pass_second_factor(c, user)
    return c


@pytest.fixture
def as_user():
    """``as_user(user)`` → a test client signed in as that user."""
    from django.test import Client

    return lambda user: _client_for(Client, user)
