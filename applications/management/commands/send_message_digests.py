from django.core.management.base import BaseCommand
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import User
from applications import emails
from applications.models import Message, ThreadState


class Command(BaseCommand):
    help = (
        "Send each person who chose batched message emails one email listing the "
        "conversations with messages they have not read and were not yet emailed about. "
        "Idempotent: a conversation is in one digest until a newer message comes."
    )

    def handle(self, *args, **options):
        sent = 0
        now = timezone.now()
        people = User.objects.filter(
            message_emails=User.MessageEmails.BATCHED, is_active=True
        ).order_by("pk")
        for user in people:
            threads = []
            rows = (
                Message.objects.unread_by(user)
                .values("application")
                .annotate(n=Count("pk"), last=Max("created_at"), warns=Count("pk", Q(warns=True)))
                .order_by("application")
            )
            for row in rows:
                state = ThreadState.objects.filter(
                    application_id=row["application"], user=user
                ).first()
                if state and state.emailed_at and state.emailed_at >= row["last"]:
                    continue  # told already of everything in it
                message = (
                    Message.objects.filter(application_id=row["application"])
                    .select_related("application__role__shoot__studio", "application__applicant")
                    .last()
                )
                context = emails._thread_context(message, user)
                threads.append({**context, "unread": row["n"], "warns": bool(row["warns"])})
                ThreadState.objects.update_or_create(
                    application_id=row["application"], user=user, defaults={"emailed_at": now}
                )
            if threads:
                emails.message_digest(user, threads)
                sent += 1
        self.stdout.write(f"Message digests sent: {sent}.")
