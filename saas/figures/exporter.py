"""Export of the current tenant's key figures as CSV or XLSX, in the import format.

The file has the columns ``area_code, area_name, metric_code, metric_name, period, value,
version`` sorted by area code, metric code and period; importing it again changes nothing.
The names are for the reader (the import ignores them); ``version`` is each value's lock
version at the export, so an import of an old file can tell which values were changed since
(:func:`saas.figures.importer.find_conflicts`). A selection narrows it to areas, metrics and a
period range; ``template=True`` adds an empty line for every value not stored yet, so the XLSX
is a form to fill in and import back. Roll-up metrics computed from the activities are left
out, because the import refuses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.formatting import plain_number
from saas.core.permissions import scope_criteria
from saas.core.spreadsheet import MIMETYPES as MIMETYPES
from saas.core.spreadsheet import Cell, Number, write_csv, write_xlsx
from saas.core.tenancy import shared_or_own
from saas.core.uploads import DEFAULT_LIMITS
from saas.figures.models import FigureValue
from saas.metrics.models import Metric

FORMATS = ("csv", "xlsx")
HEADER = ("area_code", "area_name", "metric_code", "metric_name", "period", "value", "version")
#: a template has at most as many lines as an import may have
MAX_TEMPLATE_ROWS = DEFAULT_LIMITS.max_rows


class TooManyRows(ValueError):
    """The template of the selection would be larger than an import may be."""


@dataclass(frozen=True)
class Selection:
    """What to export: areas (ids), metrics (codes), periods from … to ('YYYY-MM' or 'YYYY')."""

    area_ids: frozenset[int] | None = None
    metric_codes: frozenset[str] | None = None
    period_from: str = ""
    period_to: str = ""

    def covers_period(self, period: str) -> bool:
        # a year ("2023") is covered when it overlaps from … to: compare on the year part
        if self.period_from and period < self.period_from[: len(period)]:
            return False
        return not (self.period_to and period[: len(self.period_to)] > self.period_to)


#: (area code, area name, metric code, metric name, period, value or None, version or None)
Row = tuple[str, str, str, str, str, float | None, int | None]


def _metrics(selection: Selection) -> dict[int, Metric]:
    found = {
        m.id: m
        for m in db.session.execute(select(Metric).where(shared_or_own(Metric))).scalars()
        if (m.rules or {}).get("source") != "activities"
    }
    by_code = {m.code: m for m in sorted(found.values(), key=lambda m: m.tenant_id is not None)}
    if selection.metric_codes is not None:
        by_code = {c: m for c, m in by_code.items() if c in selection.metric_codes}
    return {m.id: m for m in by_code.values()}


def _areas(selection: Selection) -> dict[int, Area]:
    query = select(Area).where(scope_criteria(Area))
    areas = {a.id: a for a in db.session.execute(query).scalars()}
    if selection.area_ids is not None:
        areas = {id_: a for id_, a in areas.items() if id_ in selection.area_ids}
    return areas


def _query(selection: Selection, areas: dict[int, Area], metrics: dict[int, Metric]):  # noqa: ANN202
    query = select(
        FigureValue.area_id,
        FigureValue.metric_id,
        FigureValue.period,
        FigureValue.value,
        FigureValue.version,
    ).where(scope_criteria(FigureValue))
    if len(areas) <= 500:
        query = query.where(FigureValue.area_id.in_(sorted(areas)))
    if len(metrics) <= 500:
        query = query.where(FigureValue.metric_id.in_(sorted(metrics)))
    if selection.period_from:
        query = query.where(FigureValue.period >= selection.period_from[:4])
    if selection.period_to:
        query = query.where(FigureValue.period <= selection.period_to + "~")
    return query


def count_rows(selection: Selection = Selection()) -> int:
    """About how many lines the export of ``selection`` has (it decides on a background job)."""
    metrics, areas = _metrics(selection), _areas(selection)
    if not metrics or not areas:
        return 0
    subquery = _query(selection, areas, metrics).subquery()
    return int(db.session.execute(select(func.count()).select_from(subquery)).scalar_one())


def figure_rows(selection: Selection = Selection(), *, template: bool = False) -> list[Row]:
    """The lines of the export of ``selection`` in the user's scope, sorted by codes."""
    metrics, areas = _metrics(selection), _areas(selection)
    if not metrics or not areas:
        return []
    rows: dict[tuple[int, int, str], Row] = {}
    for area_id, metric_id, period, value, version in db.session.execute(
        _query(selection, areas, metrics)
    ):
        if area_id in areas and metric_id in metrics and value is not None:
            if not selection.covers_period(period):
                continue
            area, metric = areas[area_id], metrics[metric_id]
            rows[(area_id, metric_id, period)] = (
                area.code,
                area.name,
                metric.code,
                metric.label,
                period,
                value,
                version,
            )
    if template:
        _add_template_lines(rows, selection, areas, metrics)
    return sorted(rows.values(), key=lambda r: (r[0], r[2], r[4]))


def _periods(selection: Selection, periodicity: str) -> Iterator[str]:
    first = int((selection.period_from or selection.period_to)[:4])
    last = int((selection.period_to or selection.period_from)[:4])
    for year in range(first, last + 1):
        if periodicity == "year":
            yield f"{year:04d}"
            continue
        for month in range(1, 13):
            period = f"{year:04d}-{month:02d}"
            if selection.covers_period(period):
                yield period


def _add_template_lines(
    rows: dict[tuple[int, int, str], Row],
    selection: Selection,
    areas: dict[int, Area],
    metrics: dict[int, Metric],
) -> None:
    """An empty line for every area, metric and period of the selection without a value."""
    if not (selection.period_from or selection.period_to):
        raise ValueError("a template needs a period range")
    live = [a for a in areas.values() if a.archived_at is None]
    for metric in metrics.values():
        for period in _periods(selection, metric.periodicity or "month"):
            for area in live:
                key = (area.id, metric.id, period)
                if key not in rows:
                    if len(rows) >= MAX_TEMPLATE_ROWS:
                        raise TooManyRows(str(MAX_TEMPLATE_ROWS))
                    rows[key] = (
                        area.code,
                        area.name,
                        metric.code,
                        metric.label,
                        period,
                        None,
                        None,
                    )


def export_figures(
    fmt: str,
    selection: Selection = Selection(),
    *,
    template: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> bytes:
    """The current tenant's figures as a CSV (UTF-8, ',') or XLSX file."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt!r} (csv or xlsx)")
    rows = figure_rows(selection, template=template)
    if progress is not None:
        progress(0, len(rows), "writing")
    return _csv(rows) if fmt == "csv" else _xlsx(rows)


def _cells(rows: list[Row], value: Callable[[float], Cell]) -> Iterator[list[Cell]]:
    for area, area_name, metric, metric_name, period, number, version in rows:
        yield [
            area,
            area_name,
            metric,
            metric_name,
            period,
            None if number is None else value(number),
            None if version is None else Number(version, str(version)),
        ]


def _csv(rows: list[Row]) -> bytes:
    return write_csv([list(HEADER), *_cells(rows, lambda v: Number(v, plain_number(v)))], bom=False)


def _xlsx(rows: list[Row]) -> bytes:
    return write_xlsx(
        [
            list(HEADER),
            *_cells(rows, lambda v: Number(int(v) if float(v).is_integer() else v, "")),
        ],
        sheet_title="Kennzahlen",
        column_widths={"A": 14, "B": 28, "C": 18, "D": 36, "E": 10, "F": 14, "G": 9},
    )
