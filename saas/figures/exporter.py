"""Export of the current tenant's key figures as CSV or XLSX, in the import format.

The file has the columns ``area_code, metric_code, period, value`` sorted by area code,
metric code and period; importing it again changes nothing. Roll-up metrics computed from
the activities are left out, because the import refuses them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.formatting import plain_number
from saas.core.permissions import scope_criteria
from saas.core.spreadsheet import MIMETYPES as MIMETYPES
from saas.core.spreadsheet import Number, write_csv, write_xlsx
from saas.core.tenancy import shared_or_own
from saas.figures.importer import COLUMNS
from saas.figures.models import FigureValue
from saas.metrics.models import Metric

FORMATS = ("csv", "xlsx")

Row = tuple[str, str, str, float]


def figure_rows(
    *, metric_codes: Iterable[str] | None = None, area_ids: Iterable[int] | None = None
) -> list[Row]:
    """(area code, metric code, period, value) of the current tenant in the user's scope."""
    metrics = {
        m.id: m
        for m in db.session.execute(select(Metric).where(shared_or_own(Metric))).scalars()
        if (m.rules or {}).get("source") != "activities"
    }
    if metric_codes is not None:
        wanted = set(metric_codes)
        metrics = {id_: m for id_, m in metrics.items() if m.code in wanted}
    if not metrics:
        return []
    areas = {
        id_: code
        for id_, code in db.session.execute(select(Area.id, Area.code).where(scope_criteria(Area)))
    }
    query = select(
        FigureValue.area_id, FigureValue.metric_id, FigureValue.period, FigureValue.value
    ).where(scope_criteria(FigureValue))
    if area_ids is not None:
        wanted_areas = {int(a) for a in area_ids}
        areas = {id_: code for id_, code in areas.items() if id_ in wanted_areas}
        if not areas:
            return []
        if len(areas) <= 500:
            query = query.where(FigureValue.area_id.in_(sorted(areas)))
    if len(metrics) <= 500:
        query = query.where(FigureValue.metric_id.in_(sorted(metrics)))
    rows = [
        (areas[area_id], metrics[metric_id].code, period, value)
        for area_id, metric_id, period, value in db.session.execute(query)
        if area_id in areas and metric_id in metrics and value is not None
    ]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


def export_figures(
    fmt: str, *, metric_codes: Iterable[str] | None = None, area_ids: Iterable[int] | None = None
) -> bytes:
    """The current tenant's figures as a CSV (UTF-8, ',') or XLSX file."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt!r} (csv or xlsx)")
    rows = figure_rows(metric_codes=metric_codes, area_ids=area_ids)
    return _csv(rows) if fmt == "csv" else _xlsx(rows)


def _csv(rows: list[Row]) -> bytes:
    return write_csv(
        [COLUMNS, *((a, m, p, Number(v, plain_number(v))) for a, m, p, v in rows)], bom=False
    )


def _xlsx(rows: list[Row]) -> bytes:
    return write_xlsx(
        [
            COLUMNS,
            *((a, m, p, Number(int(v) if float(v).is_integer() else v, "")) for a, m, p, v in rows),
        ],
        sheet_title="Kennzahlen",
    )
