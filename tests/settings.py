"""Test settings: the environment a test run shares, then the one settings module."""

import os

os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Tasks run in-process when enqueued, so an email queued after commit is in mail.outbox.
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Playwright's sync API runs an event loop in the test thread; the ORM calls that the browser
# tests make between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from jobboard.settings import *  # noqa: F403
