"""Crews that apply as a team: a head (a gaffer, say) and the accounts that accepted to join
their team. The head applies to several roles of one shoot at once; each member confirms their
place and dates, then the team's applications reach the studio together, and the studio offers
to (or turns down) the whole team, whose head accepts for all: every booking in one
transaction, or none.

``TeamApplication`` holds what the applications cannot: the places before they are sent, and
whether a member who left has put the team back in the studio's hands. Every other state (is
the team offered? booked?) is the applications' own, read from them, never copied."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import emails
from applications.models import Application
from jobboard.transitions import InvalidTransition

TEAM_SIZE = 12  # the head and up to 11 others: a department's unit, not a whole crew
TEAM_INVITES_PER_DAY = 20
TEAMS_PER_HEAD = 5


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CrewTeam(models.Model):
    """A head and the members who accepted to join. Members are accounts: an invitation goes to
    an email address and is accepted by whoever signs in with it."""

    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="teams_headed",
        verbose_name=_("head"),
    )
    name = models.CharField(_("team name"), max_length=60)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("crew team")
        verbose_name_plural = _("crew teams")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name

    def joined(self):
        """The members who accepted (the head not included)."""
        return self.members.filter(user__isnull=False).select_related("user")

    def people(self) -> list:
        """The head, then the members who joined: who can be placed on an application."""
        return [self.head, *(member.user for member in self.joined())]

    @transaction.atomic
    def invite(self, *, email: str, by) -> TeamMember:
        """Invite ``email`` to join: refused past the team's size or the head's daily limit,
        for the head's own address, or an address already invited or in the team."""
        team = CrewTeam.objects.select_for_update().get(pk=self.pk)
        email = email.strip()
        if by.pk != team.head_id:
            raise InvalidTransition(_("Only the team's head can invite members."))
        if email.lower() == by.email.lower():
            raise InvalidTransition(_("You head this team already."))
        if team.members.filter(email__iexact=email).exists():
            raise InvalidTransition(_("This address is already invited to the team or in it."))
        if team.members.count() + 1 >= TEAM_SIZE:
            raise InvalidTransition(_("A team has at most %(n)d people.") % {"n": TEAM_SIZE})
        since = timezone.now() - timedelta(days=1)
        sent = TeamMember.objects.filter(team__head=by, invited_at__gte=since).count()
        if sent >= TEAM_INVITES_PER_DAY:
            raise InvalidTransition(
                _("You have sent %(n)d team invitations in the last 24 hours: try tomorrow.")
                % {"n": TEAM_INVITES_PER_DAY}
            )
        member = TeamMember.objects.create(team=team, email=email)
        emails.team_invitation(member)
        return member


