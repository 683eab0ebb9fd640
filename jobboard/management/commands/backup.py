from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jobboard import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the private files (CVs) into a new "
        "dated folder under --to (default var/backups). Keep copies off this machine."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=Path(settings.VAR_DIR) / "backups")

    def handle(self, *args, to: Path, **options):
        folder = backup.dump(to)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
