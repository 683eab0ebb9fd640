"""Talk on the application: one screened thread per application between the applicant and the
members of the studio applied to, kept on Callsheet as the record of what was said.

A message is screened with the postings' rules (``postings.screening``): before a booking, one
that asks for a fee or a deposit, or to move to WeChat, QQ or a phone number, carries a warning
for its reader and a one-tap report; a studio's such message also reaches the moderators'
queue. Emails go at most once per thread per 15 minutes to a person who chose them at once, or
in a digest to one who chose batched (``send_message_digests``). Moderators who read a thread
are logged, and the log is shown in the thread."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import emails
from applications.models import Application
from jobboard.sql import CompiledQuery, loaded
from jobboard.storage import get_private_storage, private_name
from jobboard.transitions import InvalidTransition

MESSAGE_MAX_CHARS = 2000
EMAIL_GAP = timedelta(minutes=15)  # at most one email per thread and person in this time
OPEN_AFTER_SHOOT = timedelta(days=90)  # a thread is read-only this long after the shoot
MESSAGES_PER_WINDOW = (20, 600)  # per person: 20 messages in 10 minutes
# An application that ended without a booking closes its thread (a released booking keeps it:
# there is still the shoot to talk about).
CLOSED_WITHOUT_BOOKING = {
    Application.Status.REJECTED,
    Application.Status.DECLINED,
    Application.Status.WITHDRAWN,
    Application.Status.ENDED,
}


def attachment_upload_to(instance, filename: str) -> str:
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        instance.attachment_type, ".webp"
    )
    return private_name("messages", extension)


def thread_is_open(application) -> bool:
    """Messages can still be sent: the application has not ended without a booking, its
    applicant still has an account, and the shoot ended less than 90 days ago."""
    return thread_is_open_for(
        status=application.status,
        applicant_active=application.applicant.is_active,
        end_date=application.role.end_date,
    )


def thread_is_open_for(*, status: str, applicant_active: bool, end_date) -> bool:
    """``thread_is_open`` from the three values it reads (for rows read without models)."""
    if status in CLOSED_WITHOUT_BOOKING or not applicant_active:
        return False
    return timezone.localdate() <= end_date + OPEN_AFTER_SHOOT


class MessageQuerySet(models.QuerySet):
    def not_read_by(self, user) -> MessageQuerySet:
        """Those that came after ``user`` last read their thread (an ``OuterRef`` user too)."""
        # Inside ``read_at``'s subquery an outer user is one level further out.
        deeper = OuterRef(user) if isinstance(user, OuterRef) else user
        read_at = ThreadState.objects.filter(
            application=OuterRef("application"), user=deeper, read_at__isnull=False
        )
        return self.filter(
            Q(~Exists(read_at)) | Q(created_at__gt=Subquery(read_at.values("read_at")[:1]))
        )

    def unread_by_applicant(self, user) -> MessageQuerySet:
        """The studios' messages to ``user`` on their applications, not read yet."""
        return self.filter(from_studio=True, application__applicant=user).not_read_by(user)

    def unread_by_member(self, user) -> MessageQuerySet:
        """The applicants' messages to the studios ``user`` works for, not read yet."""
        return self.filter(
            from_studio=False, application__role__shoot__studio__memberships__user=user
        ).not_read_by(user)

    def unread_by(self, user) -> MessageQuerySet:
        """Messages to ``user`` (from the other side of the threads they are in) that came
        after they last read the thread."""
        return self.filter(
            Q(pk__in=self.unread_by_applicant(user).values("pk"))
            | Q(pk__in=self.unread_by_member(user).values("pk"))
        )


# A thread with a message to them they have not read (``ThreadState.unread_at``).
UNREAD_STATE = Q(unread_at__isnull=False) & (
    Q(read_at__isnull=True) | Q(unread_at__gt=F("read_at"))
)


def unread_threads(user_ref="pk"):
    """An expression: how many threads have messages the user (``OuterRef(user_ref)``) has
    not read (``User.unread_threads``, the menu's count): threads they are in as the applicant,
    or for a studio they still work for, whose ``ThreadState`` says so. It reads only their
    unread states (an index of them), however many threads they or their studios have."""
    from accounts.models import StudioMembership

    member = StudioMembership.objects.filter(
        user=OuterRef("user"), studio=OuterRef("application__role__shoot__studio")
    )
    unread = ThreadState.objects.filter(UNREAD_STATE, user=OuterRef(user_ref)).filter(
        Q(application__applicant=F("user")) | Exists(member)
    )
    return _AsReturned(
        Subquery(
            unread.order_by()
            .annotate(group=Value(1))
            .values("group")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=models.IntegerField(),
        ),
        0,
    )


