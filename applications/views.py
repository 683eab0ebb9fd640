import csv

from django.contrib import messages
from django.core.files.base import ContentFile
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.cv import cv_response, display_name, profile_cv_copy
from accounts.models import StudioBlock
from applications.forms import (
    ApplyForm,
    BulkRejectForm,
    DisputeAnswerForm,
    MessageForm,
    PrivateNoteForm,
    WorkForm,
    WrapAnswerForm,
    WrapReplyForm,
)
from applications.lookups import profile_of, role_to_apply
from applications.models import (
    Application,
    ApplicationEvent,
    CrewTeam,
    CVView,
    Message,
    RoleInvitation,
    TeamApplication,
    TeamPlace,
    Wrap,
    date_clashes,
)
from applications.pipeline import managed_shoots, unread_conversations
from applications.pipeline import pipeline as applicants
from jobboard import ratelimit
from jobboard.transitions import InvalidTransition
from postings.models import Shoot

# Applying is rate-limited per person: this many submissions per window (in seconds).
APPLY_RATE = 10
APPLY_WINDOW = 60


def _apply_allowed(user) -> bool:
    """Count this attempt; False once the person went over ``APPLY_RATE`` in the window (shared
    by every process: see jobboard.ratelimit)."""
    return ratelimit.allow(f"apply:{user.pk}", APPLY_RATE, APPLY_WINDOW)


_managed_shoots = managed_shoots


def _studio_applications(user):
    return Application.objects.filter(role__shoot__in=_managed_shoots(user))


def _cv_copy(form: ApplyForm, profile) -> tuple[ContentFile, str]:
    """A private copy of the CV taken now, so that later profile edits do not change what the
    studio received."""
    if form.cleaned_data["cv_choice"] == ApplyForm.PROFILE_CV and profile.cv:
        return profile_cv_copy(profile)
    upload = form.cleaned_data["cv_file"]
    upload.seek(0)
    return ContentFile(upload.read(), name="cv.pdf"), display_name(upload.name)


@require_http_methods(["GET", "POST"])
def apply(request, pk):
    submitting = request.method == "POST"
    role = role_to_apply(pk, request.user, slim=submitting)
    apply_url = request.path
    profile = profile_of(request.user)
    if profile is None or not profile.is_complete:
        messages.info(
            request,
            _(
                "Complete your profile before you apply: studios see your name, department "
                "and home city with your application."
            ),
        )
        edit_url = reverse("accounts:profile_edit")
        return redirect(f"{edit_url}?{urlencode({'next': apply_url})}")

    if role.applied:
        messages.info(request, _("You have already applied to this role. Follow it here."))
        return redirect(f"{reverse('applications:my_applications')}#application-{role.applied}")

    form = None
    if role.is_open:
        form = ApplyForm(
            request.POST or None,
            request.FILES or None,
            profile=profile,
            studio=role.shoot.studio,
            start_date=role.start_date,
            end_date=role.end_date,
        )
    status = 200
    if submitting:
        if form is None:
            messages.error(request, _("This role is no longer taking applications."))
            return redirect(apply_url)
        if not _apply_allowed(request.user):
            messages.error(request, _("Too many applications in a short time. Wait a minute."))
            status = 429
        elif form.is_valid():
            try:
                cv, cv_name = _cv_copy(form, profile)
            except OSError:
                form.add_error(
                    "cv_choice",
                    _("The CV on your profile cannot be read. Upload a PDF for this application."),
                )
            else:
                try:
                    application = Application.submit(
                        role=role,
                        applicant=request.user,
                        note=form.cleaned_data["note"],
                        cv=cv,
                        cv_name=cv_name,
                        dates_confirmed=form.cleaned_data["dates_confirmed"],
                    )
                except InvalidTransition as error:
                    messages.error(request, str(error))
                    return redirect(apply_url)
                messages.success(
                    request,
                    _("Application sent to %(studio)s. You will get an email at every step.")
                    % {"studio": role.shoot.studio.name},
                )
                return redirect(
                    f"{reverse('applications:my_applications')}#application-{application.pk}"
                )
        # Refused or invalid: the form comes back with what was typed, on the whole role's page.
        role = role_to_apply(pk, request.user, slim=False)
    return _render_apply(request, role, profile, form, status=status)


