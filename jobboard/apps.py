from django.apps import AppConfig
from django.db.backends.signals import connection_created


class JobboardConfig(AppConfig):
    name = "jobboard"

    def ready(self) -> None:
        from jobboard.sql import allow_prepared_statements

        connection_created.connect(allow_prepared_statements, dispatch_uid="prepared-statements")
