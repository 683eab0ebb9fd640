"""Email through Django's tasks framework: queued in the transaction of the change it tells
of, rendered in the recipient's language inside the worker, sent with the default mailer.

Each app's ``emails.py`` has one small function per message that picks the recipients and a
JSON-serialisable context; the templates live under ``templates/emails/``."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@task
def send_templated_email(
    *, to: list[str], template: str, context: dict, language: str, headers: dict | None = None
) -> None:
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body = render_to_string(f"emails/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=to, headers=headers or {}).send()


def email_user(user, template: str, context: dict, headers: dict | None = None) -> None:
    """Queue one email to ``user`` in their preferred language. Call it inside the transaction
    that makes the change it tells of: with the database task backend the task's row commits
    with that change or not at all, so a process that dies right after the commit loses no
    email (and a task whose worker died is run again: ``jobboard.worker``). The immediate
    backend of the tests sends at once."""
    if not user.email or not user.is_active:
        return
    send_templated_email.enqueue(
        to=[user.email],
        template=template,
        context=context,
        language=user.preferred_language or settings.LANGUAGE_CODE,
        headers=headers,
    )
