from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jobboard import backup


class Command(BaseCommand):
    help = (
        "Restore a folder written by `backup`: replaces the database's contents (pg_restore "
        "--clean, in one transaction) and puts the private files back; private files uploaded "
        "after the backup are deleted and listed. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--database", help="restore into this database instead")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, folder: Path, database: str | None, yes: bool, **options):
        if not (folder / backup.DATABASE_FILE).exists():
            raise CommandError(f"{folder} holds no {backup.DATABASE_FILE}")
        if not yes and input("This replaces the current data. Type 'yes': ").strip() != "yes":
            raise CommandError("Cancelled.")
        orphans = backup.restore(folder, database=database)
        for name in orphans:
            self.stdout.write(f"  deleted {name} (uploaded after the backup)")
        self.stdout.write(self.style.SUCCESS(f"Restored {folder}"))
