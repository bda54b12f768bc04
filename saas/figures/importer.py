"""Import of key figures from CSV or XLSX: check every row first, then write all or nothing.

The file has the columns ``area_code, metric_code, period, value`` (header required, any
order). :func:`check_import` parses and validates the whole file against the current tenant's
areas, metrics, period states and stored values without writing anything, and never raises
for whatever bytes it gets: problems become :class:`RowError` entries naming the line and the
column. :func:`apply_import` then writes the changes of a clean check in one flush (the caller
commits); the audit log records every change through the session events.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from saas.areas.models import Area
from saas.core.db import db
from saas.core.imports import RowError, RowWarning
from saas.core.tenancy import current_tenant_id, shared_or_own
from saas.figures.models import FigureValue
from saas.figures.services import locked_area_periods
from saas.metrics.models import Metric

MAX_BYTES = 50 * 1024 * 1024
COLUMNS = ("area_code", "metric_code", "period", "value")
DELIMITERS = (",", ";", "\t")
#: largest absolute value accepted (keeps floats exact for integers and out of ``inf``)
MAX_ABS_VALUE = 1e15
MIN_YEAR, MAX_YEAR = 1900, 2100
_CHUNK = 500
#: the cells kept of an XLSX row (more is never a valid figures file) and Excel's row limit
_XLSX_MAX_COLUMNS = 64
_XLSX_MAX_ROWS = 1_048_576

# -- messages ------------------------------------------------------------------------------

MESSAGES: dict[str, tuple[str, str]] = {
    "too_large": (
        "Die Datei ist größer als 50 MB ({size} MB) und wird nicht verarbeitet.",
        "The file is larger than 50 MB ({size} MB) and is not processed.",
    ),
    "empty": ("Die Datei ist leer.", "The file is empty."),
    "no_data": (
        "Die Datei enthält nur die Kopfzeile, aber keine Werte.",
        "The file contains only the header row but no values.",
    ),
    "not_utf8": (
        "Die Datei ist nicht UTF-8-kodiert (ungültiges Byte an Position {pos}). Bitte als "
        "„CSV UTF-8“ speichern.",
        "The file is not UTF-8 encoded (invalid byte at position {pos}). Please save it as "
        "“CSV UTF-8”.",
    ),
    "unreadable_csv": (
        "Die CSV-Datei kann nicht gelesen werden: {detail}",
        "The CSV file cannot be read: {detail}",
    ),
    "unreadable": (
        "Die Datei kann nicht gelesen werden ({detail}).",
        "The file cannot be read ({detail}).",
    ),
    "bad_xlsx": (
        "Die Datei ist keine gültige XLSX-Datei ({detail}).",
        "The file is not a valid XLSX file ({detail}).",
    ),
    "old_excel": (
        "Das alte Excel-Format (.xls) wird nicht unterstützt. Bitte als .xlsx oder CSV "
        "(UTF-8) speichern.",
        "The old Excel format (.xls) is not supported. Please save as .xlsx or CSV (UTF-8).",
    ),
    "wrong_delimiter": (
        "Die Kopfzeile lässt sich nicht in die Spalten {columns} aufteilen: falsches "
        "Trennzeichen (erlaubt: Komma, Semikolon, Tabulator) oder fehlende Spalte.",
        "The header row cannot be split into the columns {columns}: wrong delimiter "
        "(allowed: comma, semicolon, tab) or missing column.",
    ),
    "missing_column": (
        "Fehlende Spalte „{column}“ in der Kopfzeile (erwartet: {columns}; falsches "
        "Trennzeichen?).",
        "Missing column “{column}” in the header row (expected: {columns}; wrong delimiter?).",
    ),
    "extra_column": (
        "Unbekannte Spalte „{column}“ (erlaubt sind nur {columns}).",
        "Unknown column “{column}” (only {columns} are allowed).",
    ),
    "duplicate_column": (
        "Die Spalte „{column}“ steht mehrfach in der Kopfzeile.",
        "The column “{column}” appears more than once in the header row.",
    ),
    "unnamed_column": (
        "Wert in einer Spalte ohne Überschrift.",
        "Value in a column without a header.",
    ),
    "too_few_fields": (
        "Die Zeile hat nur {found} von {expected} Spalten (falsches Trennzeichen oder "
        "fehlende Angabe?).",
        "The row has only {found} of {expected} columns (wrong delimiter or missing field?).",
    ),
    "too_many_fields": (
        "Die Zeile hat {found} Spalten, die Kopfzeile nur {expected}.",
        "The row has {found} columns, the header row only {expected}.",
    ),
    "formula": (
        "Formel in Zelle nicht erlaubt – bitte nur Werte einfügen.",
        "Formula in cell not allowed – please paste values only.",
    ),
    "required": ("Das Feld ist leer.", "The field is empty."),
    "unknown_area": ("Unbekanntes Gebiet „{code}“.", "Unknown area “{code}”."),
    "unknown_metric": ("Unbekannte Kennzahl „{code}“.", "Unknown metric “{code}”."),
    "rollup": (
        "Die Kennzahl „{code}“ wird aus den Aktivitäten berechnet und kann nicht importiert "
        "werden.",
        "The metric “{code}” is computed from the activities and cannot be imported.",
    ),
    "period_format": (
        "Ungültiger Zeitraum „{period}“: erwartet JJJJ-MM (Monat 01–12) oder JJJJ.",
        "Invalid period “{period}”: expected YYYY-MM (month 01–12) or YYYY.",
    ),
    "period_month": (
        "Ungültiger Zeitraum „{period}“: die Kennzahl {code} ist monatlich, erwartet "
        "JJJJ-MM mit Monat 01–12.",
        "Invalid period “{period}”: the metric {code} is monthly, expected YYYY-MM with "
        "month 01–12.",
    ),
    "period_year": (
        "Ungültiger Zeitraum „{period}“: die Kennzahl {code} ist jährlich, erwartet JJJJ.",
        "Invalid period “{period}”: the metric {code} is yearly, expected YYYY.",
    ),
    "not_a_number": ("„{value}“ ist keine Zahl.", "“{value}” is not a number."),
    "too_big": (
        "Der Wert {value} ist unplausibel groß.",
        "The value {value} is implausibly large.",
    ),
    "negative": (
        "Negativer Wert {value} nicht erlaubt.",
        "Negative value {value} not allowed.",
    ),
    "below_min": (
        "Der Wert {value} ist kleiner als das Minimum {min}.",
        "The value {value} is below the minimum {min}.",
    ),
    "above_max": (
        "Der Wert {value} ist größer als das Maximum {max}.",
        "The value {value} is above the maximum {max}.",
    ),
    "not_integer": (
        "Der Wert {value} muss eine ganze Zahl sein (Kennzahl {code}).",
        "The value {value} must be a whole number (metric {code}).",
    ),
    "duplicate": (
        "Doppelter Eintrag: Zeile {row} und Zeile {first} haben dasselbe Gebiet, dieselbe "
        "Kennzahl und denselben Zeitraum ({codes}).",
        "Duplicate entry: row {row} and row {first} have the same area, metric and period "
        "({codes}).",
    ),
    "locked": (
        "Der Zeitraum {period} für das Gebiet {area} ist eingereicht oder freigegeben und "
        "kann nicht geändert werden.",
        "The period {period} of area {area} is submitted or approved and cannot be changed.",
    ),
    "part_gt_total_file": (
        "Der Wert {value} von {code} ist größer als die Gesamtzahl {total_code} ({total}, "
        "Zeile {total_row}) für dasselbe Gebiet und denselben Zeitraum.",
        "The value {value} of {code} is larger than the total {total_code} ({total}, "
        "row {total_row}) for the same area and period.",
    ),
    "part_gt_total_db": (
        "Der Wert {value} von {code} ist größer als die gespeicherte Gesamtzahl "
        "{total_code} ({total}) für dasselbe Gebiet und denselben Zeitraum.",
        "The value {value} of {code} is larger than the stored total {total_code} "
        "({total}) for the same area and period.",
    ),
    "total_lt_part_db": (
        "Der Wert {value} von {code} ist kleiner als der gespeicherte Teilwert {part_code} "
        "({part}) für dasselbe Gebiet und denselben Zeitraum.",
        "The value {value} of {code} is smaller than the stored part {part_code} ({part}) "
        "for the same area and period.",
    ),
    "warn_high": (
        "Der Wert {value} ist mehr als {factor}-mal so hoch wie im Vorjahreszeitraum "
        "{prev_period} ({prev}).",
        "The value {value} is more than {factor} times the value of the same period of the "
        "previous year {prev_period} ({prev}).",
    ),
    "warn_low": (
        "Der Wert {value} ist weniger als 1/{factor} des Werts im Vorjahreszeitraum "
        "{prev_period} ({prev}).",
        "The value {value} is less than 1/{factor} of the value of the same period of the "
        "previous year {prev_period} ({prev}).",
    ),
    "file_error": (
        "Die Datei kann nicht verarbeitet werden ({detail}).",
        "The file cannot be processed ({detail}).",
    ),
}


def _lang(locale: str | None) -> int:
    return 1 if str(locale or "de").lower().startswith("en") else 0


def message(key: str, locale: str = "de", /, **params: Any) -> str:
    """The German or English text of one message."""
    lang = _lang(locale)
    params = {k: _fmt(v, lang) if isinstance(v, float) else v for k, v in params.items()}
    return MESSAGES[key][lang].format(**params)


def _fmt(value: float, lang: int = 0) -> str:
    text = format_number(value)
    return text.replace(".", ",") if lang == 0 else text


def format_number(value: float) -> str:
    """Plain notation, integers without '.0', decimals with '.' (also used by the export)."""
    if value == int(value) and abs(value) < 1e18:
        return str(int(value))
    text = format(Decimal(repr(float(value))), "f")
    return text


# -- result types --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One valid row of the file, resolved to ids."""

    row: int
    area_code: str
    metric_code: str
    period: str
    value: float
    area_id: int
    metric_id: int

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.area_code, self.metric_code, self.period)


