from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import IntegrityError, connection, models, transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import emails
from jobboard.sql import prepared
from jobboard.storage import get_private_storage, private_name
from jobboard.transitions import InvalidTransition

# An offer unanswered for this long gets one reminder (see ``remind_offers``).
OFFER_REMINDER_AFTER = timedelta(hours=24)


def date_clashes(user, start: date, end: date) -> dict:
    """What keeps ``user`` from working ``start``–``end``: their marked unavailable days, their
    bookings, and the offers they hold (an offer holds their dates) on overlapping dates.
    Shown before they apply."""
    from accounts.models import Unavailability

    days_off = list(
        Unavailability.objects.filter(profile__user=user, start_date__lte=end, end_date__gte=start)
    )
    bookings = list(
        Application.objects.booked()
        .filter(applicant=user)
        .overlapping(start, end)
        .select_related("role", "role__shoot")
    )
    offers = list(
        Application.objects.filter(applicant=user, status=Application.Status.OFFERED)
        .overlapping(start, end)
        .select_related("role", "role__shoot")
    )
    return {"days_off": days_off, "bookings": bookings, "offers": offers}


# Why applications end with what they depend on (``Application.end_all``): the history's note
# (in both languages: it is read by the person and by the studio) and, in the email, a
# sentence in the recipient's language (templates/emails/applications_ended.txt).
ENDING_NOTES = {
    "cancelled": "剧组已取消 · The studio cancelled the shoot",
    "rejected": "通告被审核撤下 · A moderator took the shoot down",
    "suspended": "工作室已被暂停 · Callsheet suspended the studio",
    "started": "剧组已开机 · The shoot has started",
    "account_deleted": "账户已删除 · The account was deleted",
}


def application_cv_upload_to(instance, filename: str) -> str:
    return private_name("applications")


def json_rows(rows, group_by: str, order_by: list[str], **fields):
    """A subquery: ``rows`` (correlated to an outer query, and all with one value of
    ``group_by``) as a JSON array of objects of ``fields``, ordered by ``order_by``, as JSON
    text (no conversion: a ``CompiledQuery`` can select it); NULL when there are none."""
    from django.contrib.postgres.aggregates import JSONBAgg
    from django.db.models import Subquery, TextField
    from django.db.models.functions import JSONObject

    return Subquery(
        rows.order_by()
        .values(group_by)
        .annotate(json=JSONBAgg(JSONObject(**fields), order_by=order_by))
        .values("json"),
        output_field=TextField(),
    )


class ApplicationQuerySet(models.QuerySet):
    def booked(self) -> ApplicationQuerySet:
        return self.filter(status=Application.Status.BOOKED)

    def overlapping(self, start: date, end: date) -> ApplicationQuerySet:
        return self.filter(role__start_date__lte=end, role__end_date__gte=start)

    def of_applicant(self, user) -> ApplicationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(applicant=user)

    def for_studio_member(self, user) -> ApplicationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(role__shoot__studio__memberships__user=user)

    def with_availability(self) -> ApplicationQuerySet:
        """Annotate ``has_days_off`` and ``booked_elsewhere``: whether the applicant marked days
        off, or is booked on another shoot, on dates that overlap the role's shoot. One
        subquery each, whatever the number of rows."""
        from accounts.models import Unavailability

        days_off = Unavailability.objects.filter(
            profile__user=OuterRef("applicant"),
            start_date__lte=OuterRef("role__end_date"),
            end_date__gte=OuterRef("role__start_date"),
        )
        booked_elsewhere = (
            Application.objects.booked()
            .filter(
                applicant=OuterRef("applicant"),
                role__start_date__lte=OuterRef("role__end_date"),
                role__end_date__gte=OuterRef("role__start_date"),
            )
            .exclude(pk=OuterRef("pk"))
        )
        return self.annotate(
            has_days_off=Exists(days_off), booked_elsewhere=Exists(booked_elsewhere)
        )

    def for_pipeline(self) -> ApplicationQuerySet:
        """What a studio's pipeline shows of each application, one row (a dict) each, in one
        query whatever the number of rows: its own columns and the applicant's
        (``PIPELINE_COLUMNS``), availability on the role's dates (``with_availability``) and,
        aggregated in SQL as JSON text, ``history`` (its events, oldest first), ``credits``
        (the credits on the applicant's profile) and ``record`` (the bookings studios
        confirmed they worked or that they did not show, unless a moderator hid the entry,
        newest shoot first). ``applications.pipeline`` reads it."""
        from django.db.models import F, Subquery, TextField

        from accounts.models import Credit

        # The team it was sent with, if any: a team is decided on as one (``applications.teams``).
        team = Subquery(
            TeamPlace.objects.filter(
                application=OuterRef("pk"), team_application__stage="sent"
            ).values("team_application__team__name")[:1],
            output_field=TextField(),
        )
        return self.with_availability().values(
            *PIPELINE_COLUMNS,
            "has_days_off",
            "booked_elsewhere",
            team=team,
            history=json_rows(
                ApplicationEvent.objects.filter(application=OuterRef("pk")),
                "application",
                ["created_at", "pk"],
                at=F("created_at"),
                to=F("to_status"),
                private=F("is_private"),
                note=F("note"),
                actor_name=F("actor__name"),
                actor_email=F("actor__email"),
            ),
            credits=json_rows(
                Credit.objects.filter(profile__user=OuterRef("applicant")),
                "profile",
                ["-year", "pk"],
                title=F("production_title"),
                role=F("role"),
                year=F("year"),
                studio=F("studio_name"),
            ),
            record=json_rows(
                Wrap.objects.exclude(worked="").filter(
                    crew=OuterRef("applicant"), hidden_at__isnull=True
                ),
                "crew",
                ["-shoot__end_date", "pk"],
                worked=F("worked"),
                credit_hidden=F("credit_hidden"),
                shoot=F("shoot__title"),
                start=F("shoot__start_date"),
                end=F("shoot__end_date"),
                role=F("role__title"),
                studio=F("studio__name"),
                reply=F("crew_reply"),
            ),
        )

    def offers_to_remind(self, now=None) -> ApplicationQuerySet:
        """Offers made more than ``OFFER_REMINDER_AFTER`` ago, still unanswered, not yet
        reminded."""
        now = now or timezone.now()
        return self.filter(
            status=Application.Status.OFFERED,
            offered_at__lte=now - OFFER_REMINDER_AFTER,
            offer_reminded_at__isnull=True,
        ).acceptable(timezone.localdate(now))

    def acceptable(self, today: date) -> ApplicationQuerySet:
        """Offers that accepting could still turn into a booking (as ``accept`` decides): the
        role has an opening left, the shoot is published, closed or expired (past its apply-by
        dates; not cancelled, rejected or in review) and has not started."""
        from postings.models import Shoot

        return self.filter(
            role__booked_count__lt=models.F("role__openings"),
            role__shoot__status__in=Shoot.TAKING_CREW,
            role__shoot__start_date__gte=today,
        )

    def visible_to(self, user) -> ApplicationQuerySet:
        """The applicant, members of the studio applied to, and moderators."""
        if not user.is_authenticated:
            return self.none()
        if user.has_staff_powers:
            return self
        return self.filter(
            Q(applicant=user) | Q(role__shoot__studio__memberships__user=user)
        ).distinct()


