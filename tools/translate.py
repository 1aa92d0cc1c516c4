"""Fill the zh_Hans catalogue from a mapping of msgid → translation, then compile it.

    uv run python -m tools.translate MAPPING.py

MAPPING.py defines ZH (msgid → msgstr) and PLURAL (msgid → one msgstr: Chinese has one
plural form). Existing translations are kept unless the mapping gives a new one; the
command prints every msgid still untranslated.
"""

import runpy
import subprocess
import sys
from pathlib import Path

import polib

CATALOGUE = (
    Path(__file__).resolve().parent.parent / "jixiao" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
)


def main(mapping_file: str) -> int:
    mapping = runpy.run_path(mapping_file)
    singular, plural = mapping.get("ZH", {}), mapping.get("PLURAL", {})
    catalogue = polib.pofile(str(CATALOGUE))
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.metadata["Language"] = "zh_Hans"
    missing = []
    for entry in catalogue:
        if "fuzzy" in entry.flags:
            # makemessages' guess from a similar string is not a translation.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {0: ""} if entry.msgid_plural else {}
            entry.previous_msgid = entry.previous_msgid_plural = None
        if entry.msgid_plural:
            if entry.msgid in plural:
                entry.msgstr_plural = {0: plural[entry.msgid]}
            if not entry.msgstr_plural.get(0):
                missing.append(entry.msgid)
        else:
            if entry.msgid in singular:
                entry.msgstr = singular[entry.msgid]
            if not entry.msgstr:
                missing.append(entry.msgid)
    catalogue.save()
    for msgid in missing:
        print(f"untranslated: {msgid}")
    subprocess.run(["msgfmt", "--check", "-o", str(CATALOGUE.with_suffix(".mo")), str(CATALOGUE)], check=True)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
