"""The entry grid: one area and one period, every enterable metric of that periodicity.

The grid is validated by the same rules as files (one rule set for all ways in): the typed
values go to :func:`saas.figures.importer.check_values` as rows, without a file between.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from saas.core.db import db
from saas.core.formatting import plain_number
from saas.core.tenancy import shared_or_own
from saas.figures.models import FigureValue
from saas.metrics.models import Metric

#: an area period in a URL: 'YYYY-MM' or 'YYYY'
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


@dataclass
class GridRow:
    metric: Metric
    value: FigureValue | None
    entered: str = ""
    errors: list[str] | None = None
    warnings: list[str] | None = None
    #: roll-up metrics: the value computed from the activity log
    computed: int | None = None

    @property
    def readonly(self) -> bool:
        return (self.metric.rules or {}).get("source") == "activities"


def grid_metrics(periodicity: str) -> list[Metric]:
    return list(
        db.session.execute(
            select(Metric)
            .where(
                shared_or_own(Metric),
                Metric.periodicity == periodicity,
                Metric.archived_at.is_(None),
            )
            .order_by(Metric.position, Metric.code)
        ).scalars()
    )


def grid_rows(area_id: int, period: str) -> list[GridRow]:
    periodicity = "year" if len(period) == 4 else "month"
    metrics = grid_metrics(periodicity)
    values = {
        v.metric_id: v
        for v in db.session.execute(
            select(FigureValue).where(FigureValue.area_id == area_id, FigureValue.period == period)
        ).scalars()
    }
    rows = [GridRow(m, values.get(m.id)) for m in metrics]
    if periodicity == "month" and any(r.readonly for r in rows):
        from saas.activities.services import activity_rollup

        totals: dict[str, int] = {}
        for rollup in activity_rollup(period, period, area_id=area_id):
            for code, value in rollup.values.items():
                totals[code] = totals.get(code, 0) + value
        for row in rows:
            if row.readonly:
                row.computed = totals.get(row.metric.code, 0)
    return rows


def fingerprint(rows: list[GridRow]) -> str:
    """Identifies the stored values the user started from (optimistic locking of the grid)."""
    state = "|".join(f"{r.metric.id}:{r.value.version if r.value else 0}" for r in rows)
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def format_value(value: float | None) -> str:
    """A stored value as the grid shows it for editing: the import files' plain notation."""
    return "" if value is None else plain_number(value)


def apply_row_messages(rows: list[GridRow], check: Any, order: list[str]) -> None:
    """Attach the importer's row errors and warnings to the grid rows they came from."""
    by_code = {r.metric.code: r for r in rows}
    for kind in ("errors", "warnings"):
        for message in getattr(check, kind):
            index = message.row - 2
            if 0 <= index < len(order):
                row = by_code[order[index]]
                bucket = getattr(row, kind) or []
                bucket.append(message.message)
                setattr(row, kind, bucket)