# Apply in one statement: lock the role if it still takes applications (the rule of
# ``Role.is_open``: listed, and the apply-by date not passed), insert the application (none
# when the role is closed) and the first event of its history.
_SUBMIT = """
    WITH open_role AS (
        SELECT id FROM {roles} WHERE id = %s AND listed AND apply_by >= %s FOR UPDATE
    ), application AS (
        INSERT INTO {applications} ({app_columns}) SELECT {app_values} FROM open_role
        RETURNING id
    )
    INSERT INTO {events} (application_id, {event_columns})
    SELECT application.id, {event_values} FROM application
    RETURNING application_id
"""  # the names are our models', the values are parameters


def _insert_values(instance, leave_out=()) -> tuple[list[str], list]:
    """The columns and values ``save()`` would insert for a new ``instance``, running each
    field's ``pre_save`` as it does (a file field stores its file, ``auto_now`` takes the
    time)."""
    fields = [
        field
        for field in instance._meta.concrete_fields
        if not field.primary_key and not field.generated and field.name not in leave_out
    ]
    columns = [connection.ops.quote_name(field.column) for field in fields]
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    return columns, values


def _delete_stored_cv(application) -> None:
    if application.cv and application.cv._committed:
        application.cv.storage.delete(application.cv.name)


# What the pipeline shows of an application, its applicant and their profile (the profile's
# id says whether they have one: an erased account has none).
PIPELINE_COLUMNS = [
    "id",
    "role_id",
    "status",
    "note",
    "cv",
    "cv_name",
    "created_at",
    "applicant__name",
    "applicant__email",
    "applicant__phone",
    "applicant__crew_profile__id",
    "applicant__crew_profile__headline",
    "applicant__crew_profile__departments",
    "applicant__crew_profile__experience_level",
    "applicant__crew_profile__school",
    "applicant__crew_profile__graduation_year",
    "applicant__crew_profile__wechat_id",
]


