from __future__ import annotations

import calendar
import io
import json
import zipfile
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.cv import cv_response, display_name
from accounts.forms import (
    CreditFormSet,
    CrewProfileForm,
    DeleteAccountForm,
    InvitationForm,
    RoleInviteForm,
    StudioForm,
    UnavailabilityForm,
)
from accounts.models import (
    CrewProfile,
    Studio,
    StudioInvitation,
    StudioMembership,
    Unavailability,
)
from jobboard.transitions import InvalidTransition


def _booked_applications(user, start: date | None = None, end: date | None = None):
    from applications.models import Application

    booked = Application.objects.booked().of_applicant(user)
    if start and end:
        booked = booked.overlapping(start, end)
    return booked.select_related("role", "role__shoot", "role__shoot__studio").order_by(
        "role__start_date"
    )


# --- Dashboard and crew profile ---------------------------------------------------------------


@require_safe
def dashboard(request):
    user = request.user
    profile = CrewProfile.objects.filter(user=user).first()
    memberships = user.studio_memberships.select_related("studio", "studio__city")
    return render(
        request,
        "accounts/dashboard.html",
        {
            "profile": profile,
            "missing": profile.missing() if profile else [],
            "memberships": memberships,
            "invitations": StudioInvitation.objects.filter(
                email__iexact=user.email, accepted_at__isnull=True
            ).select_related("studio"),
            "upcoming": _booked_applications(user).filter(role__end_date__gte=timezone.localdate())[
                :5
            ],
        },
    )


def profile_edit(request):
    """The crew profile with its credits in one form. A CV is checked before anything is saved;
    a replaced CV is deleted once the new one is committed; a failed save removes the new
    file, so no orphan is left behind."""
    user = request.user
    profile = CrewProfile.objects.filter(user=user).first() or CrewProfile(user=user)
    form = CrewProfileForm(request.POST or None, request.FILES or None, instance=profile, user=user)
    formset = CreditFormSet(
        request.POST or None, instance=profile, prefix="credits", queryset=_credits(profile)
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        upload = form.cleaned_data.get("new_cv")
        old_cv = profile.cv.name if profile.pk and profile.cv else ""
        profile = form.save(commit=False)
        if upload:
            profile.cv = upload  # stored under a server-generated name (cv_upload_to)
            profile.cv_name = display_name(upload.name)
            profile.cv_uploaded_at = timezone.now()
        try:
            with transaction.atomic():
                user.name = form.cleaned_data["name"].strip()
                user.phone = form.cleaned_data["phone"].strip()
                user.save(update_fields=["name", "phone"])
                if "visibility" in form.changed_data:  # they answered on the form
                    profile.answer_findable(
                        profile.visibility == CrewProfile.Visibility.VERIFIED_STUDIOS
                    )
                profile.save()
                form.save_m2m()
                formset.instance = profile
                formset.save()
        except Exception:
            # Only a file this request wrote: before the save, the name is the uploader's.
            if upload and getattr(profile.cv, "_committed", False) and profile.cv.name != old_cv:
                profile.cv.storage.delete(profile.cv.name)
            raise
        if upload and old_cv:
            storage = profile.cv.storage
            transaction.on_commit(lambda: storage.delete(old_cv))
        messages.success(request, _("Your profile is saved."))
        # Sent here from an application form: go back to it once the profile is complete.
        next_url = request.GET.get("next", "")
        if profile.is_complete and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("accounts:profile_edit")
    from accounts.models import StudioBlock
    from applications.models import Wrap

    blocked = StudioBlock.objects.filter(profile__user=user).select_related("studio")
    confirmed = (
        Wrap.objects.filter(crew=request.user)
        .credits()
        .select_related("role", "shoot", "studio")
        .order_by("-shoot__end_date", "pk")
    )
    return render(
        request,
        "accounts/profile_edit.html",
        {
            "form": form,
            "formset": formset,
            "profile": profile,
            "confirmed_credits": confirmed,
            "blocked": blocked,
        },
    )


def _credits(profile):
    from accounts.models import Credit

    return profile.credits.all() if profile.pk else Credit.objects.none()


@require_safe
def cv_download(request):
    profile = get_object_or_404(CrewProfile.objects.exclude(cv=""), user=request.user)
    return cv_response(profile.cv, profile.cv_name or "cv.pdf")


@require_POST
def cv_delete(request):
    profile = get_object_or_404(CrewProfile.objects.exclude(cv=""), user=request.user)
    name, storage = profile.cv.name, profile.cv.storage
    profile.cv = ""
    profile.cv_name = ""
    profile.cv_uploaded_at = None
    profile.save(update_fields=["cv", "cv_name", "cv_uploaded_at", "updated_at"])
    transaction.on_commit(lambda: storage.delete(name))
    messages.success(request, _("Your CV is removed."))
    return redirect("accounts:profile_edit")


# --- Availability -----------------------------------------------------------------------------


def _month(value: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def availability(request):
    """A month of days with the ranges marked unavailable and the confirmed bookings, and a
    form to mark more days."""
    profile = get_object_or_404(CrewProfile, user=request.user)
    first = _month(request.GET.get("month"))
    form = UnavailabilityForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The days are marked as unavailable."))
        return redirect(
            reverse("accounts:availability")
            + "?month="
            + form.cleaned_data["start_date"].strftime("%Y-%m")
        )
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1]
    ranges = list(profile.unavailabilities.filter(start_date__lte=end, end_date__gte=start))
    bookings = list(_booked_applications(request.user, start, end))
    days = []
    for week in weeks:
        row = []
        for day in week:
            off = next((r for r in ranges if r.start_date <= day <= r.end_date), None)
            booked = next(
                (a for a in bookings if a.role.start_date <= day <= a.role.end_date), None
            )
            row.append(
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "today": day == timezone.localdate(),
                    "off": off,
                    "booked": booked,
                }
            )
        days.append(row)
    previous_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "accounts/availability.html",
        {
            "form": form,
            "month": first,
            "weeks": days,
            "weekdays": [weeks[0][i] for i in range(7)],
            "previous_month": previous_month.strftime("%Y-%m"),
            "next_month": next_month.strftime("%Y-%m"),
            "ranges": profile.unavailabilities.filter(end_date__gte=timezone.localdate()),
            "bookings": _booked_applications(request.user).filter(
                role__end_date__gte=timezone.localdate()
            ),
        },
    )


