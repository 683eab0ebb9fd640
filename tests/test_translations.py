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


# --- What the libraries show, in Chinese ----------------------------------------------------


@pytest.mark.django_db
def test_no_form_shows_the_untranslated_blank_choice(client, as_user, moderator):
    """Django 6.1's blank choice ("- Select an option -") reads 请选择 in Chinese; the report
    form has one radio per reason and none ticked."""
    from django.urls import reverse

    from tests.factories import UserFactory, published_role

    role = published_role()
    pages = [
        as_user(UserFactory()).get(reverse("accounts:studio_create")),
        as_user(UserFactory()).get(reverse("postings:report", args=[role.shoot_id])),
        as_user(moderator).get(reverse("admin:postings_shoot_changelist")),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "Select an option" not in html
    report = pages[1].content.decode()
    assert 'type="radio"' in report and "checked" not in report
    assert "- 请选择 -" in pages[0].content.decode() or "请选择" in pages[2].content.decode()
    # Labels end with the Chinese colon (Django's own catalog keeps the ASCII one).
    assert "：</label>" in pages[0].content.decode()
    assert ":</label>" not in pages[0].content.decode()


@pytest.mark.django_db
def test_the_admin_speaks_chinese_throughout(as_user, moderator):
    from django.urls import reverse

    index = as_user(moderator).get(reverse("admin:index")).content.decode()
    for english in ("Tasks Database Backend", "Authenticators", "Task Results"):
        assert english not in index, english
    for chinese in ("后台任务", "认证器", "任务结果", "用户与公司"):
        assert chinese in index, chinese
    javascript = as_user(moderator).get(reverse("admin:jsi18n")).content.decode()
    assert "\\u8bf7\\u6309" in javascript or "请按" in javascript  # the time zone note


@pytest.mark.django_db
def test_an_application_event_reads_as_words():
    from django.utils import translation

    from applications.models import ApplicationEvent

    with translation.override("zh-hans"):
        text = str(ApplicationEvent(from_status="submitted", to_status="shortlisted"))
    assert "submitted" not in text and "shortlisted" not in text and "→" in text


def test_chinese_sentences_use_chinese_punctuation():
    """No ASCII comma, colon, semicolon, question or exclamation mark, and no ASCII full stop
    ending a sentence, beside Chinese text in our catalog (library strings we override
    included)."""
    cjk = r"[\u4e00-\u9fff]"
    ascii_mark = re.compile(cjk + r"\s?[,;:?!]|" + cjk + r"\.(?![\w/])|(?<![\w%)])[,;:?!]\s?" + cjk)
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    found = [
        (entry.msgid, text)
        for entry in po
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if ascii_mark.search(text)
    ]
    assert found == []


def test_one_thing_has_one_name_in_chinese():
    """The card's badges say what the filters say; "verified" reads the same everywhere."""
    catalog = gettext.GNUTranslations(
        open(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo", "rb")  # noqa: SIM115
    )
    assert catalog.gettext("Verified studio") == catalog.gettext("Verified")
    assert catalog.pgettext("an alert's", "name") != "姓名"
    assert catalog.gettext("Incorrect code.") != "错误代码。"
    card = (LOCALE.parent / "templates/postings/includes/role_card.html").read_text()
    for label in ("Meals provided", "Lodging provided", "Newcomers welcome"):
        assert f'{{% translate "{label}" %}}' in card
