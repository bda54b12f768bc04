"""Reading a figures file: bytes → header and records (CSV or XLSX), nothing else.

No database here. Every reader is bounded while it reads (rows, cells, seconds; for XLSX the
unpacked size of every part before openpyxl opens one): :mod:`saas.core.uploads`. A file that
cannot be read raises :class:`FileProblem` with a message key of :mod:`saas.figures.messages`
and the line it concerns; cells of XLSX formulas come back as :class:`Formula`, which
validation refuses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from saas.core.uploads import DEFAULT_LIMITS, Limits, UploadRefused, bounded_rows, check_archive

MAX_BYTES = 50 * 1024 * 1024
COLUMNS = ("area_code", "metric_code", "period", "value")
DELIMITERS = (",", ";", "\t")
#: the cells kept of an XLSX row (more is never a valid figures file) and Excel's row limit
_XLSX_MAX_COLUMNS = 64
_XLSX_MAX_ROWS = 1_048_576


class Formula(str):
    """Text of a formula cell (XLSX) — always an error."""


class FileProblem(Exception):  # noqa: N818 - a reason, raised to stop reading
    def __init__(self, row: int, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.row, self.key, self.params = row, key, params


Record = tuple[int, list[Any]]  # (line number, cells)


def norm_header(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\ufeff", "").strip().strip('"').strip().lower()


def is_xlsx(filename: str, data: bytes) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def _refused(row: int, refused: UploadRefused) -> FileProblem:
    from saas.core.uploads import describe

    return FileProblem(row, "over_limit", detail=describe(refused))


def _bounded(records: Iterator[Record], limits: Limits) -> Iterator[Record]:
    """The records, refused as a :class:`FileProblem` as soon as a limit is passed."""
    row = 0
    try:
        for row, cells in bounded_rows(records, limits):
            yield row, cells
    except UploadRefused as refused:
        raise _refused(row + 1, refused) from None


def read_csv(
    data: bytes, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], int, Iterator[Record]]:
    """Header names, header line and an iterator over the data records."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(line, "not_utf8", pos=exc.start + 1) from None
    if not text.strip():
        raise FileProblem(0, "empty")

    best: tuple[int, int, str, list[str], int] | None = None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header: list[str] = []
            for fields in reader:
                if any(f.strip() for f in fields):
                    header = fields
                    break
        except csv.Error as exc:
            raise FileProblem(reader.line_num, "unreadable_csv", detail=str(exc)) from None
        names = [norm_header(f) for f in header]
        matched = len(set(names) & set(COLUMNS))
        score = (matched, len(names))
        if best is None or score > best[:2]:
            best = (matched, len(names), delimiter, header, reader.line_num)
    assert best is not None
    _matched, _count, delimiter, header, header_line = best

    def records() -> Iterator[Record]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        previous = 0
        try:
            for fields in reader:
                start, previous = previous + 1, reader.line_num
                if start <= header_line:
                    continue
                yield start, fields
        except csv.Error as exc:
            raise FileProblem(previous + 1, "unreadable_csv", detail=str(exc)) from None

    return [norm_header(f) for f in header], header_line, _bounded(records(), limits)


def xlsx_cell(cell: Any) -> Any:
    value = cell.value
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and value.lstrip().startswith("=")
    ):
        return Formula(str(value))
    return value


def read_xlsx(
    data: bytes, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], int, Iterator[Record]]:
    from openpyxl import load_workbook

    try:
        check_archive(data, limits)  # a shared-strings bomb never reaches openpyxl
    except UploadRefused as refused:
        if refused.reason == "bad_archive":
            raise FileProblem(0, "bad_xlsx", detail=refused.params.get("detail", "")) from None
        raise _refused(0, refused) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any broken zip/xml is bad input
        raise FileProblem(0, "bad_xlsx", detail=type(exc).__name__) from None
    try:
        if not workbook.worksheets:
            raise FileProblem(0, "empty")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the stored dimension may be wrong: read everything
        rows: list[Record] = []
        number = 0
        for _index, cells in _bounded(enumerate(sheet.iter_rows(), 1), limits):
            number += 1
            for cell in cells:
                if getattr(cell, "row", None):
                    number = cell.row
                    break
            if number > _XLSX_MAX_ROWS:
                raise FileProblem(number, "unreadable", detail="> 1048576 rows")
            values = [xlsx_cell(c) for c in cells[:_XLSX_MAX_COLUMNS]]
            if any(c.value not in (None, "") for c in cells[_XLSX_MAX_COLUMNS:]):
                values.append("…")  # reported as a row with too many columns
            while values and (values[-1] is None or values[-1] == ""):
                values.pop()
            rows.append((number, values))
    finally:
        workbook.close()

    header: list[str] = []
    header_line = 0
    for index, (number, values) in enumerate(rows):
        if any(v is not None and str(v).strip() for v in values):
            header = [norm_header(v) for v in values]
            header_line = number
            rows = rows[index + 1 :]
            break
    if not header:
        raise FileProblem(0, "empty")
    return header, header_line, iter(rows)


@dataclass
class Table:
    """A file's header (normalised names), the header's line and its data records."""

    format: str
    header: list[str]
    header_line: int
    records: Iterator[Record]


def read_table(filename: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Read a CSV or XLSX file (by name or content); raises :class:`FileProblem`."""
    name = (filename or "").lower()
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem(0, "old_excel")
    if is_xlsx(filename or "", data):
        return Table("xlsx", *read_xlsx(data, limits))
    return Table("csv", *read_csv(data, limits))
