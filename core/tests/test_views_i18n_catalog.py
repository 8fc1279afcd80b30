"""The Simplified Chinese catalog is complete and the compiled .mo matches it.

If this fails after someone added strings: run
  DEBUG=1 python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles
translate every new entry in locale/zh_Hans/LC_MESSAGES/django.po, then
  DEBUG=1 python manage.py compilemessages -l zh_Hans --ignore=.venv
"""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

LC = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: entries with msgctxt, msgid, msgid_plural, msgstr(s) and flags."""
    entries, entry, field = [], None, None

    def flush():
        if entry is not None and not entry.get("obsolete"):
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] += value
        else:
            key, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            match = re.fullmatch(r"msgstr\[(\d+)\]", key)
            if match:
                field = ("msgstr", int(match.group(1)))
                entry["msgstr"][field[1]] = value
            elif key == "msgstr":
                field = ("msgstr", 0)
                entry["msgstr"][0] = value
            else:
                field = key
                entry[key] = value
    flush()
    return entries


def test_every_message_is_translated_and_not_fuzzy():
    entries = parse_po(LC / "django.po")
    header = [e for e in entries if e["msgid"] == ""]
    assert header and "fuzzy" not in header[0]["flags"], "the catalog header must not be fuzzy"
    messages = [e for e in entries if e["msgid"]]
    assert len(messages) > 300
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in messages if not all(e["msgstr"].values()) or not e["msgstr"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    assert not empty, f"untranslated entries: {empty[:10]}"


def test_placeholders_survive_translation():
    for e in parse_po(LC / "django.po"):
        if not e["msgid"]:
            continue
        wanted = {m.group(0) for m in PLACEHOLDER.finditer(e["msgid"])}
        # Chinese has one plural form, used for every n: it may name the count the plural names.
        plural = {m.group(0) for m in PLACEHOLDER.finditer(e["msgid_plural"] or "")}
        for text in e["msgstr"].values():
            got = {m.group(0) for m in PLACEHOLDER.finditer(text)}
            assert wanted <= got <= wanted | plural, f"{e['msgid']!r} → {text!r}"


def test_compiled_catalog_is_up_to_date():
    with open(LC / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    expected = {}
    for e in parse_po(LC / "django.po"):
        if not e["msgid"]:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if e["msgctxt"] is not None else e["msgid"]
        if e["msgid_plural"] is not None:
            for n, text in e["msgstr"].items():
                expected[(key, n)] = text
        else:
            expected[key] = e["msgstr"][0]
    actual = {k: v for k, v in compiled.items() if k != ""}
    missing = [k for k in expected if actual.get(k) != expected[k]]
    extra = [k for k in actual if k not in expected]
    assert not missing, f".mo is stale, differs for: {missing[:10]}"
    assert not extra, f".mo has entries no longer in the .po: {extra[:10]}"
