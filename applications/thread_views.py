"""The conversation on an application (the rules live in ``applications.threads``)."""

import os

from django.contrib import messages as flash
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.cv import cv_response
from applications.forms import MessageEmailsForm, ThreadMessageForm
from applications.models import Application, Message, ThreadModeratorView, ThreadState
from applications.threads import MESSAGES_PER_WINDOW, thread_is_open
from jobboard import ratelimit
from jobboard.transitions import InvalidTransition


def _thread_of(user, pk):
    """The application ``pk`` if ``user`` is its applicant, a member of the studio applied to,
    or a moderator (whose every look is logged for the participants): the rule of
    ``Application.objects.visible_to``, decided on the one row; 404 otherwise."""
    application = get_object_or_404(
        Application.objects.select_related(
            "role__shoot__studio", "role__shoot__city", "applicant__crew_profile"
        ),
        pk=pk,
    )
    studio = application.role.shoot.studio
    application.is_applicant = user.pk == application.applicant_id
    application.is_member = not application.is_applicant and studio.is_member(user)
    if not (application.is_applicant or application.is_member or user.has_staff_powers):
        raise Http404
    return application


def _log_moderator(request, application) -> None:
    if not (application.is_applicant or application.is_member):
        ThreadModeratorView.objects.create(application=application, moderator=request.user)


@require_http_methods(["GET", "HEAD", "POST"])
def thread(request, pk):
    application = _thread_of(request.user, pk)
    form = ThreadMessageForm()
    status = 200
    if request.method == "POST":
        form = ThreadMessageForm(request.POST, request.FILES)
        limit, window = MESSAGES_PER_WINDOW
        if not ratelimit.allow(f"message:{request.user.pk}", limit, window):
            flash.error(request, _("Too many messages in a short time. Wait a few minutes."))
            status = 429
        elif form.is_valid():
            upload = form.cleaned_data["attachment"]
            try:
                Message.send(
                    application=application,
                    by=request.user,
                    body=form.cleaned_data["body"],
                    attachment=upload,
                    attachment_name=_shown_name(upload) if upload else "",
                    attachment_type=upload.content_kind if upload else "",
                )
            except InvalidTransition as error:
                flash.error(request, str(error))
                status = 400
            else:
                return redirect(f"{request.path}#thread-end")
        else:
            status = 400
    else:
        _log_moderator(request, application)
        if application.is_applicant or application.is_member:
            ThreadState.mark_read(application, request.user)
    thread_messages = list(Message.objects.filter(application=application).select_related("author"))
    # The application's status changes, in line (studio notes only for the studio's side).
    events = application.events.exclude(from_status=models.F("to_status"))
    if application.is_applicant:
        events = events.filter(is_private=False)
    timeline = sorted(
        [("message", m.created_at, m) for m in thread_messages]
        + [("event", e.created_at, e) for e in events],
        key=lambda item: item[1],
    )
    context = {
        "application": application,
        "role": application.role,
        "shoot": application.role.shoot,
        "timeline": timeline,
        "form": form,
        "is_open": thread_is_open(application),
        "can_write": application.is_applicant or application.is_member,
        "booked": application.status == Application.Status.BOOKED,
        "moderator_views": list(application.moderator_views.order_by("-viewed_at")[:20]),
        "emails_form": MessageEmailsForm(initial={"message_emails": request.user.message_emails}),
    }
    if request.htmx:  # the refresh every 15 seconds: only the messages
        return render(request, "applications/thread.html#messages", context)
    return render(request, "applications/thread.html", context, status=status)


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
    application = _thread_of(request.user, message.application_id)
    _log_moderator(request, application)
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
    application = _thread_of(request.user, pk)
    form = MessageEmailsForm(request.POST)
    if form.is_valid():
        request.user.message_emails = form.cleaned_data["message_emails"]
        request.user.save(update_fields=["message_emails"])
        flash.success(request, _("Saved: it applies to all your conversations."))
    return redirect("applications:thread", pk=application.pk)


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
