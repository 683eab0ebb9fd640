"""The conversation on an application (the rules live in ``applications.threads``)."""

import os

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.cv import cv_response
from applications.forms import MessageEmailsForm, ThreadMessageForm
from applications.models import Application, Message
from applications.thread_page import log_moderator, thread_of, thread_page
from applications.threads import MESSAGES_PER_WINDOW
from jobboard import ratelimit
from jobboard.transitions import InvalidTransition


@require_http_methods(["GET", "HEAD", "POST"])
def thread(request, pk):
    """The conversation (``applications.thread_page``); a message sent to it (a redirect to
    the thread, or the page again with what was typed and why it was refused)."""
    form = None
    status = 200
    if request.method == "POST":
        row, _reader = thread_of(request.user, pk)
        form = ThreadMessageForm(request.POST, request.FILES)
        limit, window = MESSAGES_PER_WINDOW
        if not ratelimit.allow(f"message:{request.user.pk}", limit, window):
            flash.error(request, _("Too many messages in a short time. Wait a few minutes."))
            status = 429
        elif form.is_valid():
            upload = form.cleaned_data["attachment"]
            try:
                Message.send(
                    application=Application(pk=row["id"]),
                    by=request.user,
                    body=form.cleaned_data["body"],
                    attachment=upload,
                    attachment_name=_shown_name(upload) if upload else "",
                    attachment_type=upload.content_kind if upload else "",
                )
            except InvalidTransition as error:
                flash.error(request, str(error))
                status = 400
            except Application.DoesNotExist as gone:  # deleted since it was read
                raise Http404 from gone
            else:
                return redirect(f"{request.path}#thread-end")
        else:
            status = 400
    page = thread_page(request, pk, form=form, messages_only=bool(request.htmx))
    if request.htmx:  # the refresh every 15 seconds: only the messages
        return HttpResponse(page.content)
    row = page.row
    return render(
        request,
        "applications/thread.html",
        {
            "title": (row["role__title"], row["role__shoot__title"]),
            "content": page.content,
            "polls": page.polls,
        },
        status=status,
    )


def _shown_name(upload) -> str:
    """What the sender called the file, made safe to show (never used to store it)."""
    from django.utils.text import get_valid_filename

    stem = os.path.splitext(os.path.basename(upload.name.replace("\\", "/")))[0]
    try:
        stem = get_valid_filename(stem)[:120]
    except Exception:
        stem = "file"
    expected = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
    return f"{stem or 'file'}{expected.get(upload.content_kind, '.webp')}"


@require_safe
def message_attachment(request, pk):
    """An attachment, for the thread's participants and moderators (logged) only."""
    message = get_object_or_404(Message.objects.exclude(attachment=""), pk=pk)
    _row, reader = thread_of(request.user, message.application_id)
    log_moderator(reader, message.application_id, request.user)
    try:
        return cv_response(message.attachment, message.attachment_name or "attachment")
    except OSError as error:
        raise Http404 from error


@require_POST
def message_report(request, pk):
    """One tap: the applicant reports a studio's message to the moderators."""
    message = get_object_or_404(
        Message.objects.select_related("application__role__shoot"),
        pk=pk,
        application__applicant=request.user,
    )
    try:
        message.report(by=request.user)
    except InvalidTransition as error:
        flash.error(request, str(error))
    else:
        flash.success(
            request, _("Reported. A moderator will look at this conversation; thank you.")
        )
    return redirect("applications:thread", pk=message.application_id)


@require_POST
def message_emails(request, pk):
    thread_of(request.user, pk)
    form = MessageEmailsForm(request.POST)
    if form.is_valid():
        request.user.message_emails = form.cleaned_data["message_emails"]
        request.user.save(update_fields=["message_emails"])
        flash.success(request, _("Saved: it applies to all your conversations."))
    return redirect("applications:thread", pk=pk)


@require_safe
def inbox(request):
    """Every conversation the person is in (as an applicant, or for their studios), the newest
    first, with how many messages they have not read."""
    from django.core.paginator import Paginator
    from django.db.models import Count, Exists, Max, OuterRef, Q

    user = request.user
    unread = Message.objects.unread_by(user).filter(application=OuterRef("pk"))
    conversations = (
        Application.objects.filter(
            Q(applicant=user) | Q(role__shoot__studio__memberships__user=user),
            Exists(Message.objects.filter(application=OuterRef("pk"))),
        )
        .annotate(
            last_message_at=Max("messages__created_at"),
            unread=Count("messages", filter=Q(messages__in=unread.values("pk")), distinct=True),
        )
        .select_related("role__shoot__studio", "applicant")
        .order_by("-last_message_at", "-pk")
    )
    page = Paginator(conversations, 30).get_page(request.GET.get("page"))
    return render(request, "applications/inbox.html", {"page": page})
