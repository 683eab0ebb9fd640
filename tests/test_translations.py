"""Every user-facing string is translated, and the compiled catalogs match their sources."""

import gettext
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
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


def _makemessages_arguments() -> list[str]:
    """The arguments of the Makefile's `messages` target to makemessages."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    [arguments] = re.findall(r"^\tDEBUG=1 \$\(MANAGE\) makemessages (.*)$", makefile, re.M)
    return shlex.split(arguments)


def _key(entry: polib.POEntry) -> tuple:
    return entry.msgctxt, entry.msgid


def test_every_string_in_the_code_is_in_the_catalogs_and_translated(
    settings, tmp_path, monkeypatch
):
    """Extract the strings afresh, as `make messages` does, from a copy of the source tree
    without its catalogs (so the committed ones are never written, and nothing is carried
    over from them), and look each one up in the committed catalogs: a string never
    extracted, or extracted but left untranslated or fuzzy, fails here."""
    arguments = _makemessages_arguments()
    ignored = {"locale"} | {argument[:-2] for argument in arguments if argument.endswith("/*")}
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda folder, names: [
            name
            for name in names
            if name.startswith(".")
            or name == "__pycache__"
            or (folder == str(ROOT) and name in ignored)
            or (Path(folder, name).is_file() and Path(name).suffix not in {".py", ".html", ".txt"})
        ],
    )
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", *arguments, verbosity=0)

    problems = []
    for path in CATALOGS:
        language = path.parts[-3]
        fresh = polib.pofile(str(source / path.relative_to(ROOT)))
        assert len(fresh) > 50
        committed = {_key(e): e for e in polib.pofile(str(path)) if not e.obsolete}
        for entry in fresh:
            known = committed.get(_key(entry))
            if known is None or known.msgid_plural != entry.msgid_plural:
                problems.append(f"{language}: not in the catalog: {entry.msgid!r}")
            elif not known.translated():  # fuzzy entries do not count as translated
                problems.append(f"{language}: not translated: {entry.msgid!r}")
    assert problems == [], "run `make messages` and translate:\n" + "\n".join(problems)
