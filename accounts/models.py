from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts import emails
from accounts.validators import validate_credit_code
from jobboard.storage import get_private_storage, private_name
from jobboard.transitions import InvalidTransition
from postings.choices import Department, ExperienceLevel


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; there is no username. The same account can look for
    crew work (a crew profile) and hire for a studio (studio memberships)."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, help_text=_("Optional. Never shown publicly.")
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class MessageEmails(models.TextChoices):
        INSTANT = "instant", _("At once")
        BATCHED = "batched", _("Once a day")
        OFF = "off", _("Off")

    message_emails = models.CharField(
        _("emails about new messages"),
        max_length=10,
        choices=MessageEmails.choices,
        default=MessageEmails.INSTANT,
        help_text=_(
            "At once: at most one email per conversation every 15 minutes. Once a day: one "
            "email listing every conversation with unread messages."
        ),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @cached_property
    def in_a_studio(self) -> bool:
        """Whether they are a member of a studio (the request's user has it from the statement
        that loads it: jobboard.backends)."""
        return self.studio_memberships.exists()

    @cached_property
    def unread_threads(self) -> int:
        """How many conversations have messages they have not read (the menu's count; the
        request's user has it from the statement that loads it: jobboard.backends)."""
        from applications.threads import unread_threads

        return User.objects.filter(pk=self.pk).values_list(unread_threads(), flat=True)[0]

    @property
    def has_staff_powers(self) -> bool:
        """Moderators' powers (every studio's pipeline and CVs, unpublished shoots, suspended
        studios' pages) need a staff account *and* a session that passed the second factor:
        ``jobboard.middleware.staff_second_factor_middleware`` marks the request's user. Until
        then, and for a user loaded anywhere else, a staff account is an ordinary one."""
        return self.is_staff and self.is_active and getattr(self, "second_factor_passed", False)

    @property
    def display_name(self) -> str:
        """How other people see this person: their name, else their email, and "deleted
        account" once they deleted it (the row stays under records others keep)."""
        return self.display_name_of(self.name, self.email)

    @staticmethod
    def display_name_of(name: str, email: str) -> str:
        """``display_name`` from the two columns it reads (for rows read without a User)."""
        if email.endswith(ERASED_EMAIL_DOMAIN):
            return str(_("Deleted account"))
        return name or email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def is_erased(self) -> bool:
        return self.email.endswith(ERASED_EMAIL_DOMAIN)

    def erase(self) -> None:
        """Delete the account as far as the law and other people allow.

        Personal fields, the crew profile (credits, calendar) and every CV file go; the row
        stays as a "deleted user" so that records other people rely on (a studio's pipeline,
        application histories) keep their shape. A new unusable password changes the session
        hash, which ends every session of this user; ``is_active`` off keeps them out."""
        from allauth.account.models import EmailAddress
        from django.db.models import TextField, Value
        from django.db.models.functions import Cast, Replace
        from django_tasks_db.models import DBTaskResult

        from applications import emails as application_emails
        from applications.models import (
            Application,
            ApplicationEvent,
            CrewTeam,
            RoleInvitation,
            TeamMember,
            Wrap,
        )
        from postings.models import Report

        # After the wrap: studios' records keep counting their answers, but nothing links
        # an answer to them any more (nor keeps their words). First, as every answer locks
        # its wrap before the studio and the roles.
        studios = set(Wrap.objects.filter(crew=self).values_list("studio_id", flat=True))
        Wrap.objects.filter(crew=self).update(crew=None, application=None, crew_reply="")
        for studio in Studio.objects.filter(pk__in=studios).order_by("pk"):
            studio.refresh_record()  # their open disputes are over: nobody can settle them
        RoleInvitation.objects.filter(crew=self).delete()  # invitations to apply they received
        # Their messages: the words and the files go; the other side keeps that they wrote.
        from applications.models import Message

        for message in Message.objects.filter(author=self).exclude(attachment=""):
            message.attachment.delete(save=False)
        Message.objects.filter(author=self).update(
            body="", attachment="", attachment_name="", author=None
        )
        # Teams: they leave those they joined, their invitations go, and the teams they head
        # end (the team applications still being confirmed are not sent; those with a studio
        # become each member's own).
        for member in TeamMember.objects.filter(Q(user=self) | Q(email__iexact=self.email)):
            member.leave(by=self, reason="account_deleted")
        for team in CrewTeam.objects.filter(head=self):
            for team_application in team.applications.confirming():
                team_application.cancel(by=self, reason="account_deleted")
            team.delete()
        # Their applications end first, each in the lock order of every transition (its
        # shoot, its role, the application): pending ones and offers are withdrawn, bookings
        # released (the openings and dates freed).
        places = []  # bookings and offers: their studios are told, once each
        for application in Application.objects.filter(
            applicant=self, status__in=Application.ACTIVE
        ).order_by("pk"):
            team_application = application.sent_team()
            if team_application is not None:
                team_application.lock()  # the shoot, the team's roles, its applications
            role = application._lock_shoot_and_role()
            ended = Application.end_all(
                Application.objects.filter(pk=application.pk),
                reason="account_deleted",
                by=self,
                withdraw=True,
            )
            if ended:
                role.refresh_from_db(fields=["booked_count"])
                role.refresh_listing()
                if team_application is not None:
                    team_application.member_withdrew(application, by=self)
            S = Application.Status
            places += [a.pk for a in ended if a.ended_from in (S.BOOKED, S.OFFERED)]
        if places:
            application_emails.applicants_left(places)
        # Nothing else keeps who they were: queued and finished emails that name them, and
        # their name in studios' notes and in reports.
        old_email, old_name = self.email, self.name
        for text in {old_email, old_name} - {""}:
            DBTaskResult.objects.annotate(text=Cast("args_kwargs", TextField())).filter(
                text__contains=text
            ).delete()
        if len(old_name) >= 2:
            deleted = str(_("deleted account"))
            ApplicationEvent.objects.filter(note__contains=old_name).update(
                note=Replace("note", Value(old_name), Value(deleted))
            )
            Report.objects.filter(details__contains=old_name).update(
                details=Replace("details", Value(old_name), Value(deleted))
            )
        files = []
        profile = CrewProfile.objects.filter(user=self).first()
        if profile is not None:
            if profile.cv:
                files.append(profile.cv.name)
            profile.delete()
        for application in Application.objects.filter(applicant=self).exclude(cv=""):
            files.append(application.cv.name)
        Application.objects.filter(applicant=self).update(cv="", cv_name="", note="")
        StudioInvitation.objects.filter(email__iexact=self.email, accepted_at__isnull=True).delete()
        self.studio_memberships.all().delete()
        self.saved_searches.all().delete()  # alerts (postings.SavedSearch)
        EmailAddress.objects.filter(user=self).delete()
        self.email = f"deleted-{self.pk}{ERASED_EMAIL_DOMAIN}"
        self.name = ""
        self.phone = ""
        self.is_active = False
        self.is_staff = False
        self.is_superuser = False
        self.set_unusable_password()
        self.save()
        self.groups.clear()
        self.user_permissions.clear()

        def remove_files():
            storage = get_private_storage()
            for name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)