class Application(models.Model):
    """One crew member's application to one role, and its whole history.

    submitted → shortlisted → offered → booked, with the exits rejected (by the studio),
    declined (the crew member turns down an offer), withdrawn (by the applicant) and released
    (a booking cancelled). Status changes only through the methods below; each records an
    ``ApplicationEvent`` and queues the applicant's email in its transaction."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        OFFERED = "offered", _("Offered")
        BOOKED = "booked", _("Booked")
        REJECTED = "rejected", _("Not selected")
        DECLINED = "declined", _("Offer declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RELEASED = "released", _("Booking released")
        ENDED = "ended", _("Ended with the shoot")

    ACTIVE = {Status.SUBMITTED, Status.SHORTLISTED, Status.OFFERED, Status.BOOKED}

    # Both foreign keys lead the indexes below: their own indexes would only slow inserts.
    role = models.ForeignKey(
        "postings.Role",
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("role"),
        db_index=False,
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("applicant"),
        db_index=False,
    )
    note = models.TextField(_("note to the studio"), max_length=2000, blank=True)
    cv = models.FileField(
        _("CV sent"), upload_to=application_cv_upload_to, storage=get_private_storage, blank=True
    )
    cv_name = models.CharField(_("CV file name"), max_length=255, blank=True)
    dates_confirmed = models.BooleanField(_("can work the shoot dates"), default=False)
    consent_at = models.DateTimeField(_("consented to share with the studio at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True, editable=False)
    offer_reminded_at = models.DateTimeField(
        _("offer reminder sent at"), null=True, blank=True, editable=False
    )
    booked_dates = DateRangeField(_("booked dates"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["role", "applicant"], name="application_one_per_role"),
            # The last guard against double-booking: one person, never two bookings whose
            # dates overlap.
            ExclusionConstraint(
                name="application_no_overlapping_bookings",
                expressions=[
                    ("applicant", RangeOperators.EQUAL),
                    ("booked_dates", RangeOperators.OVERLAPS),
                ],
                condition=Q(status="booked"),
            ),
            models.CheckConstraint(
                condition=Q(status="booked", booked_dates__isnull=False) | ~Q(status="booked"),
                name="application_booked_has_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "status"]),
            models.Index(fields=["role", "status"]),
            # A person's bookings, for "free on these dates" (crew search, the pipeline): a
            # B-tree finds them faster than the exclusion constraint's GiST index.
            models.Index(
                fields=["applicant"],
                include=["role"],
                condition=Q(status="booked"),
                name="application_bookings",
            ),
            models.Index(
                fields=["offered_at"],
                name="application_offers_to_remind",
                condition=Q(status="offered", offer_reminded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.role}"

    @classmethod
    @transaction.atomic
    def submit(
        cls, *, role, applicant, note: str, cv, cv_name: str, dates_confirmed: bool
    ) -> Application:
        """Apply. Refused when the role is not open or the person already applied to it.

        One statement locks the role, checks that it still takes applications, and inserts the
        application with the first line of its history (an application is sent often: a
        statement less is a round trip less). The caller's check that the person has not
        applied yet ran before the lock; the unique constraint is the last word."""
        from postings.models import Role

        if not dates_confirmed:
            raise InvalidTransition(_("Confirm that you can work the shoot dates."))
        application = cls(
            role=role,
            applicant=applicant,
            note=note,
            cv=cv,
            cv_name=cv_name,
            dates_confirmed=dates_confirmed,
            consent_at=timezone.now(),
        )
        event = ApplicationEvent(from_status="", to_status=cls.Status.SUBMITTED, actor=applicant)
        # Stores the copy of the CV, as save() would before its insert.
        app_columns, app_values = _insert_values(application)
        event_columns, event_values = _insert_values(event, leave_out=["application"])
        try:
            # Statements that insert by key: prepared (see jobboard.sql), the task's too.
            with connection.cursor() as cursor, prepared():
                cursor.execute(
                    _SUBMIT.format(
                        roles=Role._meta.db_table,
                        applications=cls._meta.db_table,
                        events=ApplicationEvent._meta.db_table,
                        app_columns=", ".join(app_columns),
                        app_values=", ".join(["%s"] * len(app_values)),
                        event_columns=", ".join(event_columns),
                        event_values=", ".join(["%s"] * len(event_values)),
                    ),
                    [role.pk, timezone.localdate(), *app_values, *event_values],
                )
                inserted = cursor.fetchone()
        except IntegrityError as error:
            # Already applied (in another tab a moment ago, perhaps). This transaction is over.
            _delete_stored_cv(application)
            raise InvalidTransition(_("You have already applied to this role.")) from error
        if inserted is None:
            _delete_stored_cv(application)
            raise InvalidTransition(_("This role is no longer taking applications."))
        application.pk = inserted[0]
        application._state.adding = False
        application._state.db = connection.alias
        # Queued in this transaction: with the database task backend the task commits with
        # the application (both or neither), in one flush to disk; the worker then finds who
        # to tell and sends the emails.
        with prepared():
            emails.new_application_task.enqueue(application.pk)
        return application

    def _move(self, sources, target, *, by, note: str = "", notify: bool = True, **fields) -> None:
        locked = Application.objects.select_for_update().get(pk=self.pk)
        if locked.status not in sources:
            raise InvalidTransition(
                _("This application is “%(status)s”: that cannot be done now.")
                % {"status": locked.get_status_display()}
            )
        previous = locked.status
        self.status = target
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["status", "updated_at", *fields])
        self.events.create(from_status=previous, to_status=target, actor=by, note=note)
        if notify:
            emails.status_changed(self, note=note)

    def sent_team(self):
        """The team application this application was sent with, if it is one of a team's
        (teams are decided on, and answer, as one: ``applications.teams``)."""
        return TeamApplication.objects.filter(
            places__application=self, stage=TeamApplication.Stage.SENT
        ).first()

    def _refuse_alone(self, team: bool, message) -> None:
        if not team and self.sent_team() is not None:
            raise InvalidTransition(message)

    @transaction.atomic
    def shortlist(self, *, by, team: bool = False) -> None:
        self._refuse_alone(team, _("This person applied with a team: decide for the whole team."))
        self._move({self.Status.SUBMITTED}, self.Status.SHORTLISTED, by=by)

    @transaction.atomic
    def reject(self, *, by, message: str = "", team: bool = False) -> None:
        S = self.Status
        self._refuse_alone(team, _("This person applied with a team: decide for the whole team."))
        self._move({S.SUBMITTED, S.SHORTLISTED, S.OFFERED}, S.REJECTED, by=by, note=message)

    @transaction.atomic
    def offer(self, *, by, message: str = "", team: bool = False) -> None:
        S = self.Status
        self._refuse_alone(team, _("This person applied with a team: decide for the whole team."))
        self._move(
            {S.SUBMITTED, S.SHORTLISTED},
            S.OFFERED,
            by=by,
            note=message,
            offered_at=timezone.now(),
        )

    @transaction.atomic
    def decline(self, *, by, team: bool = False) -> None:
        self._refuse_alone(team, _("The team's head answers the studio's offer for the team."))
        self._move({self.Status.OFFERED}, self.Status.DECLINED, by=by)

    @transaction.atomic
    def withdraw(self, *, by) -> None:
        """Withdraw. One of a team's: what is left of the team goes back to the studio."""
        S = self.Status
        team_application = self.sent_team()
        if team_application is not None:
            team_application.lock()  # the shoot, the roles, then this application
        self._move({S.SUBMITTED, S.SHORTLISTED, S.OFFERED}, S.WITHDRAWN, by=by)
        if team_application is not None:
            team_application.member_withdrew(self, by=by)

    def _lock_shoot_and_role(self):
        """Lock this application's shoot, then its role (the start of the lock order), and
        return the role with its shoot and studio."""
        from postings.models import Role, Shoot

        shoot_id = Role.objects.values_list("shoot_id", flat=True).get(pk=self.role_id)
        Shoot.objects.select_for_update(no_key=True).filter(pk=shoot_id).exists()
        return (
            Role.objects.select_for_update(of=("self",))
            .select_related("shoot", "shoot__studio")
            .get(pk=self.role_id)
        )

    @transaction.atomic
    def accept(self, *, by) -> None:
        """The crew member accepts an offer, which books them: inside one transaction with the
        role and the person locked, refused when the role has no opening left or the person
        is already booked on overlapping dates. A team's offer is its head's to accept, for
        all (``TeamApplication.accept``)."""
        from accounts.models import User

        self._refuse_alone(False, _("The team's head answers the studio's offer for the team."))

        # Locks in the one order of every transition (the shoot, the role, the application,
        # the person: see ``end_all``), so that racing transitions wait for each other
        # instead of deadlocking.
        role = self._lock_shoot_and_role()
        Application.objects.select_for_update().get(pk=self.pk)
        # NO KEY UPDATE: serialises this person's bookings without blocking rows that merely
        # refer to them (events they act in).
        User.objects.select_for_update(no_key=True).get(pk=self.applicant_id)
        if role.shoot.status == role.shoot.Status.CANCELLED:
            raise InvalidTransition(_("This shoot was cancelled."))
        if role.shoot.status not in role.shoot.TAKING_CREW:
            raise InvalidTransition(_("This shoot is not taking crew now."))
        if role.shoot.start_date < timezone.localdate():
            raise InvalidTransition(
                _("This shoot has already started: the offer can no longer be accepted.")
            )
        if role.booked_count >= role.openings:
            raise InvalidTransition(_("Every opening of this role has been booked."))
        clash = (
            Application.objects.booked()
            .filter(applicant_id=self.applicant_id)
            .overlapping(role.start_date, role.end_date)
            .exclude(pk=self.pk)
        )
        if clash.exists():
            raise InvalidTransition(_("You are already booked on a shoot with overlapping dates."))
        self._move(
            {self.Status.OFFERED},
            self.Status.BOOKED,
            by=by,
            booked_dates=DateRange(role.start_date, role.end_date, "[]"),
        )
        role.booked_count += 1
        role.save(update_fields=["booked_count"])
        role.refresh_listing()

    @transaction.atomic
    def release(self, *, by, note: str = "") -> None:
        """Cancel a booking: the opening is free again and the role reopens."""

        role = self._lock_shoot_and_role()
        Application.objects.select_for_update().get(pk=self.pk)
        self._move({self.Status.BOOKED}, self.Status.RELEASED, by=by, note=note, booked_dates=None)
        role.booked_count = max(role.booked_count - 1, 0)
        role.save(update_fields=["booked_count"])
        role.refresh_listing()

    @classmethod
    def end_all(
        cls,
        applications,
        *,
        reason: str,
        by=None,
        keep_bookings: bool = False,
        withdraw: bool = False,
    ) -> list[Application]:
        """End every active application of ``applications`` because what it depends on ended
        (``reason``: a key of ``ENDING_NOTES``): a booking is released (its opening and dates
        freed), unless ``keep_bookings``; a pending application or an offer ends (withdrawn
        when the person left, ``withdraw``). Each change is in the history; each person hears
        once, in the same transaction, of all their applications that ended (when the person
        left, ``withdraw``, the caller tells the studios). Each application returned carries
        ``ended_from``, its status before.

        Lock order, the same for every transition that touches them: the shoot, its roles (in
        primary-key order), the applications (in primary-key order), then a person. The caller
        holds the shoots' and roles' locks; the applications are locked here. Roles' copies
        are the caller's to derive again (``Shoot.sync_roles``, ``Role.refresh_listing``)."""
        from postings.models import Role

        S = cls.Status
        note = ENDING_NOTES[reason]
        ended = []
        active = applications.filter(status__in=cls.ACTIVE).order_by("pk")
        for application in active.select_for_update(of=("self",)).select_related("applicant"):
            previous = application.status
            if previous == S.BOOKED:
                if keep_bookings:
                    continue
                application.status, application.booked_dates = S.RELEASED, None
                Role.objects.filter(pk=application.role_id, booked_count__gt=0).update(
                    booked_count=models.F("booked_count") - 1
                )
            else:
                application.status = S.WITHDRAWN if withdraw else S.ENDED
            application.save(update_fields=["status", "booked_dates", "updated_at"])
            application.events.create(
                from_status=previous, to_status=application.status, actor=by, note=str(note)
            )
            application.ended_from = previous
            ended.append(application)
        if ended and not withdraw:
            emails.applications_ended([application.pk for application in ended], reason)
        return ended

    @property
    def status_tone(self) -> str:
        """How the status badge reads: good news, waiting on someone, or over."""
        S = self.Status
        return {
            S.BOOKED: "ok",
            S.OFFERED: "warn",
            S.SHORTLISTED: "warn",
            S.REJECTED: "danger",
            S.RELEASED: "danger",
        }.get(self.status, "")

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def can_withdraw(self) -> bool:
        S = self.Status
        return self.status in {S.SUBMITTED, S.SHORTLISTED, S.OFFERED}

    @property
    def can_shortlist(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def can_offer(self) -> bool:
        return self.status in {self.Status.SUBMITTED, self.Status.SHORTLISTED}

    @property
    def can_reject(self) -> bool:
        S = self.Status
        return self.status in {S.SUBMITTED, S.SHORTLISTED, S.OFFERED}

    @transaction.atomic
    def remind_offer(self) -> bool:
        """Send the one reminder of an unanswered offer. False when it was already sent (or
        the offer was answered) by someone else in the meantime."""
        sent = Application.objects.filter(
            pk=self.pk, status=self.Status.OFFERED, offer_reminded_at__isnull=True
        ).update(offer_reminded_at=timezone.now())
        if sent:
            emails.offer_reminder(self)
        return bool(sent)

    @transaction.atomic
    def add_private_note(self, *, by, note: str) -> ApplicationEvent:
        """A studio note: in the history the studio sees, never shown to the applicant."""
        return self.events.create(
            from_status=self.status, to_status=self.status, actor=by, note=note, is_private=True
        )


class ApplicationEvent(models.Model):
    """One line of an application's history, seen by the applicant and the studio (private
    notes by the studio only)."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("application"),
        db_index=False,  # the index below leads with it
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=Application.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    is_private = models.BooleanField(_("studio only"), default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["application", "created_at"])]

    def __str__(self) -> str:
        """The change as people read it ("已提交 → 已入围"), not the stored codes."""
        labels = dict(Application.Status.choices)
        before = labels.get(self.from_status, self.from_status) if self.from_status else "·"
        return f"{before} → {labels.get(self.to_status, self.to_status)}"


class CVView(models.Model):
    """Every time someone at a studio opens an applicant's CV. The applicant sees these."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="cv_views",
        verbose_name=_("application"),
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("viewed by"),
    )
    studio = models.ForeignKey(
        "accounts.Studio",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("studio"),
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("CV view")
        verbose_name_plural = _("CV views")
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["application", "viewed_at"])]

    def __str__(self) -> str:
        return f"{self.viewer} · {self.viewed_at:%Y-%m-%d %H:%M}"


