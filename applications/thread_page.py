"""One conversation's page, read and shown fast (its rules live in ``applications.threads``).

An open thread is read again every 15 seconds by each side, and a thread of 30 messages cost
far more to compile and render than to read, so:

- the application (with its role, shoot, studio and city, whether the reader is a member of the
  studio and when they last read the thread), its messages, its status changes and the
  moderators' views are read by queries compiled once per process and prepared on each
  connection (``jobboard.sql.CompiledQuery``): every request reads current rows, and who may
  read is decided on them by the rule of ``Application.objects.visible_to``;
- the page's content (and the messages alone, for the refresh) is kept in the ``fragments``
  cache under a digest of those rows, of who reads (their side, their id, their email choice),
  of the address and of the language, time zone and day (``jobboard.fragments``): a change of
  anything it shows is a new key. Its forms carry a marker where each request's CSRF token
  goes (docs/caches.md).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import caches
from django.db.models import F, OuterRef, Subquery
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from applications.forms import MessageEmailsForm, ThreadMessageForm
from applications.models import Application, ApplicationEvent, json_rows
from applications.threads import (
    Message,
    ThreadModeratorView,
    ThreadState,
    thread_is_open_for,
    works_for_studio_applied_to,
)
from jobboard.fragments import CACHE_SECONDS, FORM_FIELDS, csrf_field, digest, html_version
from jobboard.sql import BIGINT_MAX, CompiledQuery

THREAD_FIELDS = [
    "id",
    "status",
    "applicant_id",
    "applicant__name",
    "applicant__email",
    "applicant__phone",
    "applicant__is_active",
    "applicant__crew_profile__wechat_id",
    "role__title",
    "role__start_date",
    "role__end_date",
    "role__shoot_id",
    "role__shoot__title",
    "role__shoot__contact_name",
    "role__shoot__contact_phone",
    "role__shoot__studio_id",
    "role__shoot__studio__name",
    "role__shoot__city__name_zh",
    "role__shoot__city__name_en",
]


def _thread(pk, user_id):
    """The thread's one row: the application with its role, shoot, studio and city; whether the
    reader (``user_id``) is a member of the studio and when they last read it; when each side
    last wrote; and, as JSON text, its messages, its status changes (a note alone changes none)
    and the moderators' views (the 20 latest)."""
    messages = Message.objects.filter(application=OuterRef("pk"))
    return (
        Application.objects.filter(pk=pk)
        .annotate(
            reader_is_member=works_for_studio_applied_to(user_id),
            reader_read_at=Subquery(
                ThreadState.objects.filter(application=OuterRef("pk"), user_id=user_id).values(
                    "read_at"
                )[:1]
            ),
            last_from_studio=_last(messages.filter(from_studio=True)),
            last_from_crew=_last(messages.filter(from_studio=False)),
            thread_messages=json_rows(
                messages,
                "application",
                ["created_at", "pk"],
                id=F("pk"),
                author_id=F("author_id"),
                author_name=F("author__name"),
                author_email=F("author__email"),
                from_studio=F("from_studio"),
                body=F("body"),
                attachment=F("attachment"),
                attachment_name=F("attachment_name"),
                attachment_type=F("attachment_type"),
                warns=F("warns"),
                reported_at=F("reported_at"),
                at=F("created_at"),
            ),
            thread_events=json_rows(
                ApplicationEvent.objects.filter(application=OuterRef("pk")).exclude(
                    from_status=F("to_status")
                ),
                "application",
                ["created_at", "pk"],
                to=F("to_status"),
                note=F("note"),
                private=F("is_private"),
                at=F("created_at"),
            ),
            moderators_read_at=ArraySubquery(
                ThreadModeratorView.objects.filter(application=OuterRef("pk"))
                .order_by("-viewed_at", "-pk")
                .values("viewed_at")[:20]
            ),
        )
        .values(
            *THREAD_FIELDS,
            "reader_is_member",
            "reader_read_at",
            "last_from_studio",
            "last_from_crew",
            "thread_messages",
            "thread_events",
            "moderators_read_at",
        )
    )


def _last(messages):
    return Subquery(messages.order_by("-created_at").values("created_at")[:1])


_THREAD = CompiledQuery(_thread, int, int, prepare=True)


class Reader(NamedTuple):
    """Who reads the thread, and as whom."""

    is_applicant: bool
    is_member: bool  # of the studio applied to (and not its applicant)

    @property
    def takes_part(self) -> bool:
        """The applicant or the studio: they write; anyone else who reads is a moderator."""
        return self.is_applicant or self.is_member


def log_moderator(reader: Reader, application_id: int, user) -> None:
    """A moderator's look at a thread (or one of its files) is logged; its participants see
    the log."""
    if not reader.takes_part:
        ThreadModeratorView.objects.create(application_id=application_id, moderator=user)


def thread_of(user, pk: int) -> tuple[dict, Reader]:
    """Application ``pk``'s row if ``user`` may read its thread (its applicant, a member of the
    studio applied to, or a moderator: the rule of ``Application.objects.visible_to``, decided
    on the one row); Http404 otherwise."""
    rows = _THREAD(pk, user.pk) if 0 < pk <= BIGINT_MAX else []
    if not rows:
        raise Http404
    row = rows[0]
    is_applicant = row["applicant_id"] == user.pk
    reader = Reader(is_applicant, not is_applicant and row["reader_is_member"])
    if not (reader.takes_part or user.has_staff_powers):
        raise Http404
    return row, reader