class TeamMember(models.Model):
    """An invitation to join a team (``user`` empty), or a member who accepted it."""

    team = models.ForeignKey(
        CrewTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("team")
    )
    email = models.EmailField(_("email address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name=_("member"),
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    joined_at = models.DateTimeField(_("joined at"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "team", name="team_member_once_per_email"),
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(user__isnull=False),
                name="team_member_once",
            ),
        ]
        indexes = [models.Index(Lower("email"), name="team_member_email")]

    def __str__(self) -> str:
        return f"{self.email} → {self.team}"

    @property
    def has_joined(self) -> bool:
        return self.user_id is not None

    @transaction.atomic
    def accept(self, user) -> None:
        """Only the invited address may accept, once."""
        locked = TeamMember.objects.select_for_update().get(pk=self.pk)
        if locked.user_id is not None or user.email.lower() != locked.email.lower():
            raise InvalidTransition(_("This invitation is not for this account."))
        if user.pk == locked.team.head_id:
            raise InvalidTransition(_("You head this team already."))
        self.user, self.joined_at = user, timezone.now()
        self.save(update_fields=["user", "joined_at"])

    @transaction.atomic
    def leave(self, *, by, reason: str = "member_left") -> None:
        """The member leaves (or the head removes them, or an invitation is withdrawn or
        declined). Team applications still being confirmed that place them are not sent:
        everyone on them hears why. Applications already with a studio stay theirs to
        withdraw."""
        if self.user_id is not None:
            for team_application in TeamApplication.objects.confirming().filter(
                team_id=self.team_id, places__member_id=self.user_id
            ):
                team_application.cancel(by=by, reason=reason, who=self.user)
        self.delete()


class TeamApplicationQuerySet(models.QuerySet):
    def confirming(self) -> TeamApplicationQuerySet:
        return self.filter(stage=TeamApplication.Stage.CONFIRMING)

    def live(self) -> TeamApplicationQuerySet:
        """Being confirmed or sent: a team applies to a shoot once while one is live."""
        return self.exclude(stage=TeamApplication.Stage.CANCELLED)

    def concerning(self, user) -> TeamApplicationQuerySet:
        """The team applications ``user`` heads or has a place on."""
        return self.filter(Q(team__head=user) | Q(places__member=user)).distinct()


class TeamApplication(models.Model):
    """A team's application to several roles of one shoot."""

    class Stage(models.TextChoices):
        CONFIRMING = "confirming", _("Waiting for the team to confirm")
        SENT = "sent", _("Sent to the studio")
        CANCELLED = "cancelled", _("Not sent")

    team = models.ForeignKey(
        CrewTeam, on_delete=models.CASCADE, related_name="applications", verbose_name=_("team")
    )
    shoot = models.ForeignKey(
        "postings.Shoot",
        on_delete=models.CASCADE,
        related_name="team_applications",
        verbose_name=_("shoot"),
        db_index=False,  # the index below leads with it
    )
    note = models.TextField(_("note to the studio"), max_length=2000, blank=True)
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.CONFIRMING
    )
    cancelled_why = models.CharField(_("why it was not sent"), max_length=200, blank=True)
    # A member withdrew after it was sent: an offer to the rest went back to the studio, which
    # decides again (offer to the team as it is now, or not).
    back_to_studio = models.BooleanField(_("back with the studio"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = TeamApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("team application")
        verbose_name_plural = _("team applications")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "shoot"],
                condition=~Q(stage="cancelled"),
                name="team_application_once_per_shoot",
            )
        ]
        indexes = [models.Index(fields=["shoot", "stage"], name="team_application_shoot")]

    def __str__(self) -> str:
        return f"{self.team} → {self.shoot}"

    # --- reading the applications ---------------------------------------------------------

    def sent_applications(self) -> list[Application]:
        """The applications of its places (prefetch ``places__application``)."""
        return [p.application for p in self.places.all() if p.application is not None]

    @property
    def studio_state(self) -> str:
        """What the team's application is now, read from its applications: booked (any
        member booked), offered (every active one offered), with the studio (some pending),
        or over."""
        S = Application.Status
        active = [a for a in self.sent_applications() if a.is_active]
        if any(a.status == S.BOOKED for a in active):
            return S.BOOKED
        if active and all(a.status == S.OFFERED for a in active):
            return S.OFFERED
        if any(a.status == S.SHORTLISTED for a in active):
            return S.SHORTLISTED
        if active:
            return S.SUBMITTED
        return "over"

    @property
    def state_label(self) -> str:
        if self.stage != self.Stage.SENT:
            return self.get_stage_display()
        state = self.studio_state
        if state == "over":
            return _("Over")
        if self.back_to_studio and state != Application.Status.BOOKED:
            return _("A member withdrew: the studio decides again")
        return Application.Status(state).label

    def can_decide(self) -> bool:
        """The studio can shortlist, offer to or turn down the team."""
        S = Application.Status
        return self.stage == self.Stage.SENT and any(
            a.status in {S.SUBMITTED, S.SHORTLISTED} for a in self.sent_applications()
        )

    def can_accept(self) -> bool:
        return self.stage == self.Stage.SENT and self.studio_state == Application.Status.OFFERED

    # --- the head applies; members confirm -------------------------------------------------

    @classmethod
    @transaction.atomic
    def start(cls, *, team, shoot, by, places: dict, note: str) -> TeamApplication:
        """The head applies for the team: ``places`` maps people of the team to roles of the
        shoot (the head's own place is confirmed by applying). Each member is asked to
        confirm; the studio sees nothing until all have."""
        from postings.models import Role

        if by.pk != team.head_id:
            raise InvalidTransition(_("Only the team's head can apply for the team."))
        if len(places) < 2:
            raise InvalidTransition(_("Place at least two people of the team on roles."))
        people = {person.pk for person in team.people()}
        if not {p.pk for p in places} <= people:
            raise InvalidTransition(_("Only the team's members can be placed."))
        open_roles = set(Role.objects.listed().filter(shoot=shoot).values_list("pk", flat=True))
        if not all(role.pk in open_roles for role in places.values()):
            raise InvalidTransition(_("This role is no longer taking applications."))
        applied = Application.objects.filter(
            role__shoot=shoot, applicant__in=list(places)
        ).select_related("applicant", "role")
        for application in applied:
            if places.get(application.applicant) == application.role:
                raise InvalidTransition(
                    _("%(name)s has already applied to %(role)s.")
                    % {"name": application.applicant.display_name, "role": application.role.title}
                )
        if cls.objects.live().filter(team=team, shoot=shoot).exists():
            raise InvalidTransition(_("Your team has already applied to this shoot."))
        team_application = cls.objects.create(team=team, shoot=shoot, note=note.strip())
        now = timezone.now()
        for person, role in places.items():
            TeamPlace.objects.create(
                team_application=team_application,
                member=person,
                role=role,
                confirmed_at=now if person.pk == by.pk else None,
            )
        for place in team_application.places.exclude(member=by).select_related("member", "role"):
            emails.team_place_to_confirm(place)
        team_application.send_if_confirmed()
        return team_application

    @transaction.atomic
    def confirm(self, *, by, dates_confirmed: bool) -> None:
        """``by`` confirms their place and that they can work its dates. The last
        confirmation sends the team's applications to the studio."""
        team_application = TeamApplication.objects.select_for_update().get(pk=self.pk)
        if team_application.stage != self.Stage.CONFIRMING:
            raise InvalidTransition(_("This team application is no longer waiting for you."))
        if not dates_confirmed:
            raise InvalidTransition(_("Confirm that you can work the shoot dates."))
        place = team_application.places.filter(member=by).first()
        if place is None:
            raise InvalidTransition(_("You have no place on this team application."))
        if place.confirmed_at is None:
            place.confirmed_at = timezone.now()
            place.save(update_fields=["confirmed_at"])
        team_application.send_if_confirmed()
        self.refresh_from_db()

    def send_if_confirmed(self) -> bool:
        """Once every place is confirmed: submit one application per place, in one
        transaction (any refusal, as a role that stopped taking applications, sends none and
        cancels the team's application, and everyone on it hears why)."""
        if self.places.filter(confirmed_at__isnull=True).exists():
            return False
        places = list(self.places.select_related("member__crew_profile", "role").order_by("pk"))
        try:
            with transaction.atomic():
                for place in places:
                    cv, cv_name = _profile_cv(place.member)
                    place.application = Application.submit(
                        role=place.role,
                        applicant=place.member,
                        note=self.note,
                        cv=cv,
                        cv_name=cv_name,
                        dates_confirmed=True,
                    )
                    place.save(update_fields=["application"])
        except InvalidTransition as error:
            self.cancel(by=None, reason="refused", why=str(error))
            return False
        self.stage, self.sent_at = self.Stage.SENT, timezone.now()
        self.save(update_fields=["stage", "sent_at"])
        return True

    @transaction.atomic
    def cancel(self, *, by, reason: str, who=None, why: str = "") -> None:
        """Not sent after all: the head cancelled, a member declined their place or left the
        team, a role or the shoot stopped taking applications. Everyone on it, except whoever
        did it, hears once."""
        locked = TeamApplication.objects.select_for_update().get(pk=self.pk)
        if locked.stage != self.Stage.CONFIRMING:
            if by is not None and reason == "head_cancelled":
                raise InvalidTransition(_("This team application is no longer waiting."))
            return
        name = who.display_name if who is not None else ""
        why = why or {
            "head_cancelled": _("The head cancelled it."),
            "declined": _("%(name)s declined their place.") % {"name": name},
            "member_left": _("%(name)s left the team.") % {"name": name},
            "shoot_ended": _("The shoot stopped taking applications."),
            "account_deleted": _("A member of the team deleted their account."),
        }.get(reason, "")
        self.stage, self.cancelled_why = self.Stage.CANCELLED, str(why)[:200]
        self.save(update_fields=["stage", "cancelled_why"])
        told = {by.pk} if by is not None else set()
        for place in self.places.select_related("member", "role"):
            if place.member_id not in told:
                told.add(place.member_id)
                emails.team_application_cancelled(self, place.member)

    @transaction.atomic
    def decline_place(self, *, by) -> None:
        if not self.places.filter(member=by).exists():
            raise InvalidTransition(_("You have no place on this team application."))
        locked = TeamApplication.objects.select_for_update().get(pk=self.pk)
        if locked.stage != self.Stage.CONFIRMING:
            raise InvalidTransition(_("This team application is no longer waiting for you."))
        self.cancel(by=by, reason="declined", who=by)

    @classmethod
    def cancel_for_shoot(cls, shoot) -> None:
        """The shoot stopped taking applications: its team applications still being confirmed
        are not sent."""
        for team_application in cls.objects.confirming().filter(shoot=shoot):
            team_application.cancel(by=None, reason="shoot_ended")

    # --- the studio decides for the team; the head answers ---------------------------------

    def lock(self) -> list[Application]:
        """Lock in the order of every transition: the shoot, its roles, the applications."""
        from postings.models import Role, Shoot

        Shoot.objects.select_for_update(no_key=True).filter(pk=self.shoot_id).exists()
        role_ids = sorted({p.role_id for p in self.places.all()})
        list(Role.objects.select_for_update().filter(pk__in=role_ids).order_by("pk"))
        ids = [pk for pk in self.places.values_list("application_id", flat=True) if pk]
        return list(
            Application.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("role__shoot__studio", "applicant")
            .order_by("pk")
        )

    def _studio_move(self, action: str, *, by, message: str = "") -> int:
        # Who may decide is the view's to check (the shoot's studio's members, as for one
        # application: ``applications.views._managed_shoots``).
        if self.stage != self.Stage.SENT:
            raise InvalidTransition(_("This team application has not reached the studio."))
        S = Application.Status
        sources = {"shortlist": {S.SUBMITTED}, "offer": {S.SUBMITTED, S.SHORTLISTED}}.get(
            action, {S.SUBMITTED, S.SHORTLISTED, S.OFFERED}
        )
        moved = 0
        for application in self.lock():
            if application.status not in sources:
                continue
            if action == "shortlist":
                application.shortlist(by=by, team=True)
            elif action == "offer":
                application.offer(by=by, message=message, team=True)
            else:
                application.reject(by=by, message=message, team=True)
            moved += 1
        if not moved:
            raise InvalidTransition(_("Nothing on this team's application can be changed so."))
        if action in {"offer", "reject"} and self.back_to_studio:
            self.back_to_studio = False
            self.save(update_fields=["back_to_studio"])
        return moved

    @transaction.atomic
    def shortlist(self, *, by) -> int:
        return self._studio_move("shortlist", by=by)

    @transaction.atomic
    def offer(self, *, by, message: str = "") -> int:
        """Offer every place still with the studio: the head accepts for the team."""
        return self._studio_move("offer", by=by, message=message)

    @transaction.atomic
    def reject(self, *, by, message: str = "") -> int:
        return self._studio_move("reject", by=by, message=message)

    @transaction.atomic
    def accept(self, *, by) -> None:
        """The head accepts the studio's offer for the team: every member is booked, or none.
        Each member's dates are checked against their other bookings, and each role's openings
        against the places on it, with the shoot, the roles, the applications and the people
        locked (the lock order of ``Application.accept``)."""
        from accounts.models import User

        if by.pk != self.team.head_id:
            raise InvalidTransition(_("Only the team's head answers the studio for the team."))
        applications = self.lock()
        active = [a for a in applications if a.is_active]
        if not active or any(a.status != Application.Status.OFFERED for a in active):
            raise InvalidTransition(_("The studio has not made the team an offer."))
        people = sorted(a.applicant_id for a in active)
        list(User.objects.select_for_update(no_key=True).filter(pk__in=people).order_by("pk"))
        shoot = active[0].role.shoot
        if shoot.status not in shoot.TAKING_CREW:
            raise InvalidTransition(_("This shoot is not taking crew now."))
        if shoot.start_date < timezone.localdate():
            raise InvalidTransition(
                _("This shoot has already started: the offer can no longer be accepted.")
            )
        roles = {}
        for application in active:
            role = application.role
            role.refresh_from_db(fields=["booked_count", "openings"])
            roles.setdefault(role.pk, [role, 0])[1] += 1
        for role, needed in roles.values():
            if role.booked_count + needed > role.openings:
                raise InvalidTransition(
                    _("%(role)s has %(n)d openings left, fewer than the team's places on it.")
                    % {"role": role.title, "n": max(role.openings - role.booked_count, 0)}
                )
        for application in active:
            clash = (
                Application.objects.booked()
                .filter(applicant_id=application.applicant_id)
                .overlapping(application.role.start_date, application.role.end_date)
            )
            if clash.exists():
                raise InvalidTransition(
                    _("%(name)s is already booked on a shoot with overlapping dates.")
                    % {"name": application.applicant.display_name}
                )
        for application in active:
            role = application.role
            application._move(
                {Application.Status.OFFERED},
                Application.Status.BOOKED,
                by=by,
                booked_dates=DateRange(role.start_date, role.end_date, "[]"),
            )
        for role, needed in roles.values():
            role.booked_count += needed
            role.save(update_fields=["booked_count"])
            role.refresh_listing()

    @transaction.atomic
    def decline(self, *, by) -> None:
        """The head turns the studio's offer down for the team."""
        if by.pk != self.team.head_id:
            raise InvalidTransition(_("Only the team's head answers the studio for the team."))
        offered = [a for a in self.lock() if a.status == Application.Status.OFFERED]
        if not offered:
            raise InvalidTransition(_("The studio has not made the team an offer."))
        for application in offered:
            application.decline(by=by, team=True)

    def member_withdrew(self, application, *, by) -> None:
        """A member withdrew their application (or their account was deleted): what is left of
        the team goes back to the studio to decide. An offer to the others is withdrawn (they
        return to the shortlist); the studio's members and the head hear of it."""
        S = Application.Status
        for other in self.lock():
            if other.pk != application.pk and other.status == S.OFFERED:
                other._move(
                    {S.OFFERED},
                    S.SHORTLISTED,
                    by=by,
                    note=str(_("A team member withdrew: the studio decides again.")),
                    offered_at=None,
                )
        self.back_to_studio = True
        self.save(update_fields=["back_to_studio"])
        emails.team_member_withdrew(self, application)


class TeamPlace(models.Model):
    """One person of the team on one role of the team's application, and, once everyone
    confirmed, the application it became."""

    team_application = models.ForeignKey(
        TeamApplication,
        on_delete=models.CASCADE,
        related_name="places",
        verbose_name=_("team application"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_places",
        verbose_name=_("member"),
    )
    role = models.ForeignKey(
        "postings.Role", on_delete=models.CASCADE, related_name="+", verbose_name=_("role")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_place",
        verbose_name=_("application"),
    )

    class Meta:
        verbose_name = _("place on a team application")
        verbose_name_plural = _("places on team applications")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team_application", "member"], name="team_place_one_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.role}"


def _profile_cv(user):
    """A private copy of the person's profile CV for their team application (empty when they
    have none or it cannot be read)."""
    from accounts.cv import profile_cv_copy

    profile = getattr(user, "crew_profile", None)
    if profile is None or not profile.cv:
        return "", ""
    try:
        return profile_cv_copy(profile)
    except OSError:
        return "", ""
