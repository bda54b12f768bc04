"""Control characters in what users type: refused everywhere text comes in.

A control character in a name or code does no good and real harm: a bare CR ends a line of
a CSV file in spreadsheet programs, TAB and CR start formulas there, and NUL or the C1 set
break XML (XLSX) and terminals. Single-line text (names, codes, vocabulary …) refuses every
control character, line and paragraph separators included; multi-line text (descriptions)
allows line breaks — LF or CR LF — and nothing else.

Pure: no Flask, no database. :class:`saas.core.fields.NoControlCharacters` applies it to
form fields; the profile loader and the areas CSV of the onboarding wizard call it directly.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTI_LINE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]|\r(?!\n)")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character ``text`` must not contain, as ``U+000D``; else None."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    return f"U+{ord(found.group()):04X}" if found else None
