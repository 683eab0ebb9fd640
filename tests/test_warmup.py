"""gunicorn warms the application up in its master before forking the workers
(jobboard/warmup.py): it must compile what the first requests would, and must not touch the
database there, or every worker would inherit the master's connection."""

from django.db import connection
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.utils import translation

from jobboard.warmup import warm_up


def test_warm_up_compiles_the_templates_without_the_database():
    # No django_db mark: any query here fails the test. An earlier test of this process may
    # have left its connection open; close it, so that a new one would show.
    connection.close()
    (loader,) = [
        loader
        for loader in engines["django"].engine.template_loaders
        if isinstance(loader, CachedLoader)
    ]
    loader.reset()
    language = translation.get_language()

    compiled = warm_up()

    assert compiled >= 40
    for name in ("base.html", "postings/role_list.html", "postings/includes/role_card.html"):
        assert name in loader.get_template_cache
    assert connection.connection is None
    assert translation.get_language() == language