@require_POST
def availability_delete(request, pk: int):
    unavailability = get_object_or_404(
        Unavailability.objects.filter(profile__user=request.user), pk=pk
    )
    month = unavailability.start_date.strftime("%Y-%m")
    unavailability.delete()
    messages.success(request, _("The days are free again."))
    return redirect(reverse("accounts:availability") + "?month=" + month)


# --- Studios ----------------------------------------------------------------------------------


def studio_create(request):
    form = StudioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        studio = form.save(commit=False)
        studio.register(owner=request.user)
        messages.success(
            request,
            _("Your studio is registered. A moderator will check it, usually within a day."),
        )
        return redirect(studio)
    return render(request, "accounts/studio_form.html", {"form": form})


@login_not_required
@require_safe
def studio_detail(request, slug: str):
    from postings.models import Shoot

    studio = get_object_or_404(Studio.objects.select_related("city"), slug=slug)
    is_member = studio.is_member(request.user)
    if studio.verification_status == Studio.Verification.SUSPENDED and not (
        is_member or getattr(request.user, "has_staff_powers", False)
    ):
        raise Http404
    shoots = (
        Shoot.objects.public().filter(studio=studio).select_related("city").order_by("start_date")
    )
    return render(
        request,
        "accounts/studio_detail.html",
        {"studio": studio, "shoots": shoots, "is_member": is_member},
    )


def _owned_studio(request, slug: str) -> Studio:
    return get_object_or_404(Studio.objects.owned_by(request.user), slug=slug)


# Invitations a studio may send a day, by its verification (an unverified studio could
# otherwise relay spam under a name of its choosing), and that one person may send an hour.
INVITATIONS_PER_DAY = {"verified": 30, "other": 3}
INVITATIONS_PER_HOUR_PER_PERSON = 10


