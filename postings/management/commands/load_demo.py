from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_PASSWORD = "callsheet-demo"  # noqa: S105 - printed on purpose: demo data only


class Command(BaseCommand):
    help = (
        "Load the demo board (idempotent: rows are matched by natural keys, so running it again "
        "adds nothing twice) and print a login for each persona. Never run it in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password of every demo user")

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        User = get_user_model()
        personas = [
            (
                "moderator@callsheet.example",
                "Mo Deration 莫审核",
                {"is_staff": True, "is_superuser": True},
            ),
        ]
        for email, name, flags in personas:
            user, created = User.objects.get_or_create(
                email=email, defaults={"name": name, **flags}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Logins (password: {password}):"))
        for email, name, _flags in personas:
            self.stdout.write(f"  {email:<36} {name}")