ERASED_EMAIL_DOMAIN = "@deleted.invalid"


# --- Crew -------------------------------------------------------------------------------------

http_url_validator = URLValidator(schemes=["http", "https"])


def cv_upload_to(instance, filename: str) -> str:
    return private_name("cvs")


class CrewProfileQuerySet(models.QuerySet):
    def free_between(self, start: date, end: date) -> CrewProfileQuerySet:
        """Crew with no marked unavailability and no booking overlapping [start, end]."""
        from applications.models import Application

        busy_days = Unavailability.objects.filter(
            profile=OuterRef("pk"), start_date__lte=end, end_date__gte=start
        )
        booked = (
            Application.objects.booked().overlapping(start, end).filter(applicant=OuterRef("user"))
        )
        return self.exclude(Exists(busy_days)).exclude(Exists(booked))

    def visible_to_verified_studios(self) -> CrewProfileQuerySet:
        return self.filter(visibility=CrewProfile.Visibility.VERIFIED_STUDIOS)

    def findable_by(self, studio: Studio) -> CrewProfileQuerySet:
        """Whom ``studio`` may find and invite: people who let verified studios find them
        (off until they turn it on), with an active account and a profile complete enough
        to apply, who have not blocked this studio. Nobody for a studio that is not
        verified."""
        if not studio.is_verified:
            return self.none()
        return (
            self.visible_to_verified_studios()
            .filter(user__is_active=True)
            .exclude(departments=[])
            .exclude(home_city=None)
            .exclude(user__name="")
            .exclude(blocks__studio=studio)
        )

    def with_credit_counts(self) -> CrewProfileQuerySet:
        """Annotate ``confirmed_credits`` (bookings a studio confirmed as worked, not hidden)
        and ``listed_credits`` (credits the person wrote on the profile): a subquery each."""
        from applications.models import Wrap

        confirmed = (
            Wrap.objects.credits()
            .filter(crew=OuterRef("user"), credit_hidden=False)
            .order_by()
            .values("crew")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        listed = (
            Credit.objects.filter(profile=OuterRef("pk"))
            .order_by()
            .values("profile")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            confirmed_credits=Coalesce(Subquery(confirmed), 0),
            listed_credits=Coalesce(Subquery(listed), 0),
        )


class CrewProfile(models.Model):
    """What a crew member shows the studios they apply to."""

    class Visibility(models.TextChoices):
        APPLIED_ONLY = "applied", _("Only studios I apply to")
        VERIFIED_STUDIOS = (
            "verified",
            _(
                "Let verified studios find me and invite me to apply (they never see my phone or "
                "email)"
            ),
        )

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="crew_profile", verbose_name=_("user")
    )
    headline = models.CharField(
        _("headline"),
        max_length=120,
        blank=True,
        help_text=_("One line studios see first, e.g. “Lighting assistant, 2 years on set”."),
    )
    departments = ArrayField(
        models.CharField(max_length=20, choices=Department.choices),
        verbose_name=_("departments"),
        default=list,
        blank=True,
    )
    home_city = models.ForeignKey(
        "postings.City",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home city"),
    )
    work_cities = models.ManyToManyField(
        "postings.City", blank=True, related_name="+", verbose_name=_("cities willing to work in")
    )
    # Where they work: the home city's and the work cities' ids, copied by database triggers
    # (accounts/migrations/0009) whoever writes either, so that crew search finds a department
    # in a city in one index (docs/caches.md). Django never sets it.
    works_in = ArrayField(models.BigIntegerField(), default=list, editable=False)
    experience_level = models.CharField(
        _("experience level"),
        max_length=20,
        choices=ExperienceLevel.choices,
        default=ExperienceLevel.NEWCOMER,
    )
    school = models.CharField(_("school"), max_length=100, blank=True)
    major = models.CharField(_("major"), max_length=100, blank=True)
    graduation_year = models.PositiveSmallIntegerField(
        _("graduation year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1960), MaxValueValidator(2040)],
    )
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    showreel_url = models.URLField(_("showreel link"), blank=True, validators=[http_url_validator])
    portfolio_url = models.URLField(
        _("portfolio link"), blank=True, validators=[http_url_validator]
    )
    wechat_id = models.CharField(
        _("WeChat ID"),
        max_length=40,
        blank=True,
        help_text=_("Optional. Only a studio that books you sees it, with your phone."),
    )
    expected_day_rate = models.PositiveIntegerField(
        _("expected day rate (¥)"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    own_kit = models.CharField(
        _("own kit"),
        max_length=200,
        blank=True,
        help_text=_("Equipment you bring, e.g. “make-up kit”, “LED panels”."),
    )
    cv = models.FileField(
        _("CV (PDF)"), upload_to=cv_upload_to, storage=get_private_storage, blank=True
    )
    cv_name = models.CharField(_("CV file name"), max_length=255, blank=True)
    cv_uploaded_at = models.DateTimeField(_("CV uploaded at"), null=True, blank=True)
    visibility = models.CharField(
        _("who can see my profile"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.APPLIED_ONLY,
    )
    # When they answered "let verified studios find me?", asked once when the profile is
    # complete (``needs_findable_answer``); the answer is ``visibility``.
    findable_asked_at = models.DateTimeField(
        _("asked about being found at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CrewProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("crew profile")
        verbose_name_plural = _("crew profiles")
        indexes = [
            GinIndex(fields=["departments"], name="crewprofile_departments_gin"),
            # Crew search, by department and the cities they work in, reads only crew who
            # let studios find them.
            GinIndex(
                fields=["departments", "works_in"],
                name="crewprofile_findable_gin",
                condition=Q(visibility="verified"),
            ),
        ]

    def __str__(self) -> str:
        return self.user.display_name

    def missing(self) -> list[str]:
        """What a studio would miss: the labels of the fields still empty, in form order."""
        checks = [
            (self.user.name, _("your name")),
            (self.headline, _("a headline")),
            (self.departments, _("at least one department")),
            (self.home_city_id, _("your home city")),
            (self.bio, _("a few words about you")),
            (self.cv, _("a CV")),
        ]
        return [label for value, label in checks if not value]

    @property
    def completeness(self) -> int:
        """Percent of the fields in ``missing()`` that are filled."""
        return round(100 * (6 - len(self.missing())) / 6)

    @property
    def is_complete(self) -> bool:
        """Enough to apply: name, a department and a home city (a CV may come per application)."""
        return bool(self.user.name and self.departments and self.home_city_id)

    def answer_findable(self, findable: bool) -> None:
        """Their answer to "may verified studios find me and invite me?" (asked once)."""
        V = CrewProfile.Visibility
        self.visibility = V.VERIFIED_STUDIOS if findable else V.APPLIED_ONLY
        self.findable_asked_at = timezone.now()

    @property
    def needs_findable_answer(self) -> bool:
        return self.is_complete and self.findable_asked_at is None

    def department_labels(self) -> list[str]:
        return [Department(value).label for value in self.departments if value in Department.values]


class Credit(models.Model):
    profile = models.ForeignKey(
        CrewProfile, on_delete=models.CASCADE, related_name="credits", verbose_name=_("profile")
    )
    production_title = models.CharField(_("production"), max_length=120)
    role = models.CharField(_("role"), max_length=80)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1960), MaxValueValidator(2040)]
    )
    studio_name = models.CharField(_("studio"), max_length=120, blank=True)
    link = models.URLField(_("link"), blank=True, validators=[http_url_validator])

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        ordering = ["-year", "pk"]

    def __str__(self) -> str:
        return f"{self.production_title} · {self.role} ({self.year})"


class StudioBlock(models.Model):
    """A crew member blocks a studio: it never finds them in crew search nor invites them."""

    profile = models.ForeignKey(
        "CrewProfile", on_delete=models.CASCADE, related_name="blocks", verbose_name=_("profile")
    )
    studio = models.ForeignKey(
        "Studio", on_delete=models.CASCADE, related_name="+", verbose_name=_("studio")
    )
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked studio")
        verbose_name_plural = _("blocked studios")
        constraints = [
            models.UniqueConstraint(fields=["profile", "studio"], name="block_once_per_studio")
        ]

    def __str__(self) -> str:
        return f"{self.profile} ⊘ {self.studio}"


class Unavailability(models.Model):
    """Days a crew member cannot work. Bookings count as busy without being typed in here."""

    profile = models.ForeignKey(
        CrewProfile,
        on_delete=models.CASCADE,
        related_name="unavailabilities",
        verbose_name=_("profile"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("unavailable days")
        verbose_name_plural = _("unavailable days")
        ordering = ["start_date", "end_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="unavailability_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["profile", "start_date", "end_date"], name="unavailability_unique_range"
            ),
        ]
        indexes = [models.Index(fields=["profile", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.start_date} – {self.end_date}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


# --- Studios ----------------------------------------------------------------------------------


class StudioQuerySet(models.QuerySet):
    def verified(self) -> StudioQuerySet:
        return self.filter(verification_status=Studio.Verification.VERIFIED)

    def managed_by(self, user) -> StudioQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def owned_by(self, user) -> StudioQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role=StudioMembership.Role.OWNER)


class Studio(models.Model):
    """A production company. Only a verified studio publishes; a suspended one cannot post."""

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        PENDING = "pending", _("Verification pending")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Verification rejected")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("studio name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=False)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    city = models.ForeignKey(
        "postings.City", on_delete=models.PROTECT, related_name="studios", verbose_name=_("city")
    )
    website = models.URLField(_("website"), blank=True, validators=[http_url_validator])
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("统一社会信用代码: the 18 characters on the business licence."),
    )
    verification_status = models.CharField(
        _("verification"),
        max_length=12,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
        db_index=True,
    )
    status_reason = models.TextField(
        _("reason"),
        blank=True,
        help_text=_("Why verification was rejected or the studio suspended."),
    )
    verified_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted for verification at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Its payment record, copied from its crew's answers after the wrap (``refresh_record``,
    # called by every change of an answer; see docs/caches.md).
    record_answers = models.PositiveIntegerField(
        _("counted payment answers"), default=0, editable=False
    )
    record_on_time = models.PositiveIntegerField(_("paid on time"), default=0, editable=False)
    record_shoots = models.PositiveIntegerField(_("shoots answered for"), default=0, editable=False)
    record_days_late = models.PositiveSmallIntegerField(
        _("median days late"), null=True, blank=True, editable=False
    )
    record_disputes = models.PositiveIntegerField(_("open disputes"), default=0, editable=False)

    objects = StudioQuerySet.as_manager()

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:studio_detail", kwargs={"slug": self.slug})

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED

    @property
    def record_shown(self) -> bool:
        """The record is public from a minimum sample, so that no one person's answer can be
        read from it (applications.models.RECORD_MIN_ANSWERS, RECORD_MIN_SHOOTS)."""
        from applications.models import RECORD_MIN_ANSWERS, RECORD_MIN_SHOOTS

        return self.record_answers >= RECORD_MIN_ANSWERS and self.record_shoots >= RECORD_MIN_SHOOTS

    @property
    def pays_on_time(self) -> bool:
        from applications.models import ON_TIME_SHARE

        return self.record_shown and self.record_on_time >= ON_TIME_SHARE * self.record_answers

    def derive_record(self) -> dict:
        """The payment record as the rules give it from the answers: counted answers, those
        paid on time, the shoots they cover, the median days late of late pay, open
        disputes."""
        from applications.models import Wrap, median

        counted = list(
            Wrap.objects.filter(studio=self).counted().values("paid", "days_late", "shoot_id")
        )
        late = [row["days_late"] for row in counted if row["paid"] == Wrap.Paid.LATE]
        return {
            "record_answers": len(counted),
            "record_on_time": sum(row["paid"] == Wrap.Paid.ON_TIME for row in counted),
            "record_shoots": len({row["shoot_id"] for row in counted}),
            "record_days_late": median(late) if late else None,
            "record_disputes": Wrap.objects.filter(studio=self, hidden_at__isnull=True)
            .disputes()
            .count(),
        }

    @transaction.atomic
    def refresh_record(self) -> None:
        """Derive the payment record again (in the transaction of the answer that changed it);
        when "pays on time" flips, the roles' copy of it follows."""
        # NO KEY UPDATE: rows that refer to the studio (new wraps, shoots) are not blocked.
        studio = Studio.objects.select_for_update(no_key=True).get(pk=self.pk)
        before = studio.pays_on_time
        record = studio.derive_record()
        for name, value in record.items():
            setattr(studio, name, value)
            setattr(self, name, value)
        studio.save(update_fields=list(record))
        if studio.pays_on_time != before:
            studio.sync_roles()

    @property
    def can_publish(self) -> bool:
        """Verified studios publish; others may prepare drafts that wait for a moderator."""
        return self.is_verified

    @property
    def can_post(self) -> bool:
        """Suspended studios can neither publish nor submit postings."""
        return self.verification_status != self.Verification.SUSPENDED

    def _transition(self, sources, target, *, by=None, reason: str = "") -> None:
        if self.verification_status not in sources:
            raise InvalidTransition(
                _("A studio that is “%(status)s” cannot become “%(target)s”.")
                % {
                    "status": self.get_verification_status_display(),
                    "target": self.Verification(target).label,
                }
            )
        self.verification_status = target
        self.status_reason = reason
        fields = ["verification_status", "status_reason"]
        if target == self.Verification.VERIFIED:
            self.verified_by, self.verified_at = by, timezone.now()
            fields += ["verified_by", "verified_at"]
        if target == self.Verification.PENDING:
            self.submitted_at = timezone.now()
            fields.append("submitted_at")
        with transaction.atomic():
            self.save(update_fields=fields)
            self.sync_roles()

    def sync_roles(self) -> None:
        """Derive again the copies of this studio's roles (verification, listing, the name in
        their search text): after every transition of the studio and every edit of it."""
        for shoot in self.shoots.select_related("city").order_by("pk"):
            shoot.studio = self
            shoot.sync_roles()

    def submit_for_verification(self) -> None:
        V = self.Verification
        self._transition({V.UNVERIFIED, V.REJECTED}, V.PENDING)

    @transaction.atomic
    def verify(self, *, by) -> None:
        V = self.Verification
        self._transition({V.PENDING, V.UNVERIFIED, V.REJECTED, V.SUSPENDED}, V.VERIFIED, by=by)
        emails.studio_status_changed(self)

    @transaction.atomic
    def reject(self, *, by, reason: str) -> None:
        V = self.Verification
        self._transition({V.PENDING, V.UNVERIFIED}, V.REJECTED, by=by, reason=reason)
        emails.studio_status_changed(self)

    @transaction.atomic
    def suspend(self, *, by, reason: str) -> None:
        """Its shoots leave the public pages (``Shoot.is_public``), and every application to
        them ends: bookings released (except on shoots that have started), the rest closed,
        each person told once."""

        V = self.Verification
        self._transition(
            {V.PENDING, V.UNVERIFIED, V.VERIFIED, V.REJECTED}, V.SUSPENDED, by=by, reason=reason
        )
        today = timezone.localdate()
        for shoot in self.shoots.order_by("pk"):
            shoot.studio = self
            # A shoot that has started keeps its bookings: the work happened, the crew are
            # owed their pay, and after the wrap they are asked whether it came.
            started = shoot.start_date <= today
            shoot.end_applications(reason="suspended", by=by, keep_bookings=started)
        emails.studio_status_changed(self)

    @classmethod
    def unique_slug(cls, name: str) -> str:
        """A readable slug from the name, made unique with a number; Chinese names (which
        ``slugify`` empties) become "studio-N"."""
        base = slugify(name)[:100] or "studio"
        if base in {"new", "invitations"}:  # taken by other pages under /studios/
            base = f"{base}-studio"
        slug, n = base, 1
        while cls.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def register(self, *, owner: User) -> None:
        """Save a new studio with ``owner`` as its first owner and ask for verification."""
        with transaction.atomic():
            if not self.slug:
                self.slug = self.unique_slug(self.name)
            self.save()
            StudioMembership.objects.create(
                user=owner, studio=self, role=StudioMembership.Role.OWNER
            )
            self.submit_for_verification()

    def owners(self):
        return User.objects.filter(
            studio_memberships__studio=self, studio_memberships__role=StudioMembership.Role.OWNER
        )

    def is_member(self, user) -> bool:
        return user.is_authenticated and self.memberships.filter(user=user).exists()


class StudioMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        RECRUITER = "recruiter", _("Recruiter")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="studio_memberships", verbose_name=_("user")
    )
    studio = models.ForeignKey(
        Studio, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("studio")
    )

    class Notify(models.TextChoices):
        EACH = "each", _("An email for each new application")
        DAILY = "daily", _("A daily digest")
        NONE = "none", _("No emails")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.RECRUITER)
    notify_new_applications = models.CharField(
        _("new applications"), max_length=10, choices=Notify.choices, default=Notify.EACH
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("studio membership")
        verbose_name_plural = _("studio memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "studio"], name="membership_unique_user_studio")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.studio} ({self.get_role_display()})"


class StudioInvitation(models.Model):
    """An owner invites a recruiter by email; the invitee joins by signing in with that address
    and accepting."""

    studio = models.ForeignKey(
        Studio, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("studio")
    )
    email = models.EmailField(_("email address"))
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("studio invitation")
        verbose_name_plural = _("studio invitations")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "studio",
                condition=Q(accepted_at__isnull=True),
                name="invitation_unique_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.studio}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:invitation_accept", kwargs={"token": self.token})

    @transaction.atomic
    def invite(self) -> None:
        """Save the invitation and queue the email with its accept link, both or neither."""
        self.save()
        emails.studio_invitation(self)

    def accept(self, user: User) -> StudioMembership:
        """``user`` joins as a recruiter; only the invited address may accept, once."""
        if self.accepted_at is not None or user.email.lower() != self.email.lower():
            raise InvalidTransition(_("This invitation is not for this account."))
        with transaction.atomic():
            membership, _created = StudioMembership.objects.get_or_create(
                user=user, studio=self.studio
            )
            self.accepted_at = timezone.now()
            self.save(update_fields=["accepted_at"])
        return membership