def _may_invite(studio, user) -> bool:
    """Count one invitation; False once the studio or the person is over its limit."""
    from jobboard import ratelimit

    per_day = INVITATIONS_PER_DAY["verified" if studio.is_verified else "other"]
    return ratelimit.allow(f"invite:studio:{studio.pk}", per_day, 86_400) and ratelimit.allow(
        f"invite:user:{user.pk}", INVITATIONS_PER_HOUR_PER_PERSON, 3_600
    )


def studio_team(request, slug: str):
    studio = _owned_studio(request, slug)
    form = InvitationForm(request.POST or None, studio=studio)
    status = 200
    if request.method == "POST" and form.is_valid():
        if _may_invite(studio, request.user):
            StudioInvitation(
                studio=studio, email=form.cleaned_data["email"], invited_by=request.user
            ).invite()
            messages.success(
                request,
                _("We emailed an invitation to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:studio_team", slug=studio.slug)
        status = 429
        form.add_error(
            None,
            _(
                "Your studio has sent as many invitations as it may for now (%(count)d a day "
                "until it is verified, %(verified)d once it is). Try again later."
            )
            % {"count": INVITATIONS_PER_DAY["other"], "verified": INVITATIONS_PER_DAY["verified"]},
        )
    return render(
        request,
        "accounts/studio_team.html",
        {
            "studio": studio,
            "form": form,
            "memberships": studio.memberships.select_related("user").order_by("role", "pk"),
            "invitations": studio.invitations.filter(accepted_at__isnull=True),
        },
        status=status,
    )


@require_POST
def studio_member_remove(request, slug: str, pk: int):
    studio = _owned_studio(request, slug)
    membership = get_object_or_404(
        studio.memberships.filter(role=StudioMembership.Role.RECRUITER), pk=pk
    )
    membership.delete()
    messages.success(request, _("%(name)s is no longer in your team.") % {"name": membership.user})
    return redirect("accounts:studio_team", slug=studio.slug)


@require_POST
def invitation_cancel(request, slug: str, pk: int):
    studio = _owned_studio(request, slug)
    invitation = get_object_or_404(studio.invitations.filter(accepted_at__isnull=True), pk=pk)
    invitation.delete()
    messages.success(request, _("The invitation is cancelled."))
    return redirect("accounts:studio_team", slug=studio.slug)


def invitation_accept(request, token: str):
    """Only the invited address may accept: anyone else gets 404."""
    invitation = get_object_or_404(
        StudioInvitation.objects.select_related("studio").filter(
            accepted_at__isnull=True, email__iexact=request.user.email
        ),
        token=token,
    )
    if request.method == "POST":
        try:
            invitation.accept(request.user)
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect("accounts:dashboard")
        messages.success(request, _("You joined %(studio)s.") % {"studio": invitation.studio.name})
        return redirect(invitation.studio)
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation})


# --- Personal data ----------------------------------------------------------------------------


