"""The one writer of downloadable spreadsheets (CSV and XLSX), with the one formula guard.

Every export builds rows of cells and hands them here; nothing else in the application
writes CSV or XLSX for download. A cell is

* a ``str`` — text, never run as a formula;
* a :class:`Number` — a number: its value (XLSX) and its text in the file's locale (CSV);
* a :class:`Text` — text with a style (bold, size) in XLSX;
* ``None`` — an empty cell.

The guard (OWASP "CSV injection"): text starting with ``= + - @``, TAB, CR or LF is
prefixed with ``'`` so that no spreadsheet program takes it for a formula, and a CSV field
containing the delimiter, a quote, CR, LF or TAB is quoted — a bare CR in a name would
otherwise end the record in Excel and start the rest of the name as a new line (where
``=1+1`` is a formula again). XLSX text cells are stored as strings (never formulas) and lose
the control characters the XLSX format cannot hold.

Pure: no Flask, no database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}
#: what a number's text may look like (digits, an optional sign, the locale's separators)
_NUMBER_TEXT = re.compile(r"^[+-]?[0-9][0-9.,'\u00a0\u202f]*$")
#: a number followed by its flags ("-0,25 p", "12 pr"): a person's reading of a number, text
#: to a spreadsheet; a leading "-" would start a formula, so it is written as "−" (U+2212)
_FLAGGED_NUMBER = re.compile(r"^-([0-9][0-9.,'\u00a0\u202f]* [a-z]{1,2})$")
#: characters XLSX (XML 1.0) cannot store
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric cell: ``value`` for XLSX (with ``number_format``), ``text`` for CSV."""

    value: int | float | Decimal
    text: str
    number_format: str = "General"


@dataclass(frozen=True, slots=True)
class Text:
    """A text cell with a style in XLSX (CSV writes the text only)."""

    value: str
    bold: bool = False
    size: float | None = None


Cell = str | Number | Text | None
Row = Sequence[Cell]


def safe_text(value: str) -> str:
    """The text as a spreadsheet must show it: never the start of a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def number_format(decimals: int, *, signed: bool = False) -> str:
    """The XLSX number format of a number shown with ``decimals`` digits."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f"+{pattern};-{pattern};0" if signed else pattern


# -- CSV ---------------------------------------------------------------------------------


@cache
def _needs_quotes(delimiter: str) -> re.Pattern[str]:
    return re.compile(f'[{re.escape(delimiter)}"\r\n\t]')


def csv_field(cell: Cell, delimiter: str = ",") -> str:
    """One cell as a CSV field: guarded, and quoted when it holds a separator or a control."""
    if cell is None:
        return ""
    if isinstance(cell, Number):
        flagged = _FLAGGED_NUMBER.match(cell.text)
        if flagged:
            text = "\u2212" + flagged.group(1)
        else:
            text = cell.text if _NUMBER_TEXT.match(cell.text) else safe_text(cell.text)
    else:
        text = safe_text(cell.value if isinstance(cell, Text) else str(cell))
    if _needs_quotes(delimiter).search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(rows: Iterable[Row], *, delimiter: str = ",", bom: bool = True) -> bytes:
    """The rows as CSV (RFC 4180 line ends), UTF-8 — with a BOM so spreadsheet programs
    detect the encoding, unless ``bom`` is false (machine-read files)."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(f"not a CSV delimiter: {delimiter!r}")
    out = io.StringIO()
    for row in rows:
        out.write(delimiter.join(csv_field(cell, delimiter) for cell in row))
        out.write("\r\n")
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


# -- XLSX --------------------------------------------------------------------------------


def write_xlsx(
    rows: Iterable[Row], *, sheet_title: str, column_widths: dict[str, float] | None = None
) -> bytes:
    """The rows as a one-sheet XLSX workbook: text always as text, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    for column, width in (column_widths or {}).items():
        sheet.column_dimensions[column].width = width
    fonts: dict[tuple[bool, float | None], Font] = {}

    def cell(value: Cell) -> WriteOnlyCell | None:
        if value is None:
            return None
        if isinstance(value, Number):
            item = WriteOnlyCell(sheet, value=value.value)
            item.number_format = value.number_format
            return item
        text = value.value if isinstance(value, Text) else str(value)
        item = WriteOnlyCell(sheet, value=_NOT_IN_XLSX.sub("", text))
        item.data_type = "s"  # never a formula, whatever the text looks like
        if isinstance(value, Text) and (value.bold or value.size):
            key = (value.bold, value.size)
            if key not in fonts:
                fonts[key] = Font(bold=value.bold, size=value.size)
            item.font = fonts[key]
        return item

    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel's rules for sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", _NOT_IN_XLSX.sub("", title)).strip("' ")
    return cleaned[:31] or "Sheet"