class _AsReturned(Coalesce):
    """COALESCE of an integer, as psycopg returns it (a Python int already): no converter, so
    the statement that loads the signed-in user (a compiled query, ``jobboard.backends``)
    can carry it."""

    @property
    def convert_value(self):
        return self._convert_value_noop


class Message(models.Model):
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("application"),
        db_index=False,  # the index below leads with it
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    from_studio = models.BooleanField(_("from the studio"))
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_CHARS, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to=attachment_upload_to, storage=get_private_storage, blank=True
    )
    attachment_name = models.CharField(_("attachment name"), max_length=255, blank=True)
    attachment_type = models.CharField(_("attachment type"), max_length=40, blank=True)
    # What screening found (``postings.screening.findings``): [rule, matched text] pairs.
    flags = models.JSONField(_("screening flags"), default=list, blank=True)
    # Sent before a booking with flags: its reader sees the scam warning.
    warns = models.BooleanField(_("shows the scam warning"), default=False)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["application", "created_at"], name="message_thread"),
            models.Index(fields=["created_at"], name="message_flagged", condition=Q(warns=True)),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.body[:40]}"

    @property
    def is_image(self) -> bool:
        return self.attachment_type.startswith("image/")

    @classmethod
    @transaction.atomic
    def send(
        cls, *, application, by, body: str, attachment=None, attachment_name="", attachment_type=""
    ) -> Message:
        """``by`` writes in the thread of ``application``: its applicant or a member of the
        studio applied to. Refused once the thread is read-only."""
        from postings import screening

        application, by_member = _locked(application.pk, by)
        if by.pk == application.applicant_id:
            from_studio = False
        elif by_member:
            from_studio = True
        else:
            raise InvalidTransition(_("Only the applicant and the studio write in this thread."))
        if not thread_is_open(application):
            raise InvalidTransition(_("This conversation is closed: it can be read, not added to."))
        body = body.strip()
        if not body and not attachment:
            raise InvalidTransition(_("Write a message or attach a file."))
        flags = [list(pair) for pair in screening.findings(body)] if body else []
        message = cls(
            application=application,
            author=by,
            from_studio=from_studio,
            body=body,
            attachment_name=attachment_name,
            attachment_type=attachment_type,
            flags=flags,
            warns=bool(flags) and application.status != Application.Status.BOOKED,
        )
        if attachment:
            message.attachment = attachment
        message.save()
        ThreadState.mark_read(application.pk, by, at=message.created_at)
        if message.warns and from_studio:
            _to_moderators(message)
        notify(message)
        return message

    @transaction.atomic
    def report(self, *, by) -> None:
        """The reader reports a studio's message: it goes to the moderators with the shoot."""
        from postings.models import Report

        locked = Message.objects.select_for_update().get(pk=self.pk)
        if not self.from_studio or by.pk != self.application.applicant_id:
            raise InvalidTransition(_("Only the applicant can report the studio's messages."))
        if locked.reported_at is not None:
            raise InvalidTransition(_("You have reported this message already."))
        self.reported_at = timezone.now()
        self.save(update_fields=["reported_at"])
        shoot = self.application.role.shoot
        reason = _reason(self.flags)
        details = f"[message #{self.pk}] {self.body[:1500]}"
        if shoot.is_public:
            Report.file(shoot=shoot, reporter=by, reason=reason, details=details)
        else:
            Report.objects.create(shoot=shoot, reporter=by, reason=reason, details=details)


def _reason(flags) -> str:
    from postings.models import Report

    rules = {rule for rule, _text in flags}
    return Report.Reason.FEE if "fee" in rules or not rules else Report.Reason.OFF_PLATFORM


def _to_moderators(message) -> None:
    """A studio's flagged message before a booking: one open report per thread in the
    moderators' queue (filed by nobody: Callsheet's screening)."""
    from postings.models import Report

    shoot = message.application.role.shoot
    marker = f"[thread #{message.application_id}]"
    if Report.objects.open().filter(shoot=shoot, details__startswith=marker).exists():
        return
    Report.objects.create(
        shoot=shoot,
        reporter=None,
        reason=_reason(message.flags),
        details=f"{marker} {message.body[:1500]}",
    )


