"""Every user-facing string is translated, and the compiled catalogs match their sources."""

import gettext
import subprocess
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def test_both_languages_have_a_catalog():
    assert {path.parts[-3] for path in CATALOGS} == {"zh_Hans", "en"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_catalog_has_no_untranslated_or_fuzzy_entry(path):
    po = polib.pofile(str(path))
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert len(po.translated_entries()) > 50


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_compiled_catalog_is_up_to_date(path, tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(path)], check=True)
    with fresh.open("rb") as a, path.with_suffix(".mo").open("rb") as b:
        compiled, committed = (
            gettext.GNUTranslations(a)._catalog,
            gettext.GNUTranslations(b)._catalog,
        )
    compiled.pop("", None), committed.pop("", None)  # headers: creation dates differ
    assert compiled == committed
