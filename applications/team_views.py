"""Crew teams: forming a team, applying as one, confirming places; the studio's decisions on a
team (the rules live in ``applications.teams``)."""

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.forms import MessageForm, TeamApplyForm, TeamConfirmForm, TeamForm, TeamInviteForm
from applications.lookups import profile_of
from applications.teams import TEAMS_PER_HEAD, CrewTeam, TeamApplication, TeamMember, TeamPlace
from applications.views import _apply_allowed, _back_to_pipeline, _managed_shoots
from jobboard import ratelimit
from jobboard.transitions import InvalidTransition
from postings.models import Role, Shoot


def _teams_url(anchor: str = "") -> str:
    return reverse("applications:teams") + anchor


def _places():
    return Prefetch(
        "places",
        TeamPlace.objects.select_related("member", "role", "application").order_by("pk"),
    )


@require_safe
def teams(request):
    """My teams: those I head (members and open invitations), those I joined, invitations to
    join, and every team application I am on."""
    user = request.user
    headed = list(
        CrewTeam.objects.filter(head=user).prefetch_related(
            Prefetch("members", TeamMember.objects.select_related("user"))
        )
    )
    joined = list(
        TeamMember.objects.filter(user=user).select_related("team__head").order_by("joined_at")
    )
    invitations = list(
        TeamMember.objects.filter(user__isnull=True, email__iexact=user.email).select_related(
            "team__head"
        )
    )
    team_applications = list(
        TeamApplication.objects.concerning(user)
        .select_related("team__head", "shoot__studio", "shoot__city")
        .prefetch_related(_places())
        .order_by("-created_at", "pk")
    )
    for team_application in team_applications:
        team_application.mine = next(
            (p for p in team_application.places.all() if p.member_id == user.pk), None
        )
        team_application.i_head = team_application.team.head_id == user.pk
    return render(
        request,
        "applications/teams.html",
        {
            "headed": headed,
            "joined": joined,
            "invitations": invitations,
            "team_applications": team_applications,
            "create_form": TeamForm() if len(headed) < TEAMS_PER_HEAD else None,
            "invite_form": TeamInviteForm(),
            "confirm_form": TeamConfirmForm(),
            "has_profile": bool((p := profile_of(user)) and p.is_complete),
        },
    )


@require_POST
def team_create(request):
    form = TeamForm(request.POST)
    if CrewTeam.objects.filter(head=request.user).count() >= TEAMS_PER_HEAD:
        messages.error(request, _("You head %(n)d teams already.") % {"n": TEAMS_PER_HEAD})
    elif form.is_valid():
        team = CrewTeam.objects.create(head=request.user, name=form.cleaned_data["name"])
        messages.success(request, _("Team created. Invite its members by email."))
        return redirect(_teams_url(f"#team-{team.pk}"))
    else:
        messages.error(request, _("Give the team a name (at most 60 characters)."))
    return redirect(_teams_url())


@require_POST
def team_invite(request, pk):
    team = get_object_or_404(CrewTeam, pk=pk, head=request.user)
    form = TeamInviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
    elif not ratelimit.allow(f"team-invite:{request.user.pk}", 10, 60):
        messages.error(request, _("Too many invitations in a short time. Wait a minute."))
    else:
        try:
            member = team.invite(email=form.cleaned_data["email"], by=request.user)
        except InvalidTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": member.email})
    return redirect(_teams_url(f"#team-{team.pk}"))


@require_POST
def team_member_remove(request, pk, member_pk):
    """The head removes a member or withdraws an invitation; a member leaves."""
    member = get_object_or_404(
        TeamMember.objects.select_related("team", "user").filter(
            Q(team__head=request.user) | Q(user=request.user)
        ),
        pk=member_pk,
        team_id=pk,
    )
    leaving = member.user_id == request.user.pk
    member.leave(by=request.user)
    if leaving:
        messages.success(request, _("You left the team %(team)s.") % {"team": member.team.name})
    else:
        messages.success(request, _("%(who)s is no longer in the team.") % {"who": member.email})
    return redirect(_teams_url())


@require_http_methods(["GET", "POST"])
def team_join(request, token):
    """Only the invited address may answer: anyone else gets 404."""
    member = get_object_or_404(
        TeamMember.objects.select_related("team__head").filter(
            user__isnull=True, email__iexact=request.user.email
        ),
        token=token,
    )
    if request.method == "POST":
        if request.POST.get("answer") == "accept":
            try:
                member.accept(request.user)
            except InvalidTransition as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("You joined the team %(team)s.") % {"team": member.team.name}
                )
        else:
            member.leave(by=request.user)
            messages.success(request, _("Invitation declined."))
        return redirect(_teams_url())
    return render(request, "applications/team_join.html", {"member": member})


