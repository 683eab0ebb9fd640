from django.core.management.base import BaseCommand

from applications.models import Wrap


class Command(BaseCommand):
    help = (
        "After the wrap: the day after a booked shoot's last day, ask each booked crew member "
        "whether they were paid (one email and a card, once per booking); a week later remind "
        "those who have not answered or said not paid yet (once); open a dispute for every "
        "'not paid yet' past the promised pay date. Safe to run again at any time: nothing is "
        "asked, reminded or opened twice. Run it daily from cron or the compose scheduler."
    )

    def handle(self, *args, **options):
        asked = len(Wrap.ask_wrapped())
        reminded = Wrap.remind_unanswered()
        opened = Wrap.open_due_disputes()
        self.stdout.write(
            f"Asked {asked} crew member(s), reminded {reminded}, opened {opened} dispute(s)."
        )
