"""Checks across the rows of one import and against the stored data.

Duplicates in the file, part ≤ total (within the file and against stored values), locked
periods (only changes are refused), which rows create or change values, and the warnings
against the same period of the previous year. Reads the tenant's metrics, the areas in the
user's scope and the stored values; writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.imports import RowWarning
from saas.core.permissions import scope_criteria
from saas.core.tenancy import shared_or_own
from saas.figures.messages import format_number, message
from saas.figures.models import FigureValue
from saas.figures.reading import COLUMNS
from saas.figures.validation import (
    ImportCheck,
    ImportRow,
    MetricInfo,
    Parsed,
    Update,
    previous_period,
)
from saas.metrics.models import Metric
from saas.periods.services import locked_area_periods

_CHUNK = 500


def load_metrics() -> dict[str, MetricInfo]:
    """Metrics visible to the current tenant by code; a local metric wins over a shared one."""
    found = db.session.execute(select(Metric).where(shared_or_own(Metric))).scalars()
    result: dict[str, MetricInfo] = {}
    for metric in sorted(found, key=lambda m: m.tenant_id is not None):
        rules = metric.rules or {}
        result[metric.code] = MetricInfo(
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


def load_areas() -> dict[str, int]:
    """Codes of the areas in the user's scope: any other area is an unknown area."""
    query = select(Area.id, Area.code).where(scope_criteria(Area))
    return {code: id_ for id_, code in db.session.execute(query)}


def chunks(items: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stored_values(
    area_ids: set[int], metric_ids: set[int], periods: set[str]
) -> dict[tuple[int, int, str], tuple[float, int]]:
    """(area id, metric id, period) → (value, figure id) of stored values (few queries)."""
    result: dict[tuple[int, int, str], tuple[float, int]] = {}
    if not area_ids or not metric_ids or not periods:
        return result
    for areas in chunks(sorted(area_ids)):
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


def check_file(
    check: ImportCheck, parsed: list[Parsed], metrics: dict[str, MetricInfo], error: Any
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

    parts_of: dict[str, list[MetricInfo]] = {}
    for info in metrics.values():
        if info.part_of:
            parts_of.setdefault(info.part_of, []).append(info)
    area_ids = {p.area_id for p in good if p.area_id is not None}
    metric_ids: set[int] = set()
    periods: set[str] = set()
    for p in good:
        assert p.metric is not None
        metric_ids.add(p.metric.id)
        periods.update((p.period, previous_period(p.period)))
        if p.metric.part_of in metrics:
            metric_ids.add(metrics[p.metric.part_of].id)
        metric_ids.update(part.id for part in parts_of.get(p.metric.code, ()))
    stored = stored_values(area_ids, metric_ids, periods)

    def stored_value(area_id: int, metric: MetricInfo, period: str) -> float | None:
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
    changes: list[tuple[Parsed, tuple[float, int] | None]] = []
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
    p: Parsed,
    file_values: dict[Any, Parsed],
    stored: dict[tuple[int, int, str], tuple[float, int]],
    metrics: dict[str, MetricInfo],
) -> None:
    assert p.metric is not None and p.value is not None
    prev_period = previous_period(p.period)
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