@dataclass(frozen=True, slots=True)
class Update:
    """A stored value the import changes (``old`` → ``new``)."""

    row: int
    area_code: str
    metric_code: str
    period: str
    old: float
    new: float
    figure_id: int
    area_id: int
    metric_id: int

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.area_code, self.metric_code, self.period)


@dataclass
class ImportCheck:
    """Outcome of :func:`check_import`; :func:`apply_import` writes it."""

    filename: str
    locale: str = "de"
    format: str = ""
    tenant_id: int | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    created: list[ImportRow] = field(default_factory=list)
    updated: list[Update] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self, locale: str | None = None) -> str:
        """One line, e.g. "12 neue Werte, 3 geänderte Werte, 40 unverändert"."""
        en = _lang(locale or self.locale) == 1
        if not self.has_changes:
            text = "No changes" if en else "Keine Änderungen"
        else:
            n, u, s = len(self.created), len(self.updated), self.unchanged
            if en:
                text = (
                    f"{n} new value{'s' * (n != 1)}, {u} changed value{'s' * (u != 1)}, "
                    f"{s} unchanged"
                )
            else:
                text = (
                    f"{n} {'neuer Wert' if n == 1 else 'neue Werte'}, "
                    f"{u} {'geänderter Wert' if u == 1 else 'geänderte Werte'}, "
                    f"{s} unverändert"
                )
        if self.errors:
            e = len(self.errors)
            text += (
                f" – {e} error{'s' * (e != 1)}, nothing will be imported"
                if en
                else f" – {e} Fehler, es wird nichts übernommen"
            )
        if self.warnings:
            w = len(self.warnings)
            text += (
                f", {w} warning{'s' * (w != 1)}"
                if en
                else f", {w} {'Warnung' if w == 1 else 'Warnungen'}"
            )
        return text


