"""Mail backends for tests that run real processes (tests/test_worker.py)."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class SlowFileBackend(FileBackend):
    """The file backend (one file per message), taking SLOW_MAIL_SECONDS before it writes a
    message to an address that starts with "slow": a mail server that hangs on one message,
    so that a test can kill the worker while that task runs."""

    def send_messages(self, messages):
        delay = float(os.environ.get("SLOW_MAIL_SECONDS", "0"))
        if delay and any(address.startswith("slow") for m in messages for address in m.to):
            time.sleep(delay)
        return super().send_messages(messages)


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")