# After the wrap (see ``Wrap``).
WRAP_REMIND_AFTER = timedelta(days=7)
WRAP_ANSWERABLE_FOR = timedelta(days=90)
# A studio may correct its word on someone's work this long after first giving it.
WORK_MARK_CHANGEABLE_FOR = timedelta(days=14)
# A studio's payment record is shown from this many counted answers over this many shoots,
# so that no single person's answer can be read from it.
RECORD_MIN_ANSWERS = 5
RECORD_MIN_SHOOTS = 2
# "Pays on time": at least this share of counted answers say paid in full on time.
ON_TIME_SHARE = 0.9
# Pay medians are shown from this many wrapped bookings.
MEDIAN_MIN_BOOKINGS = 10


class WrapQuerySet(models.QuerySet):
    def counted(self) -> WrapQuerySet:
        """The answers a studio's payment record counts: paid (on time, late or partly), or
        not paid past the promised date (which opened a dispute); never an entry a moderator
        hid."""
        return self.filter(hidden_at__isnull=True).filter(
            Q(paid__in=[Wrap.Paid.ON_TIME, Wrap.Paid.LATE, Wrap.Paid.PARTLY])
            | Q(paid=Wrap.Paid.NOT_YET, dispute__in=[Wrap.Dispute.OPEN, Wrap.Dispute.ANSWERED])
        )

    def credits(self) -> WrapQuerySet:
        """Bookings the studio confirmed as worked: the crew member's confirmed credits."""
        return self.filter(worked__in=Wrap.CREDITS)

    def to_remind(self, today: date) -> WrapQuerySet:
        return self.filter(
            reminded_at__isnull=True,
            asked_at__date__lte=today - WRAP_REMIND_AFTER,
            role__end_date__gte=today - WRAP_ANSWERABLE_FOR,
            crew__isnull=False,
        ).filter(Q(paid="") | Q(paid=Wrap.Paid.NOT_YET))

    def disputes(self) -> WrapQuerySet:
        """Open disputes with someone to settle them (a deleted account's are over)."""
        return self.filter(
            dispute__in=[Wrap.Dispute.OPEN, Wrap.Dispute.ANSWERED], crew__isnull=False
        )


