"""Fill message catalogs: English msgstr = msgid; Chinese from a JSON file of msgid → msgstr.

    python bin/po_fill.py [translations.json]

Clears the header's fuzzy flag and sets plural forms; prints what is still untranslated."""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {
    "zh_Hans": {"Language": "zh-Hans", "Plural-Forms": "nplurals=1; plural=0;"},
    "en": {"Language": "en", "Plural-Forms": "nplurals=2; plural=(n != 1);"},
}


def fill(locale: str, table: dict[str, str]) -> list[str]:
    path = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path), wrapwidth=100)
    po.metadata_is_fuzzy = False
    po.header = "Callsheet message catalog. Fill with bin/po_fill.py after `make messages`."
    po.metadata.update(HEADERS[locale])
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata.pop("Last-Translator", None)
    po.metadata.pop("Language-Team", None)
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:
            # makemessages guessed from a similar message: never keep a guess.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if locale == "en":
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            continue
        key = entry.msgid if not entry.msgctxt else f"{entry.msgctxt}\x04{entry.msgid}"
        if key in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[key]}
            else:
                entry.msgstr = table[key]
        if not (entry.msgstr or entry.msgstr_plural.get(0)):
            missing.append(entry.msgid)
    po.save(str(path))
    po.save_as_mofile(str(path.with_suffix(".mo")))
    return missing


if __name__ == "__main__":
    table = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
    fill("en", {})
    missing = fill("zh_Hans", table)
    for msgid in missing:
        print(json.dumps(msgid, ensure_ascii=False))
    print(f"{len(missing)} untranslated", file=sys.stderr)
