from django.core.management.base import BaseCommand

from applications.models import OFFER_REMINDER_AFTER, Application


class Command(BaseCommand):
    help = (
        "Remind crew of offers they have not answered: an offer still open "
        f"{OFFER_REMINDER_AFTER.total_seconds() / 3600:g} hours after it was made gets exactly "
        "one reminder email (recorded on the application, so running this again sends no "
        "second one). Run it hourly from cron or the compose scheduler."
    )

    def handle(self, *args, **options):
        sent = 0
        offers = Application.objects.offers_to_remind().select_related(
            "applicant", "role", "role__shoot", "role__shoot__studio"
        )
        for application in offers.iterator():
            sent += application.remind_offer()
        self.stdout.write(f"Sent {sent} offer reminder(s).")
