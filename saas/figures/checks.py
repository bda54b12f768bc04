"""Checks across the rows of one import and against the stored data.

Duplicates in the file, part ≤ total and the sum of the parts ≤ total (within the file and
against stored values; "darunter" lines such as § 41 are not added to the other parts),
under-18 ≤ under-21 (``rules["at_most"]``), one level of entry per metric and area subtree
(a value for a district whose sub-area has one for the same metric and period, or the
other way round, would be counted twice), locked periods (only changes are refused), which
rows create or change values, and the warnings against the same period of the previous
year. Reads the tenant's metrics and areas, the areas in the user's scope and the stored
values; writes nothing. The entry grid goes through the same checks.
"""

from __future__ import annotations

from collections import defaultdict
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
            within=bool(rules.get("within")),
            at_most=rules.get("at_most") or None,
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
            total_info = metrics[p.metric.part_of]
            metric_ids.add(total_info.id)
            metric_ids.update(part.id for part in parts_of.get(total_info.code, ()))
        metric_ids.update(part.id for part in parts_of.get(p.metric.code, ()))
        if p.metric.at_most in metrics:
            metric_ids.add(metrics[p.metric.at_most].id)
        metric_ids.update(m.id for m in metrics.values() if m.at_most == p.metric.code)
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

    _check_sums(good, failed, metrics, parts_of, file_values, stored_value, error)
    _check_order(good, failed, metrics, file_values, stored_value, error)
    _check_levels(good, failed, error)

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


def _check_sums(
    good: list[Parsed],
    failed: set[int],
    metrics: dict[str, MetricInfo],
    parts_of: dict[str, list[MetricInfo]],
    file_values: dict[Any, Parsed],
    stored_value: Any,
    error: Any,
) -> None:
    """The additive parts of a total (file values before stored ones) add up to ≤ total.

    Each part ≤ total alone lets parts of 3 + 5 stand against a total of 5; the error goes
    to the total's row when the file has it, else to the last part row of the file.
    """
    touched: dict[tuple[str, int, str, str], list[Parsed]] = defaultdict(list)
    for p in good:
        assert p.metric is not None and p.area_id is not None
        if p.row in failed:
            continue
        if p.metric.code in parts_of:
            touched[(p.area_code, p.area_id, p.metric.code, p.period)].append(p)
        if p.metric.part_of in metrics and not p.metric.within:
            touched[(p.area_code, p.area_id, p.metric.part_of or "", p.period)].append(p)

    def value(where: tuple[str, int, str, str], info: MetricInfo) -> float | None:
        area_code, area_id, _total, period = where
        row = file_values.get((area_code, info.code, period))
        if row is not None and row.row not in failed:
            return row.value
        return stored_value(area_id, info, period)

    for where, rows in touched.items():
        total_code = where[2]
        total = value(where, metrics[total_code])
        parts = [
            (info.code, found)
            for info in parts_of[total_code]
            if not info.within and (found := value(where, info)) is not None
        ]
        if total is None or len(parts) < 2:
            continue  # a single part is checked against its total above
        added = sum(v for _code, v in parts)
        if added <= total + 1e-9:
            continue
        own = [r for r in rows if r.metric is not None and r.metric.code == total_code]
        target = own[0] if own else max(rows, key=lambda r: r.row)
        error(
            target.row,
            "value",
            "parts_gt_total",
            total_code=total_code,
            sum=added,
            parts=" + ".join(f"{code} {format_number(v)}" for code, v in parts),
            total=total,
        )
        failed.add(target.row)


def _check_order(
    good: list[Parsed],
    failed: set[int],
    metrics: dict[str, MetricInfo],
    file_values: dict[Any, Parsed],
    stored_value: Any,
    error: Any,
) -> None:
    """A value may not exceed the metric its ``at_most`` names (under-18 ≤ under-21)."""
    for p in good:
        assert p.metric is not None and p.value is not None and p.area_id is not None
        if p.row in failed:
            continue
        pairs: list[tuple[MetricInfo, MetricInfo]] = []  # (smaller, larger)
        if p.metric.at_most in metrics:
            pairs.append((p.metric, metrics[p.metric.at_most or ""]))
        pairs += [(m, p.metric) for m in metrics.values() if m.at_most == p.metric.code]
        for small, large in pairs:
            other = small if large is p.metric else large
            row = file_values.get((p.area_code, other.code, p.period))
            if row is not None and other is small:
                continue  # checked from the smaller metric's row
            found = row.value if row is not None else stored_value(p.area_id, other, p.period)
            if found is None:
                continue
            low, high = (p.value, found) if small is p.metric else (found, p.value)
            if low > high:
                error(
                    p.row,
                    "value",
                    "above_related",
                    value=low,
                    code=small.code,
                    other_code=large.code,
                    other=high,
                )
                failed.add(p.row)
                break


def _check_levels(good: list[Parsed], failed: set[int], error: Any) -> None:
    """One level of entry per metric, period and area subtree: a row whose area has an
    ancestor or descendant with a value of the same metric and period (in the file or
    stored) is an error naming both areas."""
    rows = [p for p in good if p.row not in failed]
    if not rows:
        return
    tree = {
        area_id: (parent_id, code, name)
        for area_id, parent_id, code, name in db.session.execute(
            select(Area.id, Area.parent_id, Area.code, Area.name)
        )
    }
    children: dict[int, list[int]] = defaultdict(list)
    for area_id, (parent_id, _code, _name) in tree.items():
        if parent_id in tree:
            children[parent_id].append(area_id)

    def related(area_id: int) -> set[int]:
        found: set[int] = set()
        parent = tree.get(area_id, (None,))[0]
        while parent is not None and parent in tree and parent not in found:
            found.add(parent)
            parent = tree[parent][0]
        stack = list(children.get(area_id, ()))
        while stack:
            current = stack.pop()
            if current not in found and current != area_id:
                found.add(current)
                stack.extend(children.get(current, ()))
        return found

    relatives = {a: related(a) for a in {p.area_id for p in rows} if a is not None}
    in_file: dict[tuple[int, int, str], Parsed] = {}
    for p in rows:
        assert p.metric is not None and p.area_id is not None
        in_file.setdefault((p.area_id, p.metric.id, p.period), p)
    stored = stored_values(
        set().union(*relatives.values()),
        {p.metric.id for p in rows if p.metric is not None},
        {p.period for p in rows},
    )
    for p in rows:
        assert p.metric is not None and p.area_id is not None
        for other in sorted(relatives.get(p.area_id, ())):
            key = (other, p.metric.id, p.period)
            other_row = in_file.get(key)
            if other_row is None and key not in stored:
                continue
            _parent, code, name = tree[other]
            error(
                p.row,
                "area_code",
                "double_entry",
                code=p.metric.code,
                period=p.period,
                other=f"{name} ({code})",
                area=f"{tree[p.area_id][2]} ({p.area_code})",
            )
            failed.add(p.row)
            break


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
