from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jobboard.transitions import InvalidTransition
from postings import emails, screening
from postings.choices import Department, ExperienceLevel, Genre, PaymentTiming, PayUnit

# Open reports from this many people hide a published shoot until a moderator decides.
REPORTS_TO_HIDE = 3

# A suspended studio's shoots leave the public pages (accounts.Studio.Verification.SUSPENDED).
SUSPENDED = "suspended"

# What stands for the non-ASCII text in ``Role.search_ascii``: the unit separator, which
# ``str.split()`` counts as whitespace, so a search query (whitespace collapsed) never holds it.
ASCII_SEPARATOR = "\x1f"


class City(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    is_hub = models.BooleanField(_("production hub"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["-is_hub", "slug"]

    def __str__(self) -> str:
        return self.name

    def sync_roles(self) -> None:
        """Derive again the copies of the roles in this city (its names are in their search
        text): after an edit in the admin."""
        for shoot in self.shoots.select_related("studio").order_by("pk"):
            shoot.city = self
            shoot.sync_roles()

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


def _cancel_team_applications(shoot) -> None:
    """A shoot that stops taking applications: team applications to it still being
    confirmed are not sent (``applications.teams``)."""
    from applications.teams import TeamApplication

    TeamApplication.cancel_for_shoot(shoot)


class ShootQuerySet(models.QuerySet):
    def published(self) -> ShootQuerySet:
        return self.filter(status=Shoot.Status.PUBLISHED)

    def public(self) -> ShootQuerySet:
        """What anyone may see and apply to: published, not hidden by reports, and posted by a
        studio that is not suspended."""
        return (
            self.published()
            .filter(hidden_at__isnull=True)
            .exclude(studio__verification_status=SUSPENDED)
        )

    def managed_by(self, user) -> ShootQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(studio__memberships__user=user)

    def visible_to(self, user) -> ShootQuerySet:
        """Shoots whose pages ``user`` may open: public ones, closed or expired ones that were
        public (shown as no longer taking applications), every shoot of the user's own studios,
        and everything for staff past the second factor (``User.has_staff_powers``). Drafts,
        shoots waiting for review, shoots hidden by reports and every shoot of a suspended
        studio stay private."""
        if getattr(user, "has_staff_powers", False):
            return self
        seen = Q(status=Shoot.Status.PUBLISHED) | Q(
            status__in=[Shoot.Status.CLOSED, Shoot.Status.EXPIRED]
        )
        visible = seen & Q(hidden_at__isnull=True) & ~Q(studio__verification_status=SUSPENDED)
        if user is not None and user.is_authenticated:
            own = Shoot.objects.filter(studio__memberships__user=user).values("pk")
            visible |= Q(pk__in=own)
        return self.filter(visible)

    def started_with_open_applications(self, today: date) -> ShootQuerySet:
        """Closed or expired shoots that have started and still hold applications or offers
        that never became bookings."""
        from applications.models import Application

        open_ones = Application.objects.filter(
            role__shoot=models.OuterRef("pk"),
            status__in=[
                Application.Status.SUBMITTED,
                Application.Status.SHORTLISTED,
                Application.Status.OFFERED,
            ],
        )
        return self.filter(
            status__in=[Shoot.Status.CLOSED, Shoot.Status.EXPIRED], start_date__lte=today
        ).filter(models.Exists(open_ones))

    def pending_review(self) -> ShootQuerySet:
        return self.filter(status=Shoot.Status.PENDING).order_by("submitted_at", "pk")

    def expired_by(self, today: date) -> ShootQuerySet:
        """Published shoots that have started, or whose every role's apply-by date has passed."""
        open_roles = Role.objects.filter(shoot=models.OuterRef("pk"), apply_by__gte=today)
        return self.published().filter(Q(start_date__lte=today) | ~models.Exists(open_roles))


class Shoot(models.Model):
    """A production with dates, a place and working conditions, posted with its crew roles."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Changes requested")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    EDITABLE = {Status.DRAFT, Status.REJECTED, Status.PENDING, Status.PUBLISHED}
    # No longer taking applications, for good (or until a moderator's review, REJECTED).
    ENDED = {Status.CLOSED, Status.CANCELLED, Status.EXPIRED, Status.REJECTED}
    # Where an offer can still be accepted (before the first shoot day).
    TAKING_CREW = [Status.PUBLISHED, Status.CLOSED, Status.EXPIRED]
    # Changing any of these on a published shoot sends it back to review.
    MATERIAL_FIELDS = (
        "start_date",
        "end_date",
        "city_id",
        "daily_hours",
        "meals_provided",
        "lodging_provided",
        "travel_paid",
        "insurance_provided",
        "contract_provided",
        "payment_timing",
        "payment_days",
    )

    studio = models.ForeignKey(
        "accounts.Studio", on_delete=models.PROTECT, related_name="shoots", verbose_name=_("studio")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    title = models.CharField(_("title"), max_length=100)
    genre = models.CharField(_("genre"), max_length=20, choices=Genre.choices, default=Genre.MODERN)
    episodes = models.PositiveSmallIntegerField(
        _("episodes"), null=True, blank=True, validators=[MaxValueValidator(500)]
    )
    synopsis = models.TextField(_("synopsis"), max_length=3000, blank=True)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="shoots", verbose_name=_("city")
    )
    base = models.CharField(
        _("district or studio base"),
        max_length=100,
        blank=True,
        help_text=_("Shown publicly, e.g. “横店影视城” or “郑州 航空港区”."),
    )
    address = models.CharField(
        _("exact address"),
        max_length=200,
        blank=True,
        help_text=_("Shown only to booked crew."),
    )
    contact_name = models.CharField(_("contact on set"), max_length=60, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, help_text=_("Shown only to booked crew.")
    )
    start_date = models.DateField(_("first shoot day"))
    end_date = models.DateField(_("last shoot day"))
    daily_hours = models.PositiveSmallIntegerField(
        _("working hours a day"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    meals_provided = models.BooleanField(_("meals provided"), default=True)
    lodging_provided = models.BooleanField(_("lodging provided"), default=False)
    travel_paid = models.BooleanField(_("travel paid"), default=False)
    insurance_provided = models.BooleanField(_("insurance provided"), default=False)
    contract_provided = models.BooleanField(_("written contract"), default=False)
    payment_timing = models.CharField(
        _("when pay is paid"),
        max_length=12,
        choices=PaymentTiming.choices,
        default=PaymentTiming.ON_WRAP,
    )
    payment_days = models.PositiveSmallIntegerField(
        _("days after wrap"), null=True, blank=True, validators=[MaxValueValidator(180)]
    )
    conditions_note = models.TextField(_("other conditions"), max_length=1000, blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    flags = models.JSONField(_("anti-scam flags"), default=list, blank=True)
    # What the public saw when it was last published (``snapshot``): moderators see what an
    # edit changed since (``changes_since_published``).
    published_snapshot = models.JSONField(
        _("as last published"), default=dict, blank=True, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for changes"), blank=True)
    hidden_at = models.DateTimeField(
        _("hidden by reports at"),
        null=True,
        blank=True,
        help_text=_("Set when several open reports hide the shoot until a moderator decides."),
    )
    duplicated_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicated from"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ShootQuerySet.as_manager()

    class Meta:
        verbose_name = _("shoot")
        verbose_name_plural = _("shoots")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="shoot_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["studio", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("postings:call_sheet", kwargs={"pk": self.pk})

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_public(self) -> bool:
        """As ``ShootQuerySet.public``: published, not hidden, its studio not suspended."""
        return (
            self.status == self.Status.PUBLISHED
            and self.hidden_at is None
            and self.studio.verification_status != SUSPENDED
        )

    class Access(NamedTuple):
        visible: bool  # may open the shoot's pages
        preview: bool  # sees it before (or instead of) publication: not public
        is_member: bool  # a member of its studio (asked only when it matters, see ``access``)

    @staticmethod
    def access(
        status: str,
        hidden_at,
        studio_status: str,
        studio_id: int,
        viewer,
        *,
        always_ask_membership: bool = False,
    ) -> Shoot.Access:
        """``ShootQuerySet.visible_to``'s rule for one shoot, from its columns: for pages that
        read them without loading the shoot (the oracle test holds the two equal). Whether
        ``viewer`` is a member of the studio is asked of the database only for a shoot that is
        not public, unless ``always_ask_membership``."""
        S = Shoot.Status
        shown = status in {S.PUBLISHED, S.CLOSED, S.EXPIRED}
        public_page = shown and hidden_at is None and studio_status != SUSPENDED
        is_member = False
        if viewer is not None and (always_ask_membership or not public_page):
            from accounts.models import StudioMembership

            is_member = StudioMembership.objects.filter(studio_id=studio_id, user=viewer).exists()
        visible = public_page or (
            viewer is not None and (getattr(viewer, "has_staff_powers", False) or is_member)
        )
        return Shoot.Access(visible, not public_page, is_member)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def can_submit(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.REJECTED}

    @property
    def can_close(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def can_cancel(self) -> bool:
        return self.status in {
            self.Status.DRAFT,
            self.Status.PENDING,
            self.Status.PUBLISHED,
            self.Status.REJECTED,
        }

    def flag_labels(self) -> list[str]:
        """The anti-scam flags as translated sentences, for moderators."""
        from django.utils.translation import gettext

        return [
            f"{gettext(flag.get('label', ''))}: “{flag.get('match', '')}” ({flag.get('field', '')})"
            for flag in self.flags or []
        ]

    # --- Transitions -----------------------------------------------------------------------

    def _set_status(self, sources, target, *, ending: dict | None = None, by=None, **fields):
        """Move to ``target`` from one of ``sources`` (as the locked row says), then, when the
        move ends the shoot's applications (``ending``: ``Application.end_all``'s options),
        end them, and derive the roles' copies again. Locks in the order every transition
        keeps: the shoot, its roles, their applications (see ``Application.end_all``)."""

        self.status = (
            Shoot.objects.select_for_update(no_key=True)
            .values_list("status", flat=True)
            .get(pk=self.pk)
        )
        if self.status not in sources:
            raise InvalidTransition(
                _("This shoot is “%(status)s”: that cannot be done now.")
                % {"status": self.get_status_display()}
            )
        self.status = target
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["status", "updated_at", *fields])
        if ending is not None:
            self.end_applications(by=by, **ending)
        elif target in self.ENDED:
            _cancel_team_applications(self)
        self.sync_roles()

    @transaction.atomic
    def submit(self, *, by=None) -> None:
        """Send for publication. A verified studio's shoot without anti-scam flags publishes at
        once; any other waits for a moderator."""
        S = self.Status
        if not self.studio.can_post:
            raise InvalidTransition(_("This studio is suspended and cannot post shoots."))
        roles = list(self.roles.all())
        if not roles:
            raise InvalidTransition(_("Add at least one role before submitting."))
        flags = screening.screen(self, roles)
        now = timezone.now()
        if self.studio.can_publish and not flags:
            self._set_status(
                {S.DRAFT, S.REJECTED},
                S.PUBLISHED,
                flags=flags,
                submitted_at=now,
                published_at=now,
                rejection_reason="",
                published_snapshot=self.snapshot(roles),
            )
        else:
            self._set_status(
                {S.DRAFT, S.REJECTED}, S.PENDING, flags=flags, submitted_at=now, rejection_reason=""
            )

    @transaction.atomic
    def approve(self, *, by) -> None:
        S = self.Status
        now = timezone.now()
        self._set_status(
            {S.PENDING},
            S.PUBLISHED,
            reviewed_by=by,
            reviewed_at=now,
            # Published again after review (an edit, a report): new to alerts and the newest
            # sort again (alerts never send a role twice).
            published_at=now,
            hidden_at=None,
            published_snapshot=self.snapshot(),
        )
        emails.shoot_reviewed(self)

    @transaction.atomic
    def reject(self, *, by, reason: str) -> None:
        if not reason.strip():
            raise InvalidTransition(_("Say what the studio must change."))
        S = self.Status
        # Taken down after publication: its applications end (bookings released) with it.
        was_published = self.status == S.PUBLISHED
        self._set_status(
            {S.PENDING, S.PUBLISHED},
            S.REJECTED,
            ending={"reason": "rejected"} if was_published else None,
            by=by,
            reviewed_by=by,
            reviewed_at=timezone.now(),
            rejection_reason=reason,
        )
        emails.shoot_reviewed(self)

    @transaction.atomic
    def close(self, *, by=None) -> None:
        S = self.Status
        self._set_status({S.PUBLISHED}, S.CLOSED)

    @transaction.atomic
    def cancel(self, *, by=None) -> None:
        """The shoot will not happen: every booking is released and every other application
        ends; each person hears once."""
        S = self.Status
        self._set_status(
            {S.DRAFT, S.PENDING, S.PUBLISHED, S.REJECTED},
            S.CANCELLED,
            ending={"reason": "cancelled"},
            by=by,
        )

    @transaction.atomic
    def expire(self) -> None:
        """No longer taking applications (its apply-by dates passed, or it started). Once it
        has started, applications and offers still open end; bookings stay."""
        S = self.Status
        started = self.start_date <= timezone.localdate()
        self._set_status(
            {S.PUBLISHED},
            S.EXPIRED,
            ending={"reason": "started", "keep_bookings": True} if started else None,
        )

    @transaction.atomic
    def end_applications(self, *, reason: str, by=None, keep_bookings: bool = False) -> list:
        """End the shoot's active applications (``Application.end_all``) in the lock order
        (the shoot, its roles, the applications), then derive the roles' copies again: for
        a suspended studio, and for a closed or expired shoot that has started (applications
        and offers still open end; bookings stay: ``close_expired_shoots``)."""
        from applications.models import Application

        Shoot.objects.select_for_update(no_key=True).filter(pk=self.pk).exists()
        list(self.roles.select_for_update().order_by("pk").values_list("pk", flat=True))
        ended = Application.end_all(
            Application.objects.filter(role__shoot=self),
            reason=reason,
            by=by,
            keep_bookings=keep_bookings,
        )
        _cancel_team_applications(self)
        if ended:
            self.sync_roles()
        return ended

    @transaction.atomic
    def after_edit(self, *, material: bool) -> bool:
        """Every edit of a published shoot is screened again. It goes back to review (hidden
        from the public until a moderator approves it; its applications kept) when the edit
        trips a screening rule, with an email to the studio saying why, or when it changed
        dates, place, pay or conditions (``material``). True when it went back."""
        if self.status != self.Status.PUBLISHED:
            return False
        self.flags = screening.screen(self, list(self.roles.all()))
        if not (material or self.flags):
            return False
        self._set_status(
            {self.Status.PUBLISHED},
            self.Status.PENDING,
            submitted_at=timezone.now(),
            flags=self.flags,
        )
        if self.flags:
            emails.shoot_flagged_after_edit(self)
        return True

    # What the public sees of a shoot and its roles, for ``snapshot``.
    SNAPSHOT_FIELDS = (*screening.SHOOT_FIELDS, *(n.removesuffix("_id") for n in MATERIAL_FIELDS))
    ROLE_SNAPSHOT_FIELDS = (
        *screening.ROLE_FIELDS,
        "department",
        "openings",
        "pay_min",
        "pay_max",
        "pay_unit",
    )

    def snapshot(self, roles=None) -> dict:
        """The shoot's and its roles' public fields, as text."""
        roles = self.roles.order_by("pk") if roles is None else roles
        return {
            "shoot": {name: str(getattr(self, name) or "") for name in self.SNAPSHOT_FIELDS},
            "roles": {
                str(role.pk): {
                    name: str(getattr(role, name) or "") for name in self.ROLE_SNAPSHOT_FIELDS
                }
                for role in roles
            },
        }

    def changes_since_published(self) -> list[tuple[str, str, str]]:
        """(what, as published, now) for each field that differs from the last published
        snapshot: empty for a shoot never published (nothing to compare)."""
        before = self.published_snapshot or {}
        if not before:
            return []
        now = self.snapshot()
        changes = []
        for name, value in now["shoot"].items():
            old = before.get("shoot", {}).get(name, "")
            if old != value:
                changes.append((str(self._meta.get_field(name).verbose_name), old, value))
        old_roles, new_roles = before.get("roles", {}), now["roles"]
        for pk in sorted(set(old_roles) | set(new_roles), key=int):
            old, new = old_roles.get(pk, {}), new_roles.get(pk, {})
            title = new.get("title") or old.get("title") or pk
            for name in self.ROLE_SNAPSHOT_FIELDS:
                if old.get(name, "") != new.get(name, ""):
                    label = str(Role._meta.get_field(name).verbose_name)
                    changes.append((f"{title} · {label}", old.get(name, ""), new.get(name, "")))
        return changes

    def rescreen(self) -> None:
        """A shoot waiting for review that its studio edits is checked again, so that the
        moderator sees the flags of what will be published."""
        if self.status == self.Status.PENDING:
            self.flags = screening.screen(self, list(self.roles.all()))
            self.save(update_fields=["flags", "updated_at"])

    @transaction.atomic
    def hide_for_reports(self) -> None:
        # People's reports: Callsheet's own screening (no reporter) queues, never hides.
        people = self.reports.open().filter(reporter__isnull=False)
        if self.hidden_at is None and people.count() >= REPORTS_TO_HIDE:
            self.hidden_at = timezone.now()
            self.save(update_fields=["hidden_at", "updated_at"])
            self.sync_roles()

    @transaction.atomic
    def unhide(self) -> None:
        if self.hidden_at is not None:
            self.hidden_at = None
            self.save(update_fields=["hidden_at", "updated_at"])
            self.sync_roles()

    @transaction.atomic
    def duplicate(self, *, by) -> Shoot:
        """A new draft with the same conditions and roles, for next week's shoot."""
        roles = list(self.roles.all())
        copy = Shoot.objects.get(pk=self.pk)
        copy.pk = None
        copy._state.adding = True
        for name, value in {
            "status": self.Status.DRAFT,
            "flags": [],
            "submitted_at": None,
            "published_at": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "rejection_reason": "",
            "hidden_at": None,
            "duplicated_from": self,
            "created_by": by,
        }.items():
            setattr(copy, name, value)
        copy.save()
        for role in roles:
            role.pk = None
            role._state.adding = True
            role.shoot = copy
            role.booked_count = 0
            role.added_at = None
            role.save()
        return copy

    @transaction.atomic
    def sync_roles(self) -> None:
        """Derive again every copied column of this shoot's roles (see ``Role.copies``). Every
        transition of the shoot, its roles or its studio calls it, in its transaction; the
        roles are locked (in primary-key order) so that a booking that changes one cannot
        interleave with the copy of its listing."""
        from django.db.backends.postgresql.psycopg_any import DateRange

        from applications.models import Application

        roles = list(self.roles.select_for_update().order_by("pk"))
        # From the shoot and studio as stored, not as this instance remembers them: a
        # transition called on an instance loaded before an edit must not copy old dates.
        shoot = Shoot.objects.select_related("studio", "city").get(pk=self.pk)
        for role in roles:
            for name, value in role.copies(shoot).items():
                setattr(role, name, value)
        Role.objects.bulk_update(roles, Role.COPIED_FIELDS)
        # Bookings keep the shoot's dates for the database's guard against double booking.
        dates = DateRange(shoot.start_date, shoot.end_date, "[]")
        Application.objects.booked().filter(role__shoot=self).exclude(booked_dates=dates).update(
            booked_dates=dates
        )


class RoleQuerySet(models.QuerySet):
    def listed(self) -> RoleQuerySet:
        """Open to applications: the shoot is public, the role still has openings, and its
        apply-by date has not passed (Asia/Shanghai)."""
        return self.filter(listed=True, apply_by__gte=timezone.localdate())

    def in_cities(self, cities) -> RoleQuerySet:
        return self.filter(city__in=cities)

    def in_departments(self, departments) -> RoleQuerySet:
        return self.filter(department__in=departments)

    def within(self, start: date | None, end: date | None) -> RoleQuerySet:
        """Roles whose whole shoot falls between ``start`` and ``end``."""
        qs = self
        if start:
            qs = qs.filter(start_date__gte=start)
        if end:
            qs = qs.filter(end_date__lte=end)
        return qs

    def fitting(self, user_id: int) -> RoleQuerySet:
        """Roles whose shoot dates clash with none of the crew member's unavailable days or
        bookings (all roles for someone without a crew profile)."""
        from accounts.models import Unavailability
        from applications.models import Application

        busy = Unavailability.objects.filter(
            profile__user_id=user_id,
            start_date__lte=models.OuterRef("end_date"),
            end_date__gte=models.OuterRef("start_date"),
        )
        booked = Application.objects.booked().filter(
            applicant_id=user_id,
            role__start_date__lte=models.OuterRef("end_date"),
            role__end_date__gte=models.OuterRef("start_date"),
        )
        return self.exclude(models.Exists(busy)).exclude(models.Exists(booked))

    def search(self, query: str) -> RoleQuerySet:
        """Keyword search over role, shoot and studio text (Chinese and English): a substring
        match on the lower-cased search document, served by its trigram index. An ASCII query
        (English, numbers) is matched against the document's ASCII runs, which give the same
        answer from a third of the bytes."""
        query = " ".join(query.split()).lower()
        if not query:
            return self
        if len(query) < 3:
            # Trigrams need three characters, and most Chinese words have two (灯光, 横店): the
            # one- and two-character grams of each document are kept in RoleGrams, GIN-indexed.
            # Both conditions, because each serves one kind of plan: for a common word the
            # planner walks the sort's index and the substring test rejects most rows cheaply
            # (the grams are only read for the few that match); for a rare one it starts from
            # the grams index, whose statistics give it the word's real frequency.
            has_gram = RoleGrams.objects.filter(role=models.OuterRef("pk"), grams__contains=[query])
            return self.filter(models.Exists(has_gram), search_document__contains=query)
        if query.isascii():
            return self.filter(search_ascii__contains=query)
        return self.filter(search_document__contains=query)


class SearchGrams(models.Func):
    """Every one- and two-character substring of a text (the SQL function ``postings_grams``,
    created by migration 0005). Migration 0005 indexed it; RoleGrams now stores it."""

    function = "postings_grams"
    output_field = ArrayField(models.TextField())


class PayMedian(NamedTuple):
    """What wrapped bookings paid for a role like this one here (``Role.pay_median``)."""

    amount: int
    bookings: int
    title: str | None  # the role title the median is for; None: the whole department
    day_rate: int  # this role's pay per day, to compare

    @property
    def comparison(self) -> str:
        if self.day_rate > self.amount:
            return "above"
        return "below" if self.day_rate < self.amount else "at"


class Role(models.Model):
    """One crew position on a shoot. The shoot's city, dates, publication and studio
    verification are copied here by ``Shoot.sync_roles`` so that search filters and sorts a
    single table through its own indexes, whatever the number of roles."""

    shoot = models.ForeignKey(
        Shoot, on_delete=models.CASCADE, related_name="roles", verbose_name=_("shoot")
    )
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    title = models.CharField(_("role"), max_length=80)
    openings = models.PositiveSmallIntegerField(
        _("openings"), default=1, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    pay_unit = models.CharField(
        _("pay unit"), max_length=10, choices=PayUnit.choices, default=PayUnit.DAY
    )
    pay_min = models.PositiveIntegerField(
        _("pay (¥)"), validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    pay_max = models.PositiveIntegerField(
        _("up to (¥)"), null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    overtime_rate = models.PositiveIntegerField(
        _("overtime (¥ per hour)"), null=True, blank=True, validators=[MaxValueValidator(10_000)]
    )
    experience_level = models.CharField(
        _("experience"),
        max_length=20,
        choices=ExperienceLevel.choices,
        default=ExperienceLevel.NEWCOMER,
    )
    newcomers_welcome = models.BooleanField(_("newcomers welcome (新人可)"), default=False)
    description = models.TextField(_("what the job is"), max_length=3000, blank=True)
    requirements = models.TextField(_("requirements"), max_length=2000, blank=True)
    apply_by = models.DateField(_("apply by"))
    booked_count = models.PositiveSmallIntegerField(_("booked"), default=0, editable=False)
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)

    # Copied from the shoot and its studio by ``copies`` (see the class docstring).
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+", editable=False)
    start_date = models.DateField(editable=False)
    end_date = models.DateField(editable=False)
    # When the role became public: its shoot's publication, or when it was added if later.
    published_at = models.DateTimeField(null=True, editable=False)
    studio_verified = models.BooleanField(default=False, editable=False)
    # The studio pays on time (``Studio.pays_on_time``): the filter "studios that pay on time".
    studio_pays_on_time = models.BooleanField(default=False, editable=False)
    listed = models.BooleanField(default=False, editable=False)
    # Pay per day whatever the unit (a project fee divided by the shoot's days): for the
    # minimum-pay filter and the highest-pay sort.
    day_rate = models.PositiveIntegerField(default=0, editable=False)
    search_document = models.TextField(default="", editable=False)
    # The search document with every run of non-ASCII characters (Chinese text, full-width
    # punctuation) replaced by a separator no query holds: an ASCII query matches it exactly
    # where it matches the whole document, and testing a third of the bytes makes a common
    # English word quicker to find (see ``RoleQuerySet.search``).
    search_ascii = models.GeneratedField(
        expression=models.Func(
            "search_document",
            models.Value(r"[^\x01-\x7f]+"),
            models.Value(ASCII_SEPARATOR),
            models.Value("g"),
            function="regexp_replace",
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["shoot", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(openings__gte=1), name="role_openings_positive"),
            models.CheckConstraint(condition=Q(pay_min__gt=0), name="role_pay_positive"),
            models.CheckConstraint(
                condition=Q(pay_max__isnull=True) | Q(pay_max__gte=F("pay_min")),
                name="role_pay_max_not_below_min",
            ),
            models.CheckConstraint(
                condition=Q(apply_by__lte=F("start_date")), name="role_apply_by_before_shoot"
            ),
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("openings")), name="role_not_overbooked"
            ),
        ]
        indexes = [
            # Newest first, the default sort. It carries ``search_ascii`` so that an English
            # search for a common word walks it in order, testing each entry without visiting
            # the table, and stops after a page.
            models.Index(
                fields=["-published_at", "id"],
                name="role_listed_newest",
                condition=Q(listed=True),
                include=["search_ascii"],
            ),
            models.Index(
                F("day_rate").desc(), "id", name="role_listed_pay", condition=Q(listed=True)
            ),
            models.Index("start_date", "id", name="role_listed_start", condition=Q(listed=True)),
            models.Index("apply_by", "id", name="role_listed_apply_by", condition=Q(listed=True)),
            # Department and city, newest first, with what the other filters read: a filtered
            # list walks it in order and stops after a page, without touching the table.
            models.Index(
                fields=["department", "city", "-published_at", "-id"],
                name="role_listed_dept_city",
                condition=Q(listed=True),
                include=["day_rate", "start_date", "end_date"],
            ),
            models.Index(
                "city", "start_date", name="role_listed_city_start", condition=Q(listed=True)
            ),
            models.Index(
                fields=["-published_at", "id"],
                name="role_listed_pays_on_time",
                condition=Q(listed=True, studio_pays_on_time=True),
            ),
            GinIndex(OpClass("search_document", name="gin_trgm_ops"), name="role_search_trgm"),
            GinIndex(OpClass("search_ascii", name="gin_trgm_ops"), name="role_search_ascii_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.shoot}"

    # The columns ``copies`` derives (see docs/caches.md).
    COPIED_FIELDS = [
        "city",
        "start_date",
        "end_date",
        "published_at",
        "studio_verified",
        "studio_pays_on_time",
        "listed",
        "day_rate",
        "search_document",
    ]

    def save(self, *args, **kwargs) -> None:
        # Derived, not a side effect: a new role takes the copied columns from its shoot.
        if self._state.adding and self.shoot_id:
            if self.added_at is None:
                self.added_at = timezone.now()
            for name, value in self.copies(self.shoot).items():
                setattr(self, name, value)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("postings:role_detail", kwargs={"pk": self.pk})

    def copies(self, shoot: Shoot) -> dict:
        """The copied columns as the rules give them from ``shoot`` and its studio: the one
        place they are derived, for a new role (``save``), after a booking or a release
        (``refresh_listing``) and for every role of a shoot (``Shoot.sync_roles``).
        ``listed`` is what listings filter on: the shoot is public (``Shoot.is_public``) and
        the role has an opening left; the apply-by date is checked when listing
        (``RoleQuerySet.listed``), as it passes with the clock."""
        studio = shoot.studio
        added_at = self.added_at or timezone.now()
        published_at = max(shoot.published_at, added_at) if shoot.published_at else None
        return {
            "city_id": shoot.city_id,
            "start_date": shoot.start_date,
            "end_date": shoot.end_date,
            "published_at": published_at,
            "studio_verified": studio.is_verified,
            "studio_pays_on_time": studio.pays_on_time,
            "listed": shoot.is_public and self.booked_count < self.openings,
            "day_rate": self.pay_min
            if self.pay_unit == PayUnit.DAY
            else self.pay_min // shoot.days,
            "search_document": self.build_search_document(shoot),
        }

    @property
    def is_public(self) -> bool:
        return self.shoot.is_public

    @property
    def pay_display(self) -> str:
        """``¥350 per day`` / ``¥350/天``, ``¥300–400 per day``, ``¥3,000 per project``."""
        from django.utils.translation import gettext

        amount = f"{self.pay_min:,}"
        if self.pay_max and self.pay_max != self.pay_min:
            amount = f"{self.pay_min:,}–{self.pay_max:,}"
        if self.pay_unit == PayUnit.DAY:
            return gettext("¥%(amount)s per day") % {"amount": amount}
        return gettext("¥%(amount)s per project") % {"amount": amount}

    def job_posting(self) -> dict:
        """schema.org JobPosting for search engines. Pay is given per day in CNY whatever the
        unit (a project fee is divided by the shoot's days), as ``day_rate`` is."""
        from datetime import datetime, time

        from django.conf import settings

        shoot, studio, city = self.shoot, self.shoot.studio, self.city
        valid_through = timezone.make_aware(datetime.combine(self.apply_by, time(23, 59, 59)))
        if self.pay_unit == PayUnit.DAY and self.pay_max:
            value = {"@type": "QuantitativeValue", "minValue": self.pay_min}
            value |= {"maxValue": self.pay_max, "unitText": "DAY"}
        else:
            value = {"@type": "QuantitativeValue", "value": self.day_rate, "unitText": "DAY"}
        organization = {
            "@type": "Organization",
            "name": studio.name,
            "url": settings.SITE_URL + studio.get_absolute_url(),
        }
        if studio.website:
            organization["sameAs"] = studio.website
        return {
            "@context": "https://schema.org/",
            "@type": "JobPosting",
            "title": self.title,
            "description": "\n\n".join(
                text for text in (self.description, self.requirements, shoot.synopsis) if text
            )
            or self.title,
            "datePosted": (self.published_at or shoot.created_at).isoformat(),
            "validThrough": valid_through.isoformat(),
            "employmentType": ["TEMPORARY", "CONTRACTOR"],
            "hiringOrganization": organization,
            "jobLocation": {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": city.name,
                    "addressRegion": city.province,
                    "streetAddress": shoot.base,
                    "addressCountry": "CN",
                },
            },
            "baseSalary": {"@type": "MonetaryAmount", "currency": "CNY", "value": value},
            "jobStartDate": self.start_date.isoformat(),
            "totalJobOpenings": self.openings_left,
            "url": settings.SITE_URL + self.get_absolute_url(),
            # People apply here, on the role's page, not somewhere else.
            "directApply": True,
            "identifier": {"@type": "PropertyValue", "name": "Callsheet", "value": str(self.pk)},
        }

    def job_posting_json(self) -> str:
        """The JSON-LD text, safe inside a <script> element: ``<``, ``>`` and ``&`` are
        escaped so that no text of the posting can close the element."""
        import json

        text = json.dumps(self.job_posting(), ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    @property
    def openings_left(self) -> int:
        return max(self.openings - self.booked_count, 0)

    @property
    def is_filled(self) -> bool:
        return self.booked_count >= self.openings

    @property
    def is_open(self) -> bool:
        """Taking applications: listed, and the apply-by date has not passed."""
        return self.listed and self.apply_by >= timezone.localdate()

    def build_search_document(self, shoot: Shoot) -> str:
        """Lower-cased text that keyword search matches: role, shoot, studio and city, with the
        department's name in both languages."""
        from django.utils import translation

        department = Department(self.department)
        labels = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                labels.append(str(department.label))
        parts = [
            self.title,
            shoot.title,
            shoot.studio.name,
            self.description,
            shoot.synopsis,
            *labels,
            shoot.city.name_zh,
            shoot.city.name_en,
        ]
        return " ".join(" ".join(str(p) for p in parts).split()).lower()

    def pay_median(self) -> PayMedian | None:
        """The median day rate of wrapped bookings for this role's title in its city, or else
        for its department there (``applications.models.pay_medians``: from at least
        ``MEDIAN_MIN_BOOKINGS``); None when neither has enough bookings."""
        from applications.models import role_pay_median

        found = role_pay_median(self.shoot.city_id, self.department, self.title)
        if found is None:
            return None
        amount, bookings, title = found
        return PayMedian(amount, bookings, title, self.day_rate)

    def refresh_listing(self) -> None:
        """After a booking or a release (the role locked): derive its copies again, from the
        shoot and studio as stored now (read after the lock: a studio transition that
        committed while this waited for the role is seen, not its old values)."""
        self.shoot = Shoot.objects.select_related("studio", "city").get(pk=self.shoot_id)
        for name, value in self.copies(self.shoot).items():
            setattr(self, name, value)
        self.save(update_fields=self.COPIED_FIELDS)


class RoleGrams(models.Model):
    """Every one- and two-character substring of a role's search document, for keyword search
    of short words (see ``RoleQuerySet.search``). Database triggers (migration 0008) keep it in
    step with ``Role.search_document``, whoever writes it. A table of its own so that loading a
    role never loads its grams, and so that PostgreSQL keeps statistics on how common each gram
    is (it keeps none for an expression index)."""

    role = models.OneToOneField(
        Role, on_delete=models.CASCADE, primary_key=True, related_name="+", editable=False
    )
    grams = ArrayField(models.TextField(), editable=False)

    class Meta:
        verbose_name = _("search grams")
        verbose_name_plural = _("search grams")
        indexes = [GinIndex(fields=["grams"], name="rolegrams_grams")]

    def __str__(self) -> str:
        return f"{self.role_id}: {len(self.grams)}"


class PendingShoot(Shoot):
    """The moderators' review queue in the admin: shoots waiting for review, oldest first."""

    class Meta:
        proxy = True
        verbose_name = _("shoot waiting for review")
        verbose_name_plural = _("review queue")


class ReportQuerySet(models.QuerySet):
    def open(self) -> ReportQuerySet:
        return self.filter(status=Report.Status.OPEN)


class Report(models.Model):
    class Reason(models.TextChoices):
        FEE = "fee", _("Asks applicants for money")
        FAKE_STUDIO = "fake_studio", _("Fake or impersonated studio")
        PAY = "pay", _("Pay or conditions not as posted")
        OFF_PLATFORM = "off_platform", _("Moves contact to private chats")
        HARASSMENT = "harassment", _("Harassment or unsafe conduct")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACTIONED = "actioned", _("Actioned")
        DISMISSED = "dismissed", _("Dismissed")

    shoot = models.ForeignKey(
        Shoot, on_delete=models.CASCADE, related_name="reports", verbose_name=_("shoot")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reports",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shoot", "reporter"],
                condition=Q(status="open"),
                name="report_one_open_per_reporter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.shoot}"

    @classmethod
    @transaction.atomic
    def file(cls, *, shoot: Shoot, reporter, reason: str, details: str = "") -> Report:
        """Record a report; enough open reports hide the shoot until a moderator decides."""
        if not shoot.is_public:
            raise InvalidTransition(_("Only published shoots can be reported."))
        report = cls.objects.create(shoot=shoot, reporter=reporter, reason=reason, details=details)
        shoot.hide_for_reports()
        return report

    def _handle(self, status: str, *, by, resolution: str) -> None:
        if self.status != self.Status.OPEN:
            raise InvalidTransition(_("This report has already been handled."))
        self.status, self.handled_by, self.handled_at = status, by, timezone.now()
        self.resolution = resolution
        self.save(update_fields=["status", "handled_by", "handled_at", "resolution"])

    @transaction.atomic
    def dismiss(self, *, by, resolution: str = "") -> None:
        """Nothing wrong: when no open report remains, a hidden shoot shows again. The
        reporter hears the outcome (with the moderator's note, if any)."""
        self._handle(self.Status.DISMISSED, by=by, resolution=resolution)
        if not self.shoot.reports.open().exists():
            self.shoot.unhide()
        emails.report_outcome(self)

    @transaction.atomic
    def action(self, *, by, resolution: str) -> None:
        """The report was right: the shoot is cancelled (its applications end, each applicant
        told), with the moderator's reason, which the studio's members receive. Every open
        report of the shoot is closed with it, and each reporter hears the outcome once. (The
        moderator may also suspend the studio.)"""
        if not resolution.strip():
            raise InvalidTransition(_("Say why: the studio receives the reason."))
        shoot = Shoot.objects.select_for_update().get(pk=self.shoot_id)
        self._handle(self.Status.ACTIONED, by=by, resolution=resolution)
        others = list(shoot.reports.open().exclude(pk=self.pk).order_by("pk"))
        for other in others:
            other._handle(self.Status.ACTIONED, by=by, resolution=resolution)
        if shoot.can_cancel:
            shoot.cancel(by=by)
        emails.report_actioned(shoot, resolution)
        for report in [self, *others]:
            report.shoot = shoot
            emails.report_outcome(report)


# --- Alerts -----------------------------------------------------------------------------------


class SavedSearchQuerySet(models.QuerySet):
    def active(self) -> SavedSearchQuerySet:
        return self.filter(paused_at__isnull=True)

    def due(self, now) -> SavedSearchQuerySet:
        """Active alerts whose email may go now: "as soon as possible" ones at most every
        ``BATCH`` after their last email, daily ones once their hour has come since their
        last check (Asia/Shanghai)."""
        asap = Q(frequency=SavedSearch.Frequency.ASAP) & (
            Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - SavedSearch.BATCH)
        )
        local = timezone.localtime(now)
        daily = Q(pk__in=[])
        for hour in range(24):
            latest = local.replace(hour=hour, minute=0, second=0, microsecond=0)
            if latest > local:
                latest -= timedelta(days=1)
            daily |= Q(digest_hour=hour, checked_at__lt=latest)
        daily &= Q(frequency=SavedSearch.Frequency.DAILY)
        return self.active().filter(asap | daily)

    def quiet_since(self, cutoff) -> SavedSearchQuerySet:
        """Active alerts that have matched nothing since ``cutoff``."""
        return self.active().filter(last_matched_at__lt=cutoff)

    def with_found_count(self) -> SavedSearchQuerySet:
        return self.annotate(found_count=models.Count("sent"))


class SavedSearch(models.Model):
    """An alert: a search from the role list, mailed when new roles match it.

    Each email lists the open roles that match the search now, were published since the
    alert's last email (less ``SLACK``, for roles whose publication committed late) and were
    never mailed by this alert before. Each role is mailed once: the (alert, role) pairs are
    recorded, the alert claimed and the email queued in one transaction (``jobboard.mail``).
    A crash before the commit records nothing, so the next run finds the same roles; after
    it, the queued email is sent by the task worker, which runs again a task whose worker
    died (``jobboard.worker``)."""

    class Frequency(models.TextChoices):
        ASAP = "asap", _("As soon as possible (at most every 15 minutes)")
        DAILY = "daily", _("A daily digest")

    class PauseReason(models.TextChoices):
        USER = "user", _("Paused by you.")
        QUIET = "quiet", _("Paused because it matched nothing for 90 days.")
        UNSUBSCRIBED = "unsubscribed", _("Paused because you unsubscribed from its email.")

    MAX_PER_USER = 20
    MAX_ROLES_PER_EMAIL = 30
    QUIET_DAYS = 90
    BATCH = timedelta(minutes=15)
    SLACK = timedelta(minutes=10)
    DIGEST_HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("user"),
    )
    name = models.CharField(pgettext_lazy("an alert's", "name"), max_length=80)
    query = models.TextField(_("search"), max_length=2000, blank=True)
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.ASAP
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("digest hour"), choices=DIGEST_HOURS, default=8, validators=[MaxValueValidator(23)]
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(
        _("why paused"), max_length=20, choices=PauseReason.choices, blank=True
    )
    checked_at = models.DateTimeField(_("last checked"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    last_matched_at = models.DateTimeField(_("last matched"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                F("frequency"),
                F("last_sent_at"),
                name="alert_active",
                condition=Q(paused_at=None),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__lte=23), name="savedsearch_digest_hour_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def clean_query(query: str) -> str:
        """The search as the list page takes it, without the page cursor or empty values."""
        from django.http import QueryDict
        from django.utils.http import urlencode

        data = QueryDict(query or "")
        pairs = [(k, v) for k, values in data.lists() if k != "after" for v in values if v]
        return urlencode(pairs)

    def filterset(self, queryset):
        """The search page's filters over ``queryset``, as this alert's owner sees them."""
        from types import SimpleNamespace

        from django.http import QueryDict

        from postings.filters import RoleFilter

        return RoleFilter(
            QueryDict(self.query) or None,
            queryset=queryset,
            request=SimpleNamespace(user=self.user),
        )

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def search_url(self) -> str:
        url = reverse("postings:role_list")
        return f"{url}?{self.query}" if self.query else url

    @property
    def feed_url(self) -> str:
        url = reverse("postings:feed")
        return f"{url}?{self.query}" if self.query else url

    @property
    def unsubscribe_token(self) -> str:
        from django.core import signing

        return signing.Signer(salt="postings.alert.unsubscribe").sign(str(self.pk))

    @classmethod
    def from_unsubscribe_token(cls, token: str) -> SavedSearch | None:
        from django.core import signing

        try:
            pk = signing.Signer(salt="postings.alert.unsubscribe").unsign(token)
        except signing.BadSignature:
            return None
        return cls.objects.filter(pk=pk).select_related("user").first() if pk.isdigit() else None

    def pause(self, reason: str = PauseReason.USER) -> None:
        self.paused_at, self.pause_reason = timezone.now(), reason
        self.save(update_fields=["paused_at", "pause_reason"])

    def resume(self) -> None:
        """Start again from now: roles published while paused are not mailed, and the quiet
        clock starts over."""
        now = timezone.now()
        self.paused_at, self.pause_reason = None, ""
        self.last_sent_at = self.last_matched_at = self.checked_at = now
        self.save(
            update_fields=[
                "paused_at",
                "pause_reason",
                "last_sent_at",
                "last_matched_at",
                "checked_at",
            ]
        )

    def new_roles(self, now) -> list[Role]:
        """Open roles matching the search, published since the last email (less SLACK) and
        never mailed by this alert."""
        since = (self.last_sent_at or self.created_at) - self.SLACK
        candidates = (
            Role.objects.listed()
            .filter(published_at__gte=since, apply_by__gte=timezone.localdate(now))
            .exclude(pk__in=SentRole.objects.filter(saved_search=self).values("role_id"))
        )
        roles = self.filterset(candidates).qs.select_related("shoot__studio", "city")
        return list(roles.order_by("published_at", "pk")[: self.MAX_ROLES_PER_EMAIL])

    def send(self, now) -> int:
        """Email the new roles, if any; the number of roles sent (see the class docstring)."""
        roles = self.new_roles(now)
        if not roles:
            SavedSearch.objects.filter(pk=self.pk).update(checked_at=now)
            return 0
        with transaction.atomic():
            claimed = SavedSearch.objects.filter(pk=self.pk, checked_at=self.checked_at).update(
                checked_at=now, last_sent_at=now, last_matched_at=now
            )
            if not claimed:  # another run got there first
                return 0
            SentRole.objects.bulk_create(
                [SentRole(saved_search=self, role=role, sent_at=now) for role in roles]
            )
            emails.alert_roles(self, roles)
        self.checked_at = self.last_sent_at = self.last_matched_at = now
        return len(roles)


class SentRole(models.Model):
    """A role an alert has mailed: never again for that alert."""

    saved_search = models.ForeignKey(
        SavedSearch, on_delete=models.CASCADE, related_name="sent", verbose_name=_("alert")
    )
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="+", verbose_name=_("role")
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("role sent by an alert")
        verbose_name_plural = _("roles sent by alerts")
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "role"], name="sentrole_once")
        ]

    def __str__(self) -> str:
        return f"{self.saved_search} → {self.role_id}"
