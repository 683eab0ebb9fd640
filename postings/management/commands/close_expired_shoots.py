from django.core.management.base import BaseCommand
from django.utils import timezone

from postings.models import Shoot


class Command(BaseCommand):
    help = (
        "Expire published shoots that no longer take applications: those whose first shoot day "
        "has come, or whose every role's apply-by date has passed (dates in Asia/Shanghai). "
        "Expired shoots leave search, feeds and the sitemap but keep their pages and "
        "bookings; once a closed or expired shoot has started, its applications and offers "
        "still open end, and each person is told once. Idempotent: run it daily from cron "
        "(e.g. `5 0 * * * manage.py close_expired_shoots`) or the compose worker; a second run "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list the shoots without changing them"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        today = timezone.localdate()
        count = 0
        for shoot in Shoot.objects.expired_by(today).select_related("studio").order_by("pk"):
            if not dry_run:
                shoot.expire()
            count += 1
            self.stdout.write(f"  {shoot.pk} {shoot.title}", ending="\n")
        verb = "would expire" if dry_run else "expired"
        self.stdout.write(self.style.SUCCESS(f"{count} shoot(s) {verb}."))
        ended = 0
        for shoot in Shoot.objects.started_with_open_applications(today).order_by("pk"):
            if not dry_run:
                ended += len(shoot.end_applications(reason="started", keep_bookings=True))
        self.stdout.write(f"{ended} application(s) and offer(s) ended with their shoot's start.")
