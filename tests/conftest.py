from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def _static_manifest():
    """Tests serve static files as production does (hashed names from the manifest). `make
    test` collects them first; a single test run by hand collects them here if missing."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files of a test go to a folder of its own, never to var/private."""
    location = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": location, "base_url": None},
        },
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location