def _export_data(user) -> tuple[dict, list[tuple[str, object]]]:
    from django.db.models import Q

    from accounts.models import StudioBlock
    from applications.models import (
        Application,
        CrewTeam,
        Message,
        RoleInvitation,
        TeamMember,
        TeamPlace,
        Wrap,
    )

    data: dict = {
        "account": {
            "email": user.email,
            "name": user.name,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "crew_profile": None,
        "studio_memberships": [
            {"studio": m.studio.name, "role": m.role, "joined_at": m.created_at}
            for m in user.studio_memberships.select_related("studio")
        ],
        "applications": [],
        "alerts": [
            {
                "name": a.name,
                "search": a.query,
                "frequency": a.frequency,
                "created_at": a.created_at,
            }
            for a in user.saved_searches.all()
        ],
        "invitations_to_apply": [
            {
                "studio": i.studio.name,
                "role": i.role.title,
                "shoot": i.role.shoot.title,
                "message": i.message,
                "invited_at": i.created_at,
                "status": i.status,
                "decline_reason": i.decline_reason,
            }
            for i in RoleInvitation.objects.filter(crew=user).select_related(
                "studio", "role__shoot"
            )
        ],
        # Teams they head or joined, and their places on team applications.
        "teams": [
            {"team": t.name, "head": True, "created_at": t.created_at}
            for t in CrewTeam.objects.filter(head=user)
        ]
        + [
            {"team": m.team.name, "head": False, "joined_at": m.joined_at}
            for m in TeamMember.objects.filter(user=user).select_related("team")
        ],
        "team_applications": [
            {
                "team": p.team_application.team.name,
                "shoot": p.team_application.shoot.title,
                "role": p.role.title,
                "stage": p.team_application.stage,
                "confirmed_at": p.confirmed_at,
            }
            for p in TeamPlace.objects.filter(member=user).select_related(
                "team_application__team", "team_application__shoot", "role"
            )
        ],
        # The conversations on their applications, and what they wrote for their studios.
        "messages": [
            {
                "role": m.application.role.title,
                "shoot": m.application.role.shoot.title,
                "from_studio": m.from_studio,
                "written_by_me": m.author_id == user.pk,
                "body": m.body,
                "attachment": m.attachment_name,
                "sent_at": m.created_at,
            }
            for m in Message.objects.filter(Q(application__applicant=user) | Q(author=user))
            .select_related("application__role__shoot")
            .order_by("application_id", "created_at")
        ],
        "blocked_studios": [
            b.studio.name
            for b in StudioBlock.objects.filter(profile__user=user).select_related("studio")
        ],
        # After the wrap: their answers about pay, and what the studio said of their work.
        "after_the_wrap": [
            {
                "shoot": w.shoot.title,
                "role": w.role.title,
                "studio": w.studio.name,
                "asked_at": w.asked_at,
                "paid": w.paid,
                "days_late": w.days_late,
                "typical_day_hours": w.day_hours,
                "answered_at": w.answered_at,
                "worked": w.worked,
                "your_answer_to_the_studio": w.crew_reply,
                "dispute": w.dispute,
                "studio_response": w.studio_response,
                "credit_hidden": w.credit_hidden,
            }
            for w in Wrap.objects.filter(crew=user).select_related("shoot", "role", "studio")
        ],
    }
    files: list[tuple[str, object]] = []
    profile = (
        CrewProfile.objects.filter(user=user)
        .select_related("home_city")
        .prefetch_related("work_cities", "credits", "unavailabilities")
        .first()
    )
    if profile:
        data["crew_profile"] = {
            "headline": profile.headline,
            "departments": profile.departments,
            "home_city": str(profile.home_city or ""),
            "work_cities": [str(c) for c in profile.work_cities.all()],
            "experience_level": profile.experience_level,
            "school": profile.school,
            "major": profile.major,
            "graduation_year": profile.graduation_year,
            "bio": profile.bio,
            "showreel_url": profile.showreel_url,
            "portfolio_url": profile.portfolio_url,
            "expected_day_rate": profile.expected_day_rate,
            "own_kit": profile.own_kit,
            "visibility": profile.visibility,
            "cv": profile.cv_name,
            "credits": [
                {
                    "production": c.production_title,
                    "role": c.role,
                    "year": c.year,
                    "studio": c.studio_name,
                    "link": c.link,
                }
                for c in profile.credits.all()
            ],
            "unavailable_days": [
                {"from": u.start_date, "to": u.end_date, "note": u.note}
                for u in profile.unavailabilities.all()
            ],
        }
        if profile.cv:
            files.append((f"cv/{profile.cv_name or 'cv.pdf'}", profile.cv))
    from allauth.account.models import EmailAddress
    from django.db.models import Prefetch

    from applications.models import ApplicationEvent, CVView
    from postings.models import Report

    applications = (
        Application.objects.filter(applicant=user)
        .select_related("role", "role__shoot", "role__shoot__studio")
        .prefetch_related(
            # The history as the applicant sees it: studio-only notes stay the studio's.
            Prefetch(
                "events",
                ApplicationEvent.objects.filter(is_private=False).select_related("actor"),
            ),
            Prefetch("cv_views", CVView.objects.select_related("studio")),
        )
    )
    for application in applications:
        data["applications"].append(
            {
                "role": application.role.title,
                "shoot": application.role.shoot.title,
                "studio": application.role.shoot.studio.name,
                "status": application.status,
                "note": application.note,
                "applied_at": application.created_at,
                "consent_to_share_at": application.consent_at,
                "dates_confirmed": application.dates_confirmed,
                "offered_at": application.offered_at,
                "booked_dates": _date_range(application.booked_dates),
                "cv": application.cv_name,
                "history": [
                    {
                        "at": event.created_at,
                        "from": event.from_status,
                        "to": event.to_status,
                        "by": "you" if event.actor_id == user.pk else "studio",
                        "message": event.note,
                    }
                    for event in application.events.all()
                ],
                "cv_viewed": [
                    {"at": view.viewed_at, "by_studio": view.studio.name if view.studio else ""}
                    for view in application.cv_views.all()
                ],
            }
        )
        if application.cv:
            files.append(
                (f"applications/{application.pk}-{application.cv_name or 'cv.pdf'}", application.cv)
            )
    data["reports_filed"] = [
        {
            "shoot": report.shoot.title,
            "reason": report.reason,
            "details": report.details,
            "status": report.status,
            "filed_at": report.created_at,
            "resolution": report.resolution,
        }
        for report in Report.objects.filter(reporter=user).select_related("shoot")
    ]
    data["email_addresses"] = [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=user)
    ]
    return data, files