def _render_apply(request, role, profile, form, status=200):
    context = {
        "role": role,
        "shoot": role.shoot,
        "form": form,
        "profile": profile,
        "clashes": date_clashes(request.user, role.start_date, role.end_date),
        "first_application": not Application.objects.filter(applicant=request.user).exists(),
        "role_url": reverse("postings:role_detail", kwargs={"pk": role.pk}),
        "availability_url": reverse("accounts:availability"),
        # A studio invited them to this role: the form shows it.
        "invitation": RoleInvitation.objects.filter(
            role_id=role.pk, crew=request.user, status=RoleInvitation.Status.PENDING
        )
        .select_related("studio")
        .first(),
        # The head of a team can apply with it to several of the shoot's roles at once.
        "heads_a_team": CrewTeam.objects.filter(head=request.user).exists(),
    }
    return render(request, "applications/apply.html", context, status=status)


def my_applications(request):
    applications = list(
        Application.objects.of_applicant(request.user)
        .select_related(
            "role",
            "role__shoot",
            "role__shoot__studio",
            "role__shoot__city",
            "team_place__team_application__team",
        )
        .prefetch_related(
            Prefetch("events", ApplicationEvent.objects.filter(is_private=False)),
            Prefetch("cv_views", CVView.objects.select_related("studio")),
        )
    )
    today = timezone.localdate()
    booked = sorted(
        (
            a
            for a in applications
            if a.status == Application.Status.BOOKED and a.role.end_date >= today
        ),
        key=lambda a: a.role.start_date,
    )
    # Invitations to apply that wait for an answer (not declined, not applied to).
    invitations = list(
        RoleInvitation.objects.waiting_for(request.user).select_related(
            "role__shoot__city", "studio"
        )
    )
    # After the wrap: the bookings to answer for, newest first (they outlive applications).
    wraps = list(Wrap.objects.filter(crew=request.user).select_related("role", "shoot", "studio"))
    wrap_of = {wrap.application_id: wrap for wrap in wraps}
    # The conversation on each: its messages and how many they have not read.
    talked = dict(
        Message.objects.filter(application__applicant=request.user)
        .values("application")
        .annotate(n=Count("pk"))
        .values_list("application", "n")
    )
    unread = dict(
        Message.objects.unread_by_applicant(request.user)
        .values("application")
        .annotate(n=Count("pk", distinct=True))
        .values_list("application", "n")
    )
    for application in applications:
        application.wrap_card = wrap_of.get(application.pk)
        application.message_count = talked.get(application.pk, 0)
        application.unread = unread.get(application.pk, 0)
    cv_views = sorted(
        ((view, a) for a in applications for view in a.cv_views.all()),
        key=lambda pair: pair[0].viewed_at,
        reverse=True,
    )
    return render(
        request,
        "applications/my_applications.html",
        {
            "applications": applications,
            "booked": booked,
            "wraps_to_answer": [wrap for wrap in wraps if wrap.waits_for_crew],
            "invitations": invitations,
            "cv_views": cv_views,
            "role_list_url": reverse("postings:role_list"),
        },
    )


def _crew_action(request, pk, action: str, done: str):
    application = get_object_or_404(
        Application.objects.of_applicant(request.user).select_related("role__shoot__studio"),
        pk=pk,
    )
    try:
        getattr(application, action)(by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(f"{reverse('applications:my_applications')}#application-{application.pk}")


@require_POST
def withdraw(request, pk):
    return _crew_action(request, pk, "withdraw", _("Application withdrawn."))


@require_POST
def accept(request, pk):
    return _crew_action(request, pk, "accept", _("Offer accepted: you are booked."))


@require_POST
def decline(request, pk):
    return _crew_action(request, pk, "decline", _("Offer declined."))


# --- The studio's pipeline -------------------------------------------------------------------


def pipeline(request, pk):
    found = applicants(
        request,
        pk,
        status=request.GET.get("status", ""),
        role=request.GET.get("role", ""),
        page_number=request.GET.get("page"),
    )
    shoot = found.shoot
    # Teams applied as one unit: decided on (offered, turned down) as one. Per request, beside
    # the cached body.
    team_applications = []
    if found.sent_teams:
        team_applications = list(
            TeamApplication.objects.filter(shoot=shoot.pk, stage=TeamApplication.Stage.SENT)
            .select_related("team__head")
            .prefetch_related(
                Prefetch(
                    "places",
                    TeamPlace.objects.select_related("member", "role", "application").order_by(
                        "pk"
                    ),
                )
            )
            .order_by("sent_at", "pk")
        )
    # The conversations with messages this member has not read (per person: not in the body;
    # moderators read no conversations from here).
    unread = [] if request.user.has_staff_powers else unread_conversations(shoot.pk, request.user)
    return render(
        request,
        "applications/pipeline.html",
        {
            "shoot": shoot,
            "body": found.body,
            "team_applications": team_applications,
            "unread_threads": unread,
        },
    )


def _back_to_pipeline(request, shoot_id: int, anchor: str = "") -> HttpResponse:
    target = request.POST.get("next", "")
    pipeline_url = reverse("applications:pipeline", kwargs={"pk": shoot_id})
    if not (
        target.startswith(pipeline_url)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = pipeline_url
    return redirect(f"{target}{anchor}")


PIPELINE_ACTIONS = {"shortlist", "reject", "offer", "release", "note"}


@require_POST
def pipeline_action(request, pk, action):
    if action not in PIPELINE_ACTIONS:
        raise Http404
    application = get_object_or_404(
        _studio_applications(request.user).select_related("role__shoot__studio", "applicant"),
        pk=pk,
    )
    anchor = f"#application-{application.pk}"
    if action == "note":
        form = PrivateNoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a note first."))
            return _back_to_pipeline(request, application.role.shoot_id, anchor)
        application.add_private_note(by=request.user, note=form.cleaned_data["note"])
        messages.success(request, _("Note saved. Only your studio sees it."))
        return _back_to_pipeline(request, application.role.shoot_id, anchor)

    form = MessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    name = application.applicant.display_name
    try:
        if action == "shortlist":
            application.shortlist(by=request.user)
            done = _("%(name)s is on the shortlist.")
        elif action == "reject":
            application.reject(by=request.user, message=message)
            done = _("%(name)s was told they were not selected.")
        elif action == "offer":
            application.offer(by=request.user, message=message)
            done = _("Offer sent to %(name)s.")
        else:
            application.release(by=request.user, note=message)
            done = _("The booking of %(name)s was released; the opening is free again.")
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"name": name})
    return _back_to_pipeline(request, application.role.shoot_id, anchor)


