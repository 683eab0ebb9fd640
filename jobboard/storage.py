"""Private file storage (CVs): files live under PRIVATE_MEDIA_ROOT, have no public URL, and are
served only by views that check who is asking."""

import uuid

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


def get_private_storage():
    """For ``FileField(storage=...)``: a callable keeps the migration free of paths."""
    return private_storage


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    # Tests point STORAGES at a temporary folder; like Django's default_storage, follow it.
    if setting in {"STORAGES", "PRIVATE_MEDIA_ROOT"}:
        private_storage._wrapped = empty


def private_name(folder: str, extension: str = ".pdf") -> str:
    """A server-generated name: never derived from what the uploader called the file."""
    return f"{folder}/{uuid.uuid4().hex}{extension}"


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, content-hashed static files, with each URL worked out once per
    process: the manifest is read when the storage starts and does not change while the process
    runs, and every page asks for the same few URLs (each about 60 µs otherwise)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
