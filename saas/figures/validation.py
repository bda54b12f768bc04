"""Validation of figure rows: the result types, the header, and each row on its own.

Rows come from a file (:mod:`saas.figures.reading`) or from the entry grid; the checks across
rows and against stored data are in :mod:`saas.figures.checks`. Nothing here writes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from saas.core.imports import RowError, RowWarning
from saas.figures.messages import message, summary_text
from saas.figures.reading import COLUMNS, Formula, Table

#: largest absolute value accepted (keeps floats exact for integers and out of ``inf``)
MAX_ABS_VALUE = 1e15
MIN_YEAR, MAX_YEAR = 1900, 2100

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
        return summary_text(
            locale or self.locale,
            created=len(self.created),
            updated=len(self.updated),
            unchanged=self.unchanged,
            errors=len(self.errors),
            warnings=len(self.warnings),
        )


# -- what the rows are checked against ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetricInfo:
    id: int
    code: str
    periodicity: str
    part_of: str | None
    integer: bool
    minimum: float | None
    maximum: float | None
    warn_factor: float
    rollup: bool
    #: a "darunter" line: contained in the other parts of its total, not added to them
    within: bool = False
    #: the code of a metric this one may not exceed (under-18 ≤ under-21)
    at_most: str | None = None


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


def _period_error(period: str, metric: MetricInfo | None) -> str | None:
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
def previous_period(period: str) -> str:
    year, _, month = period.partition("-")
    return f"{int(year) - 1:04d}" + (f"-{month}" if month else "")


# -- header and rows -------------------------------------------------------------------------


@dataclass(slots=True)
class Parsed:
    row: int
    area_code: str
    metric_code: str
    period: str
    value: float | None = None
    area_id: int | None = None
    metric: MetricInfo | None = None
    failed: bool = False


def check_header(check: ImportCheck, table: Table) -> bool:
    """Errors for a header without exactly the four columns (each once); True when fine."""
    header, header_line = table.header, table.header_line
    locale = check.locale
    columns = ", ".join(COLUMNS)

    named = [n for n in header if n]
    if len(named) <= 1:
        check.errors.append(
            RowError(header_line, "-", message("wrong_delimiter", locale, columns=columns))
        )
        return False
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
    return not check.errors


def validate_row(
    number: int,
    cells: list[Any],
    header: list[str],
    check: ImportCheck,
    metrics: dict[str, MetricInfo],
    areas: dict[str, int],
    error: Any,
) -> Parsed | None:
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
        return Parsed(number, "", "", "", failed=True)

    formula = set()
    for column in COLUMNS:
        cell = values.get(column)
        if isinstance(cell, Formula) or (isinstance(cell, str) and cell.lstrip().startswith("=")):
            error(number, column, "formula")
            formula.add(column)

    area_code = "" if "area_code" in formula else _text(values.get("area_code"))
    metric_code = "" if "metric_code" in formula else _text(values.get("metric_code"))
    period = "" if "period" in formula else _period_text(values.get("period"))
    # the same codes repeat on many rows: share one string object each
    item = Parsed(number, sys.intern(area_code), sys.intern(metric_code), sys.intern(period))

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


def _check_value(number: int, value: float, metric: MetricInfo, error: Any) -> None:
    if metric.minimum is not None and value < metric.minimum:
        if metric.minimum == 0:
            error(number, "value", "negative", value=value)
        else:
            error(number, "value", "below_min", value=value, min=metric.minimum)
    if metric.maximum is not None and value > metric.maximum:
        error(number, "value", "above_max", value=value, max=metric.maximum)
    if metric.integer and not float(value).is_integer():
        error(number, "value", "not_integer", value=value, code=metric.code)
