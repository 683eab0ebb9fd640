from django.apps import AppConfig
from django.db.backends.signals import connection_created


class JobboardConfig(AppConfig):
    name = "jobboard"

    def ready(self) -> None:
        from jobboard.sql import allow_prepared_statements

        connection_created.connect(allow_prepared_statements, dispatch_uid="prepared-statements")
        _name_library_models()


def _name_library_models() -> None:
    """Names that libraries leave untranslatable (plain strings, or none at all), for the
    admin's index and breadcrumbs: django-tasks-db's app and allauth's authenticators."""
    from allauth.mfa.models import Authenticator
    from django.apps import apps
    from django.utils.translation import gettext_lazy as _

    apps.get_app_config("django_tasks_database").verbose_name = _("Background tasks")
    Authenticator._meta.verbose_name = _("authenticator")
    Authenticator._meta.verbose_name_plural = _("authenticators")
