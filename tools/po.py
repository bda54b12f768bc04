"""Catalog helper for developers: fill English from the ids, list or apply German translations.

python tools/po.py en                 # English msgstr = msgid (ids are English)
python tools/po.py missing            # German ids still untranslated or fuzzy
python tools/po.py apply FILE.tsv     # apply "msgid<TAB>msgstr" lines to the German catalog
                                      # (plural entries: "singular || plural")
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def _path(locale: str) -> Path:
    return ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"


def _load(locale: str):  # noqa: ANN202
    with _path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def _save(locale: str, catalog) -> None:  # noqa: ANN001
    with _path(locale).open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)


def fill_english() -> None:
    catalog = _load("en")
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id
        message.flags.discard("fuzzy")
    _save("en", catalog)


def missing() -> None:
    for message in _load("de"):
        if message.id and (
            not message.string
            or "fuzzy" in message.flags
            or (isinstance(message.id, tuple) and not all(message.string))
        ):
            print(message.id if isinstance(message.id, str) else message.id[0])


def apply(tsv: Path) -> None:
    catalog = _load("de")
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        msgid, msgstr = line.split("\t", 1)
        msgid = msgid.replace("\\n", "\n")
        message = catalog.get(msgid)
        if message is not None and isinstance(message.id, tuple):
            # plural entry: "singular || plural" in the TSV
            message.string = tuple(part.strip() for part in msgstr.split("||"))
            message.flags.discard("fuzzy")
            continue
        if message is None:
            print(f"unknown id: {msgid}", file=sys.stderr)
            continue
        message.string = msgstr.replace("\\n", "\n")
        message.flags.discard("fuzzy")
    _save("de", catalog)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "en":
        fill_english()
    elif command == "missing":
        missing()
    elif command == "apply":
        apply(Path(sys.argv[2]))