def mark_read(row: dict, reader: Reader, user) -> bool:
    """The reader (a participant) has read up to the last message the other side sent: only
    written when there is one they had not read (a refresh with nothing new writes nothing).
    True when it was unread."""
    if not reader.takes_part:
        return False
    theirs = row["last_from_studio"] if reader.is_applicant else row["last_from_crew"]
    if theirs and (row["reader_read_at"] is None or theirs > row["reader_read_at"]):
        ThreadState.mark_read(row["id"], user, at=theirs)
        return True
    return False


class ThreadPage(NamedTuple):
    row: dict
    reader: Reader
    content: SafeString  # the page's content, or the messages alone (``messages_only``)
    polls: bool  # open, and read by a participant: refreshed every 15 seconds


def thread_page(
    request, pk: int, *, form: ThreadMessageForm | None = None, messages_only: bool = False
) -> ThreadPage:
    """Thread ``pk`` as ``request.user`` may read it (Http404 otherwise), read up to its last
    message; with ``form``, a message that was refused (shown with what was typed, never
    cached)."""
    user = request.user
    row, reader = thread_of(user, pk)
    log_moderator(reader, row["id"], user)
    if form is None and mark_read(row, reader, user) and getattr(user, "unread_threads", 0):
        # The menu's count was read with the user, before this thread was: it is one less.
        user.unread_threads -= 1
    # Everything the page shows comes from the row (when they last read it shows nothing),
    # who reads it and the address: their digest is the key.
    shown = {name: value for name, value in row.items() if name != "reader_read_at"}
    state = (shown, reader, user.pk, user.message_emails, request.path)
    cache = caches["fragments"]
    part = "messages" if messages_only else "page"
    key = f"thread-{part}:{html_version()}:{digest(state)}"
    html = cache.get(key) if form is None else None
    if html is None:
        html = render_to_string(
            f"applications/thread.html#{part}",
            _context(row, reader, user, form, path=request.path),
        )
        if form is None:
            cache.set(key, html, CACHE_SECONDS)
    polls = reader.takes_part and _is_open(row)
    # The template escaped every value it shows, so the marker is only ever ours.
    html = mark_safe(html.replace(FORM_FIELDS, csrf_field(request)))  # noqa: S308
    return ThreadPage(row, reader, html, polls)


def _is_open(row: dict) -> bool:
    return thread_is_open_for(
        status=row["status"],
        applicant_active=row["applicant__is_active"],
        end_date=row["role__end_date"],
    )


def _context(row, reader, user, form, *, path) -> dict:
    """The page's context, from the row alone (its HTML is cached under the row's digest)."""
    status = Application(status=row["status"])
    applicant = User.display_name_of(row["applicant__name"], row["applicant__email"])
    english = (translation.get_language() or "").startswith("en")  # as City.name
    studio = row["role__shoot__studio__name"]
    timeline = [
        {
            "kind": "message",
            "at": datetime.fromisoformat(m["at"]),
            "id": m["id"],
            "from_studio": m["from_studio"],
            "mine": m["author_id"] == user.pk,
            "sender": (
                studio
                + (
                    f" · {User.display_name_of(m['author_name'], m['author_email'])}"
                    if m["author_id"] is not None and not reader.is_applicant
                    else ""
                )
                if m["from_studio"]
                else applicant
            ),
            "body": m["body"],
            "attachment": bool(m["attachment"]),
            "attachment_name": m["attachment_name"],
            "is_image": m["attachment_type"].startswith("image/"),
            "warns": m["warns"] and m["author_id"] != user.pk,
            "reportable": reader.is_applicant and m["from_studio"],
            "reported": m["reported_at"] is not None,
        }
        for m in json.loads(row["thread_messages"] or "[]")
    ] + [
        {
            "kind": "event",
            "at": datetime.fromisoformat(e["at"]),
            "status": Application(status=e["to"]).get_status_display(),
            "note": e["note"],
        }
        for e in json.loads(row["thread_events"] or "[]")
        if not (reader.is_applicant and e["private"])  # studio notes: never to the applicant
    ]
    timeline.sort(key=lambda item: item["at"])
    can_write = reader.takes_part
    is_open = _is_open(row)
    return {
        "thread": {
            "pk": row["id"],
            "shoot_pk": row["role__shoot_id"],
            "studio": row["role__shoot__studio__name"],
            "applicant": applicant,
            "phone": row["applicant__phone"],
            "wechat_id": row["applicant__crew_profile__wechat_id"] or "",
            "role": row["role__title"],
            "shoot": row["role__shoot__title"],
            "city": row["role__shoot__city__name_en" if english else "role__shoot__city__name_zh"],
            "start_date": row["role__start_date"],
            "end_date": row["role__end_date"],
            "status": status.get_status_display(),
            "status_tone": status.status_tone,
            "contact_name": row["role__shoot__contact_name"],
            "contact_phone": row["role__shoot__contact_phone"],
        },
        "reader": reader,
        "timeline": timeline,
        "booked": row["status"] == Application.Status.BOOKED,
        "is_open": is_open,
        "can_write": can_write,
        "moderator_views": row["moderators_read_at"],
        "form": form or ThreadMessageForm(),
        "emails_form": MessageEmailsForm(initial={"message_emails": user.message_emails}),
        "form_fields": mark_safe(FORM_FIELDS),  # noqa: S308 - a constant
        "path": path,
    }
