"""Log filters (settings.LOGGING)."""

import logging

from django.db import InterfaceError, OperationalError


class DatabaseUnavailable(logging.Filter):
    """``django.request`` logs a request's uncaught exception with its traceback. When the
    cause is a database out of reach (the request got the 503 page), the traceback says
    nothing new, and an outage would print thousands: one line says which request and why.
    A request that fails twice (a middleware meets the same outage on the way out) is logged
    once."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (OperationalError, InterfaceError)):
            request = getattr(record, "request", None)
            if request is not None:
                if getattr(request, "_database_unavailable_logged", False):
                    return False
                request._database_unavailable_logged = True
            where = f"{request.method} {request.get_full_path()}" if request else "?"
            record.msg = "database unavailable: %s (%s)"
            record.args = (where, " ".join(str(error).split()))
            record.exc_info = record.exc_text = None
        return True