class ThreadState(models.Model):
    """What one person has seen of one thread, and when they were last emailed about it."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("application"),
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # When the newest message from the other side (to them) was sent: a copy of the newest
    # ``created_at`` of the thread's studio messages for its applicant, of its applicant's
    # messages for the studio's members, kept by database triggers whoever writes messages or
    # memberships (migration 0010, docs/caches.md). The thread is unread while it is later
    # than ``read_at``: the menu's count reads only these rows (``unread_threads``).
    unread_at = models.DateTimeField(_("newest message to them"), null=True, editable=False)

    class Meta:
        verbose_name = _("thread state")
        verbose_name_plural = _("thread states")
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="thread_state_once")
        ]
        indexes = [
            models.Index(fields=["user"], name="thread_state_unread", condition=UNREAD_STATE)
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.application_id}"

    @classmethod
    def mark_read(cls, application_id: int, user, *, at=None) -> None:
        """``user`` has read thread ``application_id`` up to ``at`` (now by default): one
        statement (an upsert)."""
        cls.objects.bulk_create(
            [cls(application_id=application_id, user=user, read_at=at or timezone.now())],
            update_conflicts=True,
            unique_fields=["application", "user"],
            update_fields=["read_at"],
        )


class ThreadModeratorView(models.Model):
    """A moderator read the thread (in the admin or on the site): its participants see it."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="moderator_views",
        verbose_name=_("application"),
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("moderator"),
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("moderator's view of a thread")
        verbose_name_plural = _("moderators' views of threads")
        ordering = ["viewed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.moderator_id} · {self.application_id}"


def notify(message) -> None:
    """Email each person of the other side (the applicant, or every member of the studio) who
    chose emails at once, unless they were emailed about this thread in the last 15 minutes
    (the email says how many messages wait). One statement claims each of those emails, so two
    messages sent at once email a person once."""
    from accounts.models import StudioMembership, User

    application = message.application
    now = timezone.now()
    if message.from_studio:
        recipients, recipient_params = "SELECT %s", [application.applicant_id]
    else:
        memberships = StudioMembership._meta.db_table
        recipients = f"SELECT user_id FROM {memberships} WHERE studio_id = %s"  # noqa: S608
        recipient_params = [application.role.shoot.studio_id]
    state = ThreadState._meta.db_table
    sql = f"""
        INSERT INTO {state} (application_id, user_id, emailed_at)
        SELECT %s, person.id, %s FROM {User._meta.db_table} person
        WHERE person.id IN ({recipients}) AND person.is_active AND person.message_emails = %s
        ON CONFLICT (application_id, user_id) DO UPDATE SET emailed_at = EXCLUDED.emailed_at
        WHERE {state}.emailed_at IS NULL OR {state}.emailed_at <= %s
        RETURNING user_id
    """  # noqa: S608 - table names from the models; every value a parameter
    params = [application.pk, now, *recipient_params, User.MessageEmails.INSTANT, now - EMAIL_GAP]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed = [user_id for (user_id,) in cursor.fetchall()]
    for user in User.objects.filter(pk__in=claimed).order_by("pk") if claimed else []:
        emails.new_message(message, user)


def _locked(pk: int, by) -> tuple[Application, bool]:
    """Application ``pk`` locked for a message (with what the message and its emails read:
    its role, shoot, studio and applicant), and whether ``by`` is a member of its studio."""
    from accounts.models import Studio, User
    from postings.models import Role, Shoot

    rows = _LOCKED(pk, by.pk)
    if not rows:
        raise Application.DoesNotExist(pk)
    row = rows[0]
    application = loaded(
        Application,
        id=row["id"],
        status=row["status"],
        applicant_id=row["applicant_id"],
        role_id=row["role_id"],
    )
    application.applicant = loaded(
        User,
        id=row["applicant_id"],
        name=row["applicant__name"],
        email=row["applicant__email"],
        is_active=row["applicant__is_active"],
    )
    application.role = loaded(
        Role,
        id=row["role_id"],
        title=row["role__title"],
        end_date=row["role__end_date"],
        shoot_id=row["role__shoot_id"],
    )
    application.role.shoot = loaded(
        Shoot,
        id=row["role__shoot_id"],
        title=row["role__shoot__title"],
        studio_id=row["role__shoot__studio_id"],
    )
    application.role.shoot.studio = loaded(
        Studio, id=row["role__shoot__studio_id"], name=row["role__shoot__studio__name"]
    )
    return application, row["by_member"]


def works_for_studio_applied_to(user_id) -> Exists:
    """An expression over applications: ``user_id`` is a member of the studio applied to (who
    writes for the studio in its thread)."""
    from accounts.models import StudioMembership

    return Exists(
        StudioMembership.objects.filter(studio=OuterRef("role__shoot__studio"), user_id=user_id)
    )


def _locking(pk, user_id):
    return (
        Application.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .annotate(by_member=works_for_studio_applied_to(user_id))
        .values(
            "id",
            "status",
            "applicant_id",
            "role_id",
            "applicant__name",
            "applicant__email",
            "applicant__is_active",
            "role__title",
            "role__end_date",
            "role__shoot_id",
            "role__shoot__title",
            "role__shoot__studio_id",
            "role__shoot__studio__name",
            "by_member",
        )
    )


_LOCKED = CompiledQuery(_locking, int, int, prepare=True)
