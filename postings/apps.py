from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_cities(sender, using="default", **kwargs) -> None:
    # Like contenttypes and permissions: reference rows come back after every migrate and
    # every flush (transactional tests flush the database when they end).
    from postings.cities import seed_cities
    from postings.models import City

    if City._meta.db_table in connections[using].introspection.table_names():
        seed_cities(City, using)


class PostingsConfig(AppConfig):
    name = "postings"
    verbose_name = _("Postings")

    def ready(self) -> None:
        post_migrate.connect(_seed_cities, sender=self)
