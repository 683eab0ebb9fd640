from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from postings.models import SavedSearch


class Command(BaseCommand):
    help = (
        "Send every due alert one email listing the open roles that match its search and were "
        "published since its last check: “as soon as possible” alerts at most every 15 "
        "minutes, daily digests once a day from their hour (Asia/Shanghai). Each role is "
        "mailed at most once per alert: what was sent is recorded in the transaction that "
        "queues the email (both or neither), so a crash loses no alert and a second run sends "
        "nothing twice. First, alerts that matched nothing for 90 days are "
        "paused. Run it every 5 minutes from cron or the compose scheduler."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        quiet = SavedSearch.objects.quiet_since(now - timedelta(days=SavedSearch.QUIET_DAYS))
        paused = quiet.update(paused_at=now, pause_reason=SavedSearch.PauseReason.QUIET)
        alerts = emails = roles = 0
        for alert in SavedSearch.objects.due(now).select_related("user").order_by("pk"):
            sent = alert.send(now)
            alerts += 1
            emails += bool(sent)
            roles += sent
        self.stdout.write(
            f"Checked {alerts} alert(s): {emails} email(s), {roles} role(s); paused {paused}."
        )