def _date_range(dates) -> list | None:
    """A booking's dates as [first day, last day]."""
    if not dates:
        return None
    last = dates.upper - timedelta(days=1) if not dates.upper_inc else dates.upper
    return [dates.lower, last]


@require_safe
def data_export(request):
    """A ZIP with everything we hold about the user: data.json and their CV files."""
    data, files = _export_data(request.user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for name, fieldfile in files:
            try:
                with fieldfile.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                continue
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="callsheet-data.zip"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        with transaction.atomic():
            user.erase()
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for using Callsheet."))
        return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form})


# --- Crew search, for verified studios --------------------------------------------------------


@require_safe
def crew_search(request):
    """Crew who let verified studios find them, for members of a verified studio only."""
    from accounts.search import crew_listing, finding_studio

    studio = finding_studio(request.user, request.GET.get("studio", ""))
    if studio is None:
        raise Http404
    listing = crew_listing(request, studio)
    return render(request, "accounts/crew_search.html", {"studio": studio, "listing": listing})


@require_POST
def crew_invite(request):
    """Invite one person from the search to a role (``RoleInvitation.send`` decides)."""
    from accounts.models import User
    from accounts.search import finding_studio, roles_to_invite_to
    from applications.models import RoleInvitation

    studio = finding_studio(request.user, request.POST.get("studio", ""))
    if studio is None:
        raise Http404
    form = RoleInviteForm(request.POST, roles=roles_to_invite_to(studio))
    back = request.POST.get("next", "")
    search_url = reverse("accounts:crew_search")
    if not (
        back.startswith(search_url)
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = search_url
    if not form.is_valid():
        messages.error(request, _("Choose one of your open roles to invite to."))
        return redirect(back)
    crew = User.objects.filter(pk=form.cleaned_data["crew"]).first()
    if crew is None:
        raise Http404
    try:
        RoleInvitation.send(
            role=form.cleaned_data["role"],
            crew=crew,
            by=request.user,
            message=form.cleaned_data["message"],
        )
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s is invited to apply to %(role)s.")
            % {"name": crew.display_name, "role": form.cleaned_data["role"].title},
        )
    return redirect(back)


@require_POST
def unblock_studio(request, pk: int):
    from accounts.models import StudioBlock

    block = get_object_or_404(StudioBlock.objects.filter(profile__user=request.user), pk=pk)
    block.delete()
    messages.success(request, _("%(studio)s is no longer blocked.") % {"studio": block.studio})
    return redirect(f"{reverse('accounts:profile_edit')}#blocked")


@require_POST
def findable_answer(request):
    """The one clear question once the profile is complete: may verified studios find me and
    invite me to apply? The answer is the profile's "who can see my profile"."""
    profile = get_object_or_404(CrewProfile, user=request.user)
    yes = request.POST.get("findable") == "yes"
    profile.answer_findable(yes)
    profile.save(update_fields=["visibility", "findable_asked_at", "updated_at"])
    if yes:
        messages.success(
            request,
            _("Verified studios can now find you and invite you to apply."),
        )
    else:
        messages.success(request, _("Only studios you apply to see your profile."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("accounts:dashboard")
    return redirect(target)