class Wrap(models.Model):
    """What happened after a booked shoot wrapped, for one booking: whether the crew member
    was paid (their answer), whether they worked (the studio's), and a dispute when pay is
    missing. Made the day after the shoot's last day by ``ask_wrap``. It outlives the
    application and the account (the studio's record keeps counting it; nothing links it to
    the person any more)."""

    class Paid(models.TextChoices):
        ON_TIME = "on_time", _("Paid in full, on time")
        LATE = "late", _("Paid in full, but late")
        PARTLY = "partly", _("Partly paid")
        NOT_YET = "not_yet", _("Not paid yet")

    class Worked(models.TextChoices):
        ALL_DAYS = "all_days", _("Worked every day")
        LEFT_EARLY = "left_early", _("Left early")
        NO_SHOW = "no_show", _("Did not show")

    # What the studio said that counts as a completed booking and a confirmed credit.
    CREDITS = (Worked.ALL_DAYS, Worked.LEFT_EARLY)

    class Dispute(models.TextChoices):
        NONE = "", _("No dispute")
        OPEN = "open", _("Open: pay missing")
        ANSWERED = "answered", _("The studio says it paid")
        RESOLVED = "resolved", _("Resolved: paid")

    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wrap",
        verbose_name=_("application"),
    )
    role = models.ForeignKey(
        "postings.Role", on_delete=models.CASCADE, related_name="wraps", verbose_name=_("role")
    )
    shoot = models.ForeignKey(
        "postings.Shoot", on_delete=models.CASCADE, related_name="wraps", verbose_name=_("shoot")
    )
    studio = models.ForeignKey(
        "accounts.Studio",
        on_delete=models.CASCADE,
        related_name="wraps",
        verbose_name=_("studio"),
    )
    crew = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wraps",
        verbose_name=_("crew member"),
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    paid = models.CharField(_("paid"), max_length=8, choices=Paid.choices, blank=True)
    days_late = models.PositiveSmallIntegerField(_("days late"), null=True, blank=True)
    day_hours = models.PositiveSmallIntegerField(_("hours of a typical day"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    worked = models.CharField(_("worked"), max_length=10, choices=Worked.choices, blank=True)
    worked_at = models.DateTimeField(_("work confirmed at"), null=True, blank=True)
    crew_reply = models.TextField(_("crew member's answer"), max_length=1000, blank=True)
    dispute = models.CharField(
        _("dispute"), max_length=8, choices=Dispute.choices, blank=True, db_index=True
    )
    dispute_opened_at = models.DateTimeField(_("dispute opened at"), null=True, blank=True)
    studio_response = models.TextField(_("studio's answer"), max_length=1000, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    credit_hidden = models.BooleanField(_("credit hidden by the crew member"), default=False)
    hidden_at = models.DateTimeField(_("hidden from the record at"), null=True, blank=True)
    hidden_reason = models.TextField(_("why it was hidden"), max_length=1000, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    objects = WrapQuerySet.as_manager()

    class Meta:
        verbose_name = _("after the wrap")
        verbose_name_plural = _("after the wrap")
        ordering = ["-asked_at", "pk"]
        indexes = [
            models.Index(fields=["studio", "paid"], name="wrap_studio_record"),
            models.Index(fields=["crew", "worked"], name="wrap_crew_credits"),
            models.Index(fields=["role"], name="wrap_role"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid="late", days_late__isnull=False) | ~Q(paid="late"),
                name="wrap_late_has_days",
            ),
            models.CheckConstraint(
                condition=Q(day_hours__isnull=True) | Q(day_hours__gte=1, day_hours__lte=24),
                name="wrap_day_hours_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.crew or '—'} · {self.role}"

    # --- the dates ------------------------------------------------------------------------

    @property
    def wrapped_on(self) -> date:
        return self.role.end_date

    @property
    def pay_due(self) -> date:
        """When the role's stated payment timing promised the pay: the day after the wrap,
        a week after it for weekly pay, or the stated number of days after it."""
        from postings.choices import PaymentTiming

        shoot = self.shoot
        if shoot.payment_timing == PaymentTiming.AFTER_WRAP:
            return shoot.end_date + timedelta(days=shoot.payment_days or 0)
        if shoot.payment_timing == PaymentTiming.WEEKLY:
            return shoot.end_date + timedelta(days=7)
        return shoot.end_date + timedelta(days=1)

    @property
    def answers_close(self) -> date:
        """90 days after the wrap, or 30 days after the promised pay date when that is
        later (pay may be promised up to 180 days after the wrap)."""
        return max(self.wrapped_on + WRAP_ANSWERABLE_FOR, self.pay_due + timedelta(days=30))

    @property
    def answerable(self) -> bool:
        return timezone.localdate() <= self.answers_close

    @property
    def is_credit(self) -> bool:
        return self.worked in self.CREDITS

    @property
    def waits_for_crew(self) -> bool:
        """Something waits for the crew member: the payment question, the studio's "we
        paid" to confirm, or the studio's word on their work to answer."""
        return self.crew_id is not None and (
            (self.answerable and not self.paid)
            or self.dispute == self.Dispute.ANSWERED
            or (
                self.worked in {self.Worked.LEFT_EARLY, self.Worked.NO_SHOW} and not self.crew_reply
            )
        )

    @property
    def dispute_is_open(self) -> bool:
        return self.dispute in {self.Dispute.OPEN, self.Dispute.ANSWERED}

    # --- transitions (each in one transaction, with the studio's record derived again) -----

    @classmethod
    def ask_wrapped(cls, today: date | None = None) -> list[Wrap]:
        """The day after a booked shoot's last day: one ``Wrap`` per booking, and the crew
        member's email. Running it again makes and sends nothing new (one per application)."""
        today = today or timezone.localdate()
        made = []
        due = (
            Application.objects.booked()
            # Shoots that wrapped within the answerable window (a first run after a long
            # pause asks nobody about a shoot months ago).
            .filter(
                role__end_date__lt=today,
                role__end_date__gte=today - WRAP_ANSWERABLE_FOR,
                wrap__isnull=True,
            )
            .select_related("role__shoot__studio", "applicant")
            .order_by("pk")
        )
        for application in list(due):
            with transaction.atomic():
                wrap, created = cls.objects.get_or_create(
                    application=application,
                    defaults={
                        "role": application.role,
                        "shoot": application.role.shoot,
                        "studio": application.role.shoot.studio,
                        "crew": application.applicant,
                    },
                )
                if created:
                    emails.wrap_asked(wrap)
                    made.append(wrap)
        return made

    @classmethod
    def remind_unanswered(cls, today: date | None = None) -> int:
        """One reminder, seven days after asking, to those who have not answered or said "not
        paid yet"."""
        today = today or timezone.localdate()
        sent = 0
        for wrap in cls.objects.to_remind(today).select_related("role__shoot__studio", "crew"):
            with transaction.atomic():
                if cls.objects.filter(pk=wrap.pk, reminded_at__isnull=True).update(
                    reminded_at=timezone.now()
                ):
                    emails.wrap_asked(wrap, reminder=True)
                    sent += 1
        return sent

    @classmethod
    def open_due_disputes(cls, today: date | None = None) -> int:
        """ "Not paid yet" once the promised date has passed becomes a dispute."""
        today = today or timezone.localdate()
        opened = 0
        waiting = cls.objects.filter(
            paid=cls.Paid.NOT_YET, dispute="", hidden_at__isnull=True, crew__isnull=False
        ).select_related("shoot__studio", "role", "crew")
        for wrap in waiting:
            if wrap.pay_due < today:
                with transaction.atomic():
                    locked = cls.objects.select_for_update().get(pk=wrap.pk)
                    if locked.paid == cls.Paid.NOT_YET and not locked.dispute:
                        locked._open_dispute()
                        locked.save()
                        locked.studio.refresh_record()
                        opened += 1
        return opened

    def _locked(self) -> Wrap:
        return (
            Wrap.objects.select_for_update(of=("self",))
            .select_related("shoot__studio", "role", "crew")
            .get(pk=self.pk)
        )

    def _open_dispute(self) -> None:
        self.dispute = self.Dispute.OPEN
        self.dispute_opened_at = timezone.now()
        self.studio_response = ""
        self.resolved_at = None
        emails.dispute_opened(self)

    @transaction.atomic
    def answer(self, *, by, paid: str, days_late: int | None, day_hours: int | None) -> None:
        """The crew member's answer, which they may change until 90 days after the wrap.
        "Partly paid", or "not paid yet" past the promised date, opens a dispute; "paid"
        resolves one."""
        wrap = self._locked()
        if wrap.crew_id is None or by.pk != wrap.crew_id:
            raise InvalidTransition(_("Only the person booked can answer for this booking."))
        if not wrap.answerable:
            raise InvalidTransition(
                _("Answers closed on %(date)s.") % {"date": wrap.answers_close.isoformat()}
            )
        if paid not in self.Paid.values:
            raise InvalidTransition(_("Choose one of the answers."))
        wrap.paid = paid
        wrap.days_late = days_late if paid == self.Paid.LATE else None
        wrap.day_hours = day_hours
        wrap.answered_at = timezone.now()
        missing = paid == self.Paid.PARTLY or (
            paid == self.Paid.NOT_YET and wrap.pay_due < timezone.localdate()
        )
        if missing and not wrap.dispute_is_open:
            wrap._open_dispute()
        elif not missing and paid != self.Paid.NOT_YET and wrap.dispute_is_open:
            wrap.dispute, wrap.resolved_at = self.Dispute.RESOLVED, timezone.now()
            emails.dispute_resolved(wrap)
        wrap.save()
        wrap.studio.refresh_record()
        self.refresh_from_db()

    @transaction.atomic
    def confirm_work(self, *, by, worked: str) -> None:
        """A member of the studio says whether the person worked; a change is allowed until
        the crew member has answered it."""
        wrap = self._locked()
        if not wrap.studio.is_member(by):
            raise InvalidTransition(_("Only the studio's members can confirm the work."))
        if worked not in self.Worked.values:
            raise InvalidTransition(_("Choose one of the answers."))
        if wrap.crew_reply:
            raise InvalidTransition(_("The crew member has answered this already."))
        if wrap.worked and wrap.dispute_is_open:
            raise InvalidTransition(_("The work cannot be changed while a dispute is open."))
        if wrap.worked and timezone.now() - wrap.worked_at > WORK_MARK_CHANGEABLE_FOR:
            raise InvalidTransition(_("The work was confirmed more than 14 days ago."))
        if worked == wrap.worked:
            return
        first = not wrap.worked
        wrap.worked = worked
        if first:
            wrap.worked_at = timezone.now()
        wrap.save(update_fields=["worked", "worked_at"])
        if wrap.crew is not None:
            emails.work_confirmed(wrap)
        self.refresh_from_db()

    @transaction.atomic
    def reply(self, *, by, text: str) -> None:
        """The crew member answers the studio's mark, once."""
        wrap = self._locked()
        if wrap.crew_id is None or by.pk != wrap.crew_id:
            raise InvalidTransition(_("Only the person booked can answer for this booking."))
        if not wrap.worked:
            raise InvalidTransition(_("The studio has not said anything yet."))
        if wrap.crew_reply:
            raise InvalidTransition(_("You have answered this already."))
        wrap.crew_reply = text.strip()
        wrap.save(update_fields=["crew_reply"])
        self.refresh_from_db()

    @transaction.atomic
    def studio_answers(self, *, by, text: str, paid: bool) -> None:
        """The studio answers an open dispute, and may say it has paid: the crew member then
        confirms (``confirm_paid``) or says it is still missing (``still_unpaid``)."""
        wrap = self._locked()
        if not wrap.studio.is_member(by):
            raise InvalidTransition(_("Only the studio's members can answer this."))
        if not wrap.dispute_is_open:
            raise InvalidTransition(_("There is no open dispute on this booking."))
        before = (wrap.studio_response, wrap.dispute)
        if text.strip():
            wrap.studio_response = text.strip()
        if paid:
            wrap.dispute = self.Dispute.ANSWERED
        if (wrap.studio_response, wrap.dispute) == before:
            return  # the same answer again: nothing new to tell
        wrap.save(update_fields=["studio_response", "dispute"])
        emails.dispute_answered(wrap)
        wrap.studio.refresh_record()
        self.refresh_from_db()

    @transaction.atomic
    def confirm_paid(self, *, by) -> None:
        """The crew member confirms the pay arrived: the dispute is resolved, and the answer
        becomes "paid in full, but late" (by the days since the promised date)."""
        wrap = self._locked()
        if wrap.crew_id is None or by.pk != wrap.crew_id:
            raise InvalidTransition(_("Only the person booked can answer for this booking."))
        if not wrap.dispute_is_open:
            raise InvalidTransition(_("There is no open dispute on this booking."))
        late = max((timezone.localdate() - wrap.pay_due).days, 0)
        wrap.paid = self.Paid.LATE if late else self.Paid.ON_TIME
        wrap.days_late = late or None
        wrap.answered_at = timezone.now()
        wrap.dispute, wrap.resolved_at = self.Dispute.RESOLVED, timezone.now()
        wrap.save()
        emails.dispute_resolved(wrap)
        wrap.studio.refresh_record()
        self.refresh_from_db()

    @transaction.atomic
    def still_unpaid(self, *, by) -> None:
        """The crew member says the studio's "paid" is not so: the dispute is open again."""
        wrap = self._locked()
        if wrap.crew_id is None or by.pk != wrap.crew_id:
            raise InvalidTransition(_("Only the person booked can answer for this booking."))
        if wrap.dispute != self.Dispute.ANSWERED:
            raise InvalidTransition(_("The studio has not said it paid."))
        wrap.dispute = self.Dispute.OPEN
        wrap.save(update_fields=["dispute"])
        emails.dispute_opened(wrap)
        wrap.studio.refresh_record()
        self.refresh_from_db()

    @transaction.atomic
    def hide(self, *, by, reason: str) -> None:
        """A moderator takes the entry out of the studio's record (an appeal upheld), with
        the reason kept."""
        wrap = self._locked()
        wrap.hidden_at, wrap.hidden_by, wrap.hidden_reason = timezone.now(), by, reason
        wrap.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        wrap.studio.refresh_record()
        self.refresh_from_db()

    @transaction.atomic
    def show_credit(self, *, by, shown: bool) -> None:
        wrap = self._locked()
        if wrap.crew_id is None or by.pk != wrap.crew_id:
            raise InvalidTransition(_("Only the person booked can change this."))
        wrap.credit_hidden = not shown
        wrap.save(update_fields=["credit_hidden"])
        self.refresh_from_db()


def median(values: list[int]) -> int:
    """The middle value, or the mean of the two middle ones rounded down."""
    rates = sorted(values)
    middle = len(rates) // 2
    return rates[middle] if len(rates) % 2 else (rates[middle - 1] + rates[middle]) // 2


def role_pay_median(city_id: int, department: str, title: str):
    """The median day rate of wrapped bookings for ``title`` in the city, or else for its
    department there, as ``(median, bookings, title or None)``; None when neither has
    ``MEDIAN_MIN_BOOKINGS``. One query: the department's rates by title."""
    from django.contrib.postgres.aggregates import ArrayAgg

    rows = (
        Wrap.objects.filter(shoot__city_id=city_id, role__department=department)
        .values("role__title")
        .annotate(rates=ArrayAgg("role__day_rate"))
    )
    by_title = {row["role__title"]: row["rates"] for row in rows}
    same = by_title.get(title, [])
    if len(same) >= MEDIAN_MIN_BOOKINGS:
        return median(same), len(same), title
    every = [rate for rates in by_title.values() for rate in rates]
    if len(every) >= MEDIAN_MIN_BOOKINGS:
        return median(every), len(every), None
    return None


def pay_medians(*, city_id: int, department: str | None = None, title: str | None = None):
    """Median day rates of wrapped bookings in a city, per department (and per role title
    where one is given): ``{department: (median, bookings)}``, only where there are at least
    ``MEDIAN_MIN_BOOKINGS``. One query, from the wrapped bookings and their roles as they
    are (nothing copied or kept)."""
    from django.contrib.postgres.aggregates import ArrayAgg

    wraps = Wrap.objects.filter(shoot__city_id=city_id)
    if department:
        wraps = wraps.filter(role__department=department)
    if title:
        wraps = wraps.filter(role__title=title)
    rows = wraps.values("role__department").annotate(
        rates=ArrayAgg("role__day_rate", ordering="role__day_rate")
    )
    return {
        row["role__department"]: (median(row["rates"]), len(row["rates"]))
        for row in rows
        if len(row["rates"]) >= MEDIAN_MIN_BOOKINGS
    }


# Invitations to apply (``RoleInvitation``): a studio sends at most this many a day.
INVITATIONS_PER_DAY = 30


class RoleInvitationQuerySet(models.QuerySet):
    def with_application(self) -> RoleInvitationQuerySet:
        """Annotate ``application_id``: the person's application to the role, if they
        applied (one subquery)."""
        applications = Application.objects.filter(
            role=OuterRef("role"), applicant=OuterRef("crew")
        ).values("pk")[:1]
        return self.annotate(application_id=models.Subquery(applications))

    def unanswered(self) -> RoleInvitationQuerySet:
        """Neither declined nor answered by applying."""
        return (
            self.filter(status=RoleInvitation.Status.PENDING)
            .with_application()
            .filter(application_id__isnull=True)
        )

    def waiting_for(self, user) -> RoleInvitationQuerySet:
        """The invitations ``user`` can still answer: unanswered, to roles taking
        applications, from studios they have not blocked."""
        from accounts.models import StudioBlock
        from postings.models import Role

        blocked = StudioBlock.objects.filter(profile__user=user).values("studio")
        return (
            self.filter(crew=user, role__in=Role.objects.listed())
            .exclude(studio__in=blocked)
            .unanswered()
        )


class RoleInvitation(models.Model):
    """A verified studio found a crew member in crew search and invites them to apply to one
    of its roles, with a short message. Once per person and role; the person applies (the
    apply form shows the invitation) or declines, with an optional reason."""

    class Status(models.TextChoices):
        # Whether they applied is not stored: it is whether their application to the role
        # exists (``RoleInvitationQuerySet.with_application``).
        PENDING = "pending", _("Open")
        DECLINED = "declined", _("Declined")

    role = models.ForeignKey(
        "postings.Role",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("role"),
    )
    crew = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_invitations",
        verbose_name=_("crew member"),
    )
    studio = models.ForeignKey(
        "accounts.Studio",
        on_delete=models.CASCADE,
        related_name="role_invitations",
        verbose_name=_("studio"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    message = models.TextField(_("message"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decline_reason = models.TextField(_("why they declined"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = RoleInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation to apply")
        verbose_name_plural = _("invitations to apply")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["role", "crew"], name="role_invitation_once")
        ]
        indexes = [
            models.Index(fields=["crew", "status"], name="role_invitation_crew"),
            models.Index(fields=["studio", "created_at"], name="role_invitation_studio_day"),
        ]

    def __str__(self) -> str:
        return f"{self.studio} → {self.crew} · {self.role}"

    @classmethod
    @transaction.atomic
    def send(cls, *, role, crew, by, message: str = "") -> RoleInvitation:
        """Invite ``crew`` to ``role``: refused unless ``by`` is a member of the role's
        verified studio, the role takes applications, the person lets verified studios find
        them and has not blocked the studio, was not invited to this role before and has not
        applied to it; and past the studio's daily cap."""
        from accounts.models import CrewProfile, Studio
        from postings.models import Role

        role = Role.objects.select_related("shoot__studio").get(pk=role.pk)
        studio = Studio.objects.select_for_update().get(pk=role.shoot.studio_id)
        if not studio.is_member(by):
            raise InvalidTransition(_("Only the studio's members can invite to its roles."))
        if not studio.is_verified:
            raise InvalidTransition(_("Only verified studios can invite crew."))
        if not role.is_open:
            raise InvalidTransition(_("This role is no longer taking applications."))
        if not CrewProfile.objects.findable_by(studio).filter(user=crew).exists():
            raise InvalidTransition(_("This person cannot be invited."))
        if cls.objects.filter(role=role, crew=crew).exists():
            raise InvalidTransition(_("This person was already invited to this role."))
        if cls.objects.filter(studio=studio, crew=crew).unanswered().exists():
            raise InvalidTransition(
                _("This person has not answered your studio's last invitation yet.")
            )
        if Application.objects.filter(role=role, applicant=crew).exists():
            raise InvalidTransition(_("This person has already applied to this role."))
        since = timezone.now() - timedelta(days=1)
        if cls.objects.filter(studio=studio, created_at__gte=since).count() >= INVITATIONS_PER_DAY:
            raise InvalidTransition(
                _("Your studio has sent %(n)d invitations in the last 24 hours: try tomorrow.")
                % {"n": INVITATIONS_PER_DAY}
            )
        invitation = cls.objects.create(
            role=role, crew=crew, studio=studio, invited_by=by, message=message.strip()
        )
        emails.invited_to_apply(invitation)
        return invitation

    @transaction.atomic
    def decline(self, *, by, reason: str = "") -> None:
        locked = RoleInvitation.objects.select_for_update().get(pk=self.pk)
        if by.pk != locked.crew_id:
            raise InvalidTransition(_("Only the person invited can answer."))
        if locked.status != self.Status.PENDING:
            raise InvalidTransition(_("You have answered this invitation already."))
        if Application.objects.filter(role_id=locked.role_id, applicant_id=by.pk).exists():
            raise InvalidTransition(_("You have already applied to this role."))
        self.status, self.decline_reason = self.Status.DECLINED, reason.strip()
        self.answered_at = timezone.now()
        self.save(update_fields=["status", "decline_reason", "answered_at"])


# Crews that apply as a team (models of their own module, registered with this app's).
from applications.teams import CrewTeam, TeamApplication, TeamMember, TeamPlace  # noqa: E402, F401
from applications.threads import Message, ThreadModeratorView, ThreadState  # noqa: E402, F401