# -- reading the file ----------------------------------------------------------------------


class _Formula(str):
    """Text of a formula cell (XLSX) — always an error."""


class _FileProblem(Exception):  # noqa: N818 - internal control flow
    def __init__(self, row: int, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.row, self.key, self.params = row, key, params


Record = tuple[int, list[Any]]  # (line number, cells)


def _norm_header(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\ufeff", "").strip().strip('"').strip().lower()


def _is_xlsx(filename: str, data: bytes) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def _read_csv(data: bytes) -> tuple[list[str], int, Iterator[Record]]:
    """Header names, header line and an iterator over the data records."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _FileProblem(line, "not_utf8", pos=exc.start + 1) from None
    if not text.strip():
        raise _FileProblem(0, "empty")

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
            raise _FileProblem(reader.line_num, "unreadable_csv", detail=str(exc)) from None
        names = [_norm_header(f) for f in header]
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
            raise _FileProblem(previous + 1, "unreadable_csv", detail=str(exc)) from None

    return [_norm_header(f) for f in header], header_line, records()


def _xlsx_cell(cell: Any) -> Any:
    value = cell.value
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and value.lstrip().startswith("=")
    ):
        return _Formula(str(value))
    return value


def _read_xlsx(data: bytes) -> tuple[list[str], int, Iterator[Record]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any broken zip/xml is bad input
        raise _FileProblem(0, "bad_xlsx", detail=type(exc).__name__) from None
    try:
        if not workbook.worksheets:
            raise _FileProblem(0, "empty")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the stored dimension may be wrong: read everything
        rows: list[Record] = []
        number = 0
        for cells in sheet.iter_rows():
            number += 1
            for cell in cells:
                if getattr(cell, "row", None):
                    number = cell.row
                    break
            if number > _XLSX_MAX_ROWS:
                raise _FileProblem(number, "unreadable", detail="> 1048576 rows")
            values = [_xlsx_cell(c) for c in cells[:_XLSX_MAX_COLUMNS]]
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
            header = [_norm_header(v) for v in values]
            header_line = number
            rows = rows[index + 1 :]
            break
    if not header:
        raise _FileProblem(0, "empty")
    return header, header_line, iter(rows)


# -- metadata of the current tenant ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _MetricInfo:
    id: int
    code: str
    periodicity: str
    part_of: str | None
    integer: bool
    minimum: float | None
    maximum: float | None
    warn_factor: float
    rollup: bool


def _metrics() -> dict[str, _MetricInfo]:
    """Metrics visible to the current tenant by code; a local metric wins over a shared one."""
    found = db.session.execute(select(Metric).where(shared_or_own(Metric))).scalars()
    result: dict[str, _MetricInfo] = {}
    for metric in sorted(found, key=lambda m: m.tenant_id is not None):
        rules = metric.rules or {}
        result[metric.code] = _MetricInfo(
            id=metric.id,
            code=metric.code,
            periodicity=metric.periodicity or "month",
            part_of=metric.part_of or None,
            integer=metric.integer,
            minimum=_number_or_none(rules.get("min", 0)),
            maximum=_number_or_none(rules.get("max")),
            warn_factor=_number_or_none(rules.get("warn_factor")) or 3.0,
            rollup=rules.get("source") == "activities",
        )
    return result


def _number_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _areas() -> dict[str, int]:
    return {code: id_ for id_, code in db.session.execute(select(Area.id, Area.code))}


def _chunks(items: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stored_values(
    area_ids: set[int], metric_ids: set[int], periods: set[str]
) -> dict[tuple[int, int, str], tuple[float, int]]:
    """(area id, metric id, period) → (value, figure id) of stored values (few queries)."""
    result: dict[tuple[int, int, str], tuple[float, int]] = {}
    if not area_ids or not metric_ids or not periods:
        return result
    for areas in _chunks(sorted(area_ids)):
        query = select(
            FigureValue.id,
            FigureValue.area_id,
            FigureValue.metric_id,
            FigureValue.period,
            FigureValue.value,
        ).where(FigureValue.area_id.in_(areas), FigureValue.metric_id.in_(sorted(metric_ids)))
        if len(periods) <= _CHUNK:
            query = query.where(FigureValue.period.in_(sorted(periods)))
        for fid, area_id, metric_id, period, value in db.session.execute(query):
            if period in periods:
                result[(area_id, metric_id, period)] = (value, fid)
    return result


# -- field parsing -------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_YEAR = re.compile(r"[0-9]{4}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _period_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    return _text(value)


@lru_cache(maxsize=4096)
def _period_kind(period: str) -> tuple[bool, bool]:
    """(is a valid 'YYYY-MM', is a valid 'YYYY')."""
    month = _MONTH.fullmatch(period)
    month_ok = (
        month is not None
        and MIN_YEAR <= int(month.group(1)) <= MAX_YEAR
        and 1 <= int(month.group(2)) <= 12
    )
    year_ok = _YEAR.fullmatch(period) is not None and MIN_YEAR <= int(period) <= MAX_YEAR
    return month_ok, year_ok


def _period_error(period: str, metric: _MetricInfo | None) -> str | None:
    """Message key when the period is malformed for the metric (or for any metric)."""
    month_ok, year_ok = _period_kind(period)
    if metric is None:
        return None if (month_ok or year_ok) else "period_format"
    if metric.periodicity == "year":
        return None if year_ok else "period_year"
    return None if month_ok else "period_month"


def _parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if number == number and abs(number) != float("inf") else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(",", "."))
    return None


@lru_cache(maxsize=4096)
def _previous_period(period: str) -> str:
    year, _, month = period.partition("-")
    return f"{int(year) - 1:04d}" + (f"-{month}" if month else "")


# -- the check -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    row: int
    area_code: str
    metric_code: str
    period: str
    value: float | None = None
    area_id: int | None = None
    metric: _MetricInfo | None = None
    failed: bool = False


def check_import(filename: str, data: bytes, *, locale: str = "de") -> ImportCheck:
    """Parse and validate a whole figures file for the current tenant; writes nothing."""
    check = ImportCheck(filename=filename or "", locale=locale, tenant_id=current_tenant_id())

    def error(row: int, column: str, key: str, /, **params: Any) -> None:
        check.errors.append(RowError(row, column, message(key, locale, **params)))

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data is None or not isinstance(data, bytes | bytearray | memoryview):
        error(0, "-", "empty")
        return check
    data = bytes(data)
    if len(data) > MAX_BYTES:
        error(0, "-", "too_large", size=format_number(round(len(data) / 1024 / 1024, 1)))
        return check
    if not data.strip():
        error(0, "-", "empty")
        return check

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = _read(check, data)
    except _FileProblem as problem:
        error(problem.row, "-", problem.key, **problem.params)
        return check
    except Exception as exc:  # noqa: BLE001 - never raise for bad input
        error(0, "-", "file_error", detail=type(exc).__name__)
        return check
    if table is None:
        return check

    metrics = _metrics()
    areas = _areas()
    parsed: list[_Parsed] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, cells in table.records:
                if check.format == "xlsx" and len(cells) < len(table.header):
                    cells = cells + [None] * (len(table.header) - len(cells))
                item = _validate_row(number, cells, table.header, check, metrics, areas, error)
                if item is not None:
                    parsed.append(item)
    except _FileProblem as problem:
        error(problem.row, "-", problem.key, **problem.params)
    except Exception as exc:  # noqa: BLE001 - never raise for bad input
        error(0, "-", "file_error", detail=type(exc).__name__)
    if not parsed and not check.errors:
        error(table.header_line + 1, "-", "no_data")
    try:
        _check_file(check, parsed, metrics, error)
    except SQLAlchemyError:
        raise  # a database problem is not the file's fault
    except Exception as exc:  # noqa: BLE001 - never raise for bad input
        error(0, "-", "file_error", detail=type(exc).__name__)
    return check


@dataclass
class _Table:
    header: list[str]
    header_line: int
    records: Iterator[Record]


def _read(check: ImportCheck, data: bytes) -> _Table | None:
    """Read the header (errors for it go to ``check``) and return the data records."""
    name = check.filename.lower()
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _FileProblem(0, "old_excel")
    if _is_xlsx(check.filename, data):
        check.format = "xlsx"
        header, header_line, records = _read_xlsx(data)
    else:
        check.format = "csv"
        header, header_line, records = _read_csv(data)
    locale = check.locale
    columns = ", ".join(COLUMNS)

    named = [n for n in header if n]
    if len(named) <= 1:
        check.errors.append(
            RowError(header_line, "-", message("wrong_delimiter", locale, columns=columns))
        )
        return None
    seen: set[str] = set()
    for name_ in named:
        if name_ in seen:
            check.errors.append(
                RowError(header_line, name_, message("duplicate_column", locale, column=name_))
            )
        seen.add(name_)
        if name_ not in COLUMNS:
            check.errors.append(
                RowError(
                    header_line,
                    name_,
                    message("extra_column", locale, column=name_, columns=columns),
                )
            )
    for column in COLUMNS:
        if column not in seen:
            check.errors.append(
                RowError(
                    header_line,
                    column,
                    message("missing_column", locale, column=column, columns=columns),
                )
            )
    if check.errors:
        return None
    return _Table(header, header_line, records)


def _validate_row(
    number: int,
    cells: list[Any],
    header: list[str],
    check: ImportCheck,
    metrics: dict[str, _MetricInfo],
    areas: dict[str, int],
    error: Any,
) -> _Parsed | None:
    if not any(c is not None and str(c).strip() for c in cells):
        return None  # blank line
    before = len(check.errors)
    values: dict[str, Any] = {}
    if len(cells) == len(header) and "" not in header:
        values = dict(zip(header, cells, strict=True))
    else:
        for index, name in enumerate(header):
            if index < len(cells):
                if name:
                    values[name] = cells[index]
                elif cells[index] is not None and str(cells[index]).strip():
                    error(number, f"#{index + 1}", "unnamed_column")
    if len(cells) > len(header) and any(
        c is not None and str(c).strip() for c in cells[len(header) :]
    ):
        error(number, "-", "too_many_fields", found=len(cells), expected=len(header))
    missing = [n for n in header[len(cells) :] if n]
    if missing:
        error(number, missing[0], "too_few_fields", found=len(cells), expected=len(header))
        return _Parsed(number, "", "", "", failed=True)

    formula = set()
    for column in COLUMNS:
        cell = values.get(column)
        if isinstance(cell, _Formula) or (isinstance(cell, str) and cell.lstrip().startswith("=")):
            error(number, column, "formula")
            formula.add(column)

    area_code = "" if "area_code" in formula else _text(values.get("area_code"))
    metric_code = "" if "metric_code" in formula else _text(values.get("metric_code"))
    period = "" if "period" in formula else _period_text(values.get("period"))
    # the same codes repeat on many rows: share one string object each
    item = _Parsed(number, sys.intern(area_code), sys.intern(metric_code), sys.intern(period))

    if "area_code" not in formula:
        if not area_code:
            error(number, "area_code", "required")
        elif area_code not in areas:
            error(number, "area_code", "unknown_area", code=area_code)
        else:
            item.area_id = areas[area_code]

    metric = None
    if "metric_code" not in formula:
        if not metric_code:
            error(number, "metric_code", "required")
        elif metric_code not in metrics:
            error(number, "metric_code", "unknown_metric", code=metric_code)
        else:
            metric = metrics[metric_code]
            if metric.rollup:
                error(number, "metric_code", "rollup", code=metric_code)
            item.metric = metric

    if "period" not in formula:
        if not period:
            error(number, "period", "required")
        else:
            key = _period_error(period, metric)
            if key:
                error(
                    number,
                    "period",
                    key,
                    period=period,
                    code=metric.code if metric else metric_code,
                )

    if "value" not in formula:
        raw = values.get("value")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            error(number, "value", "required")
        else:
            value = _parse_number(raw)
            if value is None:
                error(number, "value", "not_a_number", value=_text(raw)[:40])
            elif abs(value) > MAX_ABS_VALUE:
                error(number, "value", "too_big", value=_text(raw)[:40])
            else:
                item.value = value
                if metric is not None:
                    _check_value(number, value, metric, error)
    item.failed = len(check.errors) > before
    return item


def _check_value(number: int, value: float, metric: _MetricInfo, error: Any) -> None:
    if metric.minimum is not None and value < metric.minimum:
        if metric.minimum == 0:
            error(number, "value", "negative", value=value)
        else:
            error(number, "value", "below_min", value=value, min=metric.minimum)
    if metric.maximum is not None and value > metric.maximum:
        error(number, "value", "above_max", value=value, max=metric.maximum)
    if metric.integer and not float(value).is_integer():
        error(number, "value", "not_integer", value=value, code=metric.code)


def _check_file(
    check: ImportCheck, parsed: list[_Parsed], metrics: dict[str, _MetricInfo], error: Any
) -> None:
    """Checks across rows: duplicates, parts and totals, locked periods; then the changes."""
    failed: set[int] = {p.row for p in parsed if p.failed}

    # duplicates (by the codes as written)
    first: dict[tuple[str, str, str], int] = {}
    for item in parsed:
        if not (item.area_code and item.metric_code and item.period):
            continue
        key = (item.area_code, item.metric_code, item.period)
        if key in first:
            error(
                item.row,
                "period",
                "duplicate",
                row=item.row,
                first=first[key],
                codes=" / ".join(key),
            )
            failed.add(item.row)
        else:
            first[key] = item.row

    good = [p for p in parsed if p.row not in failed]
    # ``first`` holds every key written in the file (valid or not); the values of the valid
    # rows by the same key (codes resolve 1:1 to ids)
    in_file = first
    file_values = {(p.area_code, p.metric_code, p.period): p for p in good}

    parts_of: dict[str, list[_MetricInfo]] = {}
    for info in metrics.values():
        if info.part_of:
            parts_of.setdefault(info.part_of, []).append(info)
    area_ids = {p.area_id for p in good if p.area_id is not None}
    metric_ids: set[int] = set()
    periods: set[str] = set()
    for p in good:
        assert p.metric is not None
        metric_ids.add(p.metric.id)
        periods.update((p.period, _previous_period(p.period)))
        if p.metric.part_of in metrics:
            metric_ids.add(metrics[p.metric.part_of].id)
        metric_ids.update(part.id for part in parts_of.get(p.metric.code, ()))
    stored = _stored_values(area_ids, metric_ids, periods)

    def stored_value(area_id: int, metric: _MetricInfo, period: str) -> float | None:
        found = stored.get((area_id, metric.id, period))
        return None if found is None else found[0]

    # part ≤ total
    for p in good:
        assert p.metric is not None and p.value is not None and p.area_id is not None
        total_metric = metrics.get(p.metric.part_of or "")
        if total_metric is not None:
            total_row = file_values.get((p.area_code, total_metric.code, p.period))
            if total_row is not None:
                if p.value > total_row.value:  # type: ignore[operator]
                    error(
                        p.row,
                        "value",
                        "part_gt_total_file",
                        value=p.value,
                        code=p.metric.code,
                        total_code=total_metric.code,
                        total=total_row.value,
                        total_row=total_row.row,
                    )
                    failed.add(p.row)
            elif (p.area_code, total_metric.code, p.period) not in in_file:
                total = stored_value(p.area_id, total_metric, p.period)
                if total is not None and p.value > total:
                    error(
                        p.row,
                        "value",
                        "part_gt_total_db",
                        value=p.value,
                        code=p.metric.code,
                        total_code=total_metric.code,
                        total=total,
                    )
                    failed.add(p.row)
        for part in parts_of.get(p.metric.code, ()):
            if (p.area_code, part.code, p.period) in in_file:
                continue  # checked from the part's row
            part_value = stored_value(p.area_id, part, p.period)
            if part_value is not None and part_value > p.value:
                error(
                    p.row,
                    "value",
                    "total_lt_part_db",
                    value=p.value,
                    code=p.metric.code,
                    part_code=part.code,
                    part=part_value,
                )
                failed.add(p.row)
                break

    # changes against the database, then locked periods (only changes are refused)
    changes: list[tuple[_Parsed, tuple[float, int] | None]] = []
    for p in good:
        if p.row in failed:
            continue
        assert p.metric is not None and p.area_id is not None
        old = stored.get((p.area_id, p.metric.id, p.period))
        if old is not None and old[0] == p.value:
            continue
        changes.append((p, old))
    locked = locked_area_periods({(p.area_id, p.period) for p, _ in changes})  # type: ignore[misc]
    for p, _ in changes:
        if (p.area_id, p.period) in locked:
            error(p.row, "period", "locked", period=p.period, area=p.area_code)
            failed.add(p.row)

    check.errors.sort(
        key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else len(COLUMNS))
    )
    changed_rows = {p.row: old for p, old in changes}
    for p in good:
        if p.row in failed:
            continue
        assert p.metric is not None and p.area_id is not None and p.value is not None
        row = ImportRow(
            p.row, p.area_code, p.metric.code, p.period, p.value, p.area_id, p.metric.id
        )
        check.rows.append(row)
        if p.row not in changed_rows:
            check.unchanged += 1
            continue
        old = changed_rows[p.row]
        if old is None:
            check.created.append(row)
        else:
            check.updated.append(
                Update(
                    p.row,
                    p.area_code,
                    p.metric.code,
                    p.period,
                    old[0],
                    p.value,
                    old[1],
                    p.area_id,
                    p.metric.id,
                )
            )
        _warn(check, p, file_values, stored, metrics)


def _warn(
    check: ImportCheck,
    p: _Parsed,
    file_values: dict[Any, _Parsed],
    stored: dict[tuple[int, int, str], tuple[float, int]],
    metrics: dict[str, _MetricInfo],
) -> None:
    assert p.metric is not None and p.value is not None
    prev_period = _previous_period(p.period)
    prev_row = file_values.get((p.area_code, p.metric_code, prev_period))
    if prev_row is not None:
        previous = prev_row.value
    else:
        found = stored.get((p.area_id, p.metric.id, prev_period))  # type: ignore[arg-type]
        previous = None if found is None else found[0]
    if previous is None or previous < 10:
        return
    factor = p.metric.warn_factor
    key = None
    if p.value > factor * previous:
        key = "warn_high"
    elif p.value < previous / factor:
        key = "warn_low"
    if key:
        check.warnings.append(
            RowWarning(
                p.row,
                "value",
                message(
                    key,
                    check.locale,
                    value=p.value,
                    factor=format_number(factor),
                    prev_period=prev_period,
                    prev=float(previous),
                ),
            )
        )


# -- writing -------------------------------------------------------------------------------


def apply_import(check: ImportCheck, *, source: str = "import") -> int:
    """Write the created and updated values of a clean check; flushes, the caller commits.

    Returns the number of values written. Raises :class:`ValueError` for a check with errors,
    a check made for another tenant, or when the stored data changed since the check
    (another edit, or a period submitted meanwhile) — nothing is written then.
    """
    if not check.ok:
        raise ValueError("Der Import enthält Fehler und wird nicht übernommen.")
    if check.tenant_id is not None and check.tenant_id != current_tenant_id():
        raise ValueError("Die Prüfung gehört zu einem anderen Mandanten.")
    if not check.created and not check.updated:
        return 0
    source = (source or "import")[:40]

    pairs = {(r.area_id, r.period) for r in check.created}
    pairs |= {(u.area_id, u.period) for u in check.updated}
    if locked_area_periods(pairs):
        raise ValueError("Ein Zeitraum wurde inzwischen eingereicht oder freigegeben.")

    existing: dict[int, FigureValue] = {}
    for ids in _chunks(u.figure_id for u in check.updated):
        for figure in db.session.execute(
            select(FigureValue).where(FigureValue.id.in_(ids))
        ).scalars():
            existing[figure.id] = figure
    for update in check.updated:
        figure = existing.get(update.figure_id)
        if figure is None or figure.value != update.old:
            raise ValueError("Die Werte wurden seit der Prüfung geändert; bitte erneut prüfen.")
    if check.created:
        stored = _stored_values(
            {r.area_id for r in check.created},
            {r.metric_id for r in check.created},
            {r.period for r in check.created},
        )
        if any((r.area_id, r.metric_id, r.period) in stored for r in check.created):
            raise ValueError("Die Werte wurden seit der Prüfung geändert; bitte erneut prüfen.")

    for update in check.updated:
        figure = existing[update.figure_id]
        figure.value = update.new
        figure.source = source
    db.session.add_all(
        FigureValue(
            area_id=r.area_id, metric_id=r.metric_id, period=r.period, value=r.value, source=source
        )
        for r in check.created
    )
    db.session.flush()
    return len(check.created) + len(check.updated)