@require_POST
def bulk_reject(request, pk):
    shoot = get_object_or_404(_managed_shoots(request.user), pk=pk)
    form = BulkRejectForm(
        request.POST,
        queryset=Application.objects.filter(role__shoot=shoot).select_related(
            "role__shoot__studio", "applicant"
        ),
    )
    if not form.is_valid():
        messages.error(request, _("Tick the applications to reject first."))
        return _back_to_pipeline(request, shoot.pk)
    rejected = skipped = 0
    for application in form.cleaned_data["applications"]:
        try:
            application.reject(by=request.user, message=form.cleaned_data["message"])
            rejected += 1
        except InvalidTransition:
            skipped += 1
    if rejected:
        messages.success(
            request,
            ngettext(
                "%(count)d applicant was told they were not selected.",
                "%(count)d applicants were told they were not selected.",
                rejected,
            )
            % {"count": rejected},
        )
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d application could not be rejected in its current status.",
                "%(count)d applications could not be rejected in their current status.",
                skipped,
            )
            % {"count": skipped},
        )
    return _back_to_pipeline(request, shoot.pk)


def _csv_cell(value) -> str:
    """Spreadsheet programs run cells that start like a formula: neutralise them."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def pipeline_csv(request, pk):
    shoot = get_object_or_404(_managed_shoots(request.user), pk=pk)
    applications = (
        Application.objects.filter(role__shoot=shoot)
        .select_related("role", "applicant")
        .order_by("role_id", "status", "pk")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="crew-list-shoot-{shoot.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    # A byte order mark lets spreadsheet programs read the Chinese text as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Name"), _("Role"), _("Department"), _("Status"), _("Email"), _("Phone")])
    for application in applications:
        booked = application.status == Application.Status.BOOKED
        applicant = application.applicant
        writer.writerow(
            _csv_cell(cell)
            for cell in (
                applicant.display_name,
                application.role.title,
                application.role.get_department_display(),
                application.get_status_display(),
                applicant.email if booked else "",
                applicant.phone if booked else "",
            )
        )
    return response


# --- CVs -------------------------------------------------------------------------------------


def cv(request, pk):
    """The CV sent with an application: for the applicant, the studio applied to and
    moderators. Every look by someone other than the applicant is logged for them to see."""
    application = get_object_or_404(
        Application.objects.visible_to(request.user).select_related("role__shoot__studio"),
        pk=pk,
    )
    if not application.cv:
        raise Http404
    try:
        response = cv_response(application.cv, application.cv_name or "cv.pdf")
    except OSError as error:
        raise Http404 from error
    if request.user.pk != application.applicant_id:
        studio = application.role.shoot.studio
        CVView.objects.create(
            application=application,
            viewer=request.user,
            studio=studio if studio.is_member(request.user) else None,
        )
    return response


# --- After the wrap --------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def wrap(request, pk):
    """The crew member's page for one wrapped booking: were they paid, what the studio said of
    their work, the dispute, and the confirmed credit."""
    wrap = get_object_or_404(
        Wrap.objects.filter(crew=request.user).select_related("role", "shoot", "studio"), pk=pk
    )
    forms = {
        "answer": WrapAnswerForm(
            initial={"paid": wrap.paid, "days_late": wrap.days_late, "day_hours": wrap.day_hours}
        ),
        "reply": WrapReplyForm(),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer":
                form = forms["answer"] = WrapAnswerForm(request.POST)
                if form.is_valid():
                    wrap.answer(by=request.user, **form.cleaned_data)
                    messages.success(request, _("Thank you: your answer is saved."))
                    return redirect(wrap_url(wrap))
            elif action == "reply":
                form = forms["reply"] = WrapReplyForm(request.POST)
                if form.is_valid():
                    wrap.reply(by=request.user, text=form.cleaned_data["text"])
                    messages.success(request, _("Your answer was sent to the studio."))
                    return redirect(wrap_url(wrap))
            elif action == "confirm_paid":
                wrap.confirm_paid(by=request.user)
                messages.success(request, _("Thank you: the dispute is resolved."))
                return redirect(wrap_url(wrap))
            elif action == "still_unpaid":
                wrap.still_unpaid(by=request.user)
                messages.success(request, _("The dispute is open again; the studio is told."))
                return redirect(wrap_url(wrap))
            elif action in {"hide_credit", "show_credit"}:
                wrap.show_credit(by=request.user, shown=action == "show_credit")
                return redirect(wrap_url(wrap))
            else:
                return HttpResponseBadRequest(_("Unknown action."))
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect(wrap_url(wrap))
    return render(
        request,
        "applications/wrap.html",
        {"wrap": wrap, "answer_form": forms["answer"], "reply_form": forms["reply"]},
    )


def wrap_url(wrap) -> str:
    return reverse("applications:wrap", kwargs={"pk": wrap.pk})


@require_safe
def shoot_wrap(request, pk):
    """The studio's page after the wrap: each booked person, what they answered about their
    pay (a studio sees its own crew's answers: it owes them), the work to confirm and the
    disputes to answer."""
    shoot = get_object_or_404(_managed_shoots(request.user).select_related("studio"), pk=pk)
    return _render_shoot_wrap(request, shoot)


def _render_shoot_wrap(request, shoot, *, failed=None, dispute_form=None):
    """The page, with a refused dispute answer (``failed``: its wrap's pk) kept as typed."""
    wraps = list(shoot.wraps.select_related("role", "crew").order_by("role__pk", "pk"))
    return render(
        request,
        "applications/shoot_wrap.html",
        {
            "shoot": shoot,
            "wraps": wraps,
            "work_form": WorkForm(),
            "dispute_form": dispute_form or DisputeAnswerForm(),
            "failed": failed,
            "is_member": shoot.studio.is_member(request.user),
        },
    )


@require_POST
def shoot_wrap_action(request, pk, wrap_pk, action):
    """A studio member confirms the work of one booked person, or answers their dispute."""
    shoot = get_object_or_404(
        Shoot.objects.managed_by(request.user).select_related("studio"), pk=pk
    )
    wrap = get_object_or_404(shoot.wraps.select_related("role", "crew"), pk=wrap_pk)
    back = f"{reverse('applications:shoot_wrap', kwargs={'pk': shoot.pk})}#wrap-{wrap.pk}"
    if action == "work":
        form = WorkForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the answers."))
            return redirect(back)
        call = lambda: wrap.confirm_work(by=request.user, **form.cleaned_data)  # noqa: E731
        done = _("Saved: the crew member is told.")
    elif action == "answer":
        form = DisputeAnswerForm(request.POST)
        if not form.is_valid():  # the page again, with what was typed and why
            return _render_shoot_wrap(request, shoot, failed=wrap.pk, dispute_form=form)
        call = lambda: wrap.studio_answers(by=request.user, **form.cleaned_data)  # noqa: E731
        done = _("Your answer was sent to the crew member.")
    else:
        raise Http404
    try:
        call()
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(back)


# --- Invitations to apply ----------------------------------------------------------------------


@require_POST
def invitation_decline(request, pk):
    """Decline an invitation to apply, with an optional reason; ``block`` also blocks the
    studio (it never finds nor invites them again)."""

    invitation = get_object_or_404(RoleInvitation.objects.filter(crew=request.user), pk=pk)
    reason = request.POST.get("reason", "")[:500]
    try:
        invitation.decline(by=request.user, reason=reason)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Invitation declined."))
    if request.POST.get("block"):
        profile = profile_of(request.user)
        if profile is not None:
            StudioBlock.objects.get_or_create(profile=profile, studio=invitation.studio)
            messages.success(
                request,
                _("%(studio)s is blocked: it will not find or invite you again.")
                % {"studio": invitation.studio.name},
            )
    return redirect(reverse("applications:my_applications"))