@require_http_methods(["GET", "POST"])
def team_apply(request, pk):
    """The head places the team's people on roles of one shoot."""
    shoot = get_object_or_404(
        Shoot.objects.visible_to(None).select_related("studio", "city"), pk=pk
    )
    roles = list(Role.objects.listed().filter(shoot=shoot).order_by("pk"))
    teams_headed = list(CrewTeam.objects.filter(head=request.user))
    team = next((t for t in teams_headed if str(t.pk) == request.GET.get("team")), None)
    team = team or (teams_headed[0] if teams_headed else None)
    profile = profile_of(request.user)
    if team is None:
        messages.info(request, _("Form a team first: you head it and invite its members."))
        return redirect(_teams_url())
    if profile is None or not profile.is_complete:
        messages.info(request, _("Complete your profile before you apply."))
        return redirect(reverse("accounts:profile_edit"))
    people = team.people()
    form = None
    applied = TeamApplication.objects.live().filter(team=team, shoot=shoot).first()
    if roles and len(people) >= 2 and applied is None:
        data = request.POST if request.method == "POST" else None
        form = TeamApplyForm(data, people=people, roles=roles, studio=shoot.studio)
    status = 200
    if request.method == "POST" and form is not None:
        if not _apply_allowed(request.user):
            messages.error(request, _("Too many applications in a short time. Wait a minute."))
            status = 429
        elif form.is_valid():
            try:
                TeamApplication.start(
                    team=team,
                    shoot=shoot,
                    by=request.user,
                    places=form.cleaned_data["places"],
                    note=form.cleaned_data["note"],
                )
            except InvalidTransition as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _(
                        "Your team's places are waiting for each member to confirm. The studio "
                        "sees the application when everyone has."
                    ),
                )
                return redirect(_teams_url())
    return render(
        request,
        "applications/team_apply.html",
        {
            "shoot": shoot,
            "roles": roles,
            "team": team,
            "teams_headed": teams_headed,
            "people": people,
            "form": form,
            "applied": applied,
        },
        status=400 if status == 200 and form is not None and form.errors else status,
    )


TEAM_ACTIONS = {"confirm", "decline-place", "cancel", "accept", "decline"}


@require_POST
def team_application_action(request, pk, action):
    """The members' answers: confirm or decline a place; the head cancels before it is sent,
    or accepts or declines the studio's offer for the team."""
    if action not in TEAM_ACTIONS:
        raise Http404
    team_application = get_object_or_404(
        TeamApplication.objects.concerning(request.user).select_related("team", "shoot"),
        pk=pk,
    )
    anchor = f"#team-application-{team_application.pk}"
    user = request.user
    try:
        if action == "confirm":
            form = TeamConfirmForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Tick both boxes to confirm your place and your dates."))
                return redirect(_teams_url(anchor))
            team_application.confirm(by=user, dates_confirmed=True)
            if team_application.stage == TeamApplication.Stage.SENT:
                done = _("Everyone confirmed: the team's application reached the studio.")
            elif team_application.stage == TeamApplication.Stage.CANCELLED:
                done = team_application.cancelled_why
            else:
                done = _("Place confirmed. The studio sees it when everyone has.")
        elif action == "decline-place":
            team_application.decline_place(by=user)
            done = _("You declined your place; the team's application was not sent.")
        elif action == "cancel":
            if user.pk != team_application.team.head_id:
                raise Http404
            team_application.cancel(by=user, reason="head_cancelled")
            done = _("The team's application was cancelled.")
        elif action == "accept":
            team_application.accept(by=user)
            done = _("The whole team is booked. See each booking on My applications.")
        else:
            team_application.decline(by=user)
            done = _("You declined the studio's offer for the team.")
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(_teams_url(anchor))


STUDIO_TEAM_ACTIONS = {"shortlist", "offer", "reject"}


@require_POST
def team_pipeline_action(request, pk, action):
    """The studio decides for a whole team: shortlist, offer (its head accepts for all), or
    turn it down."""
    if action not in STUDIO_TEAM_ACTIONS:
        raise Http404
    team_application = get_object_or_404(
        TeamApplication.objects.filter(
            stage=TeamApplication.Stage.SENT, shoot__in=_managed_shoots(request.user)
        ).select_related("team", "shoot__studio"),
        pk=pk,
    )
    form = MessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        if action == "shortlist":
            team_application.shortlist(by=request.user)
            done = _("The team %(team)s is on the shortlist.")
        elif action == "offer":
            team_application.offer(by=request.user, message=message)
            done = _("Offer sent to the team %(team)s: its head accepts for everyone.")
        else:
            team_application.reject(by=request.user, message=message)
            done = _("The team %(team)s was told it was not selected.")
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"team": team_application.team.name})
    return _back_to_pipeline(
        request, team_application.shoot_id, f"#team-application-{team_application.pk}"
    )
