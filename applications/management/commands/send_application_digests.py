from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import StudioMembership
from applications import emails
from applications.models import Application


class Command(BaseCommand):
    help = (
        "Send the daily digest of new applications to every studio member who chose "
        "“a daily digest”: one email listing the applications their studio received in the "
        "--hours (default 24) before the run, grouped by shoot; nothing when there were none. "
        "Run it once a day, at the same time, from cron or the compose scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        since = timezone.now() - timedelta(hours=hours)
        memberships = StudioMembership.objects.filter(
            notify_new_applications=StudioMembership.Notify.DAILY, user__is_active=True
        ).select_related("user")
        by_studio: dict[int, list[Application]] = {}
        studio_ids = {m.studio_id for m in memberships}
        recent = (
            Application.objects.filter(created_at__gte=since, role__shoot__studio_id__in=studio_ids)
            .select_related("role", "role__shoot", "applicant")
            .order_by("role__shoot_id", "created_at")
        )
        for application in recent:
            by_studio.setdefault(application.role.shoot.studio_id, []).append(application)
        sent = 0
        for membership in memberships:
            applications = by_studio.get(membership.studio_id)
            if not applications:
                continue
            shoots: dict[int, dict] = {}
            for application in applications:
                shoot = application.role.shoot
                entry = shoots.setdefault(
                    shoot.pk, {"pk": shoot.pk, "title": shoot.title, "lines": []}
                )
                entry["lines"].append(
                    {
                        "role": application.role.title,
                        "applicant": application.applicant.display_name,
                    }
                )
            emails.application_digest(membership.user, list(shoots.values()))
            sent += 1
        self.stdout.write(f"Sent {sent} digest(s).")
