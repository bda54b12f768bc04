"""The one implementation of every computed figure: pages, exports, the API and the
comparison publication all call :func:`compute`.

Two steps: :func:`annual_values` turns monthly and yearly figures into one value per
(metric, area, year) by each metric's rules (stocks: the last month of the year, i.e. the
31 December value; flows: the sum of the months; yearly metrics: their own value), and
:func:`compute` sums numerators and denominators over the requested areas before dividing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, and_, case, cast, func, select

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import shared_or_own
from saas.figures.models import FigureValue, PeriodStatus
from saas.indicators.definitions import ACTIVITY_METRICS, INDICATORS, Indicator
from saas.metrics.models import Metric

Key = tuple[str, int, int]  # (metric code, area id, year)


@dataclass
class AnnualValues:
    """Yearly values per (metric, area, year) and which of them rest on unapproved months."""

    values: dict[Key, float]
    pending: set[Key]


@dataclass(frozen=True)
class IndicatorValue:
    """One computed value; ``group`` is an area id, a group label, or None for the total."""

    indicator: str
    year: int
    group: int | str | None
    numerator: float | None
    denominator: float | None
    value: float | None
    suppressed: bool = False
    approved: bool = True


def _year_of(period_column: object) -> object:
    return cast(func.substr(period_column, 1, 4), Integer)


def annual_values(
    metric_codes: Iterable[str],
    years: Iterable[int],
    *,
    area_ids: Iterable[int] | None = None,
    approved_only: bool = False,
) -> AnnualValues:
    """One value per (metric, area, year) of the current tenant, by each metric's rules."""
    codes = set(metric_codes)
    years = sorted(set(years))
    values: dict[Key, float] = {}
    pending: set[Key] = set()
    if not codes or not years:
        return AnnualValues(values, pending)
    activity_codes = codes & set(ACTIVITY_METRICS)
    if activity_codes:
        _activity_values(activity_codes, years, area_ids, values)
    metrics = {
        m.id: m
        for m in db.session.execute(
            select(Metric).where(Metric.code.in_(codes - activity_codes), shared_or_own(Metric))
        ).scalars()
    }
    if not metrics:
        return AnnualValues(values, pending)
    year = _year_of(FigureValue.period)
    approved = PeriodStatus.state == "approved"
    status_join = and_(
        PeriodStatus.scope == "area",
        PeriodStatus.area_id == FigureValue.area_id,
        PeriodStatus.period == FigureValue.period,
    )
    base = [FigureValue.metric_id.in_(list(metrics)), year >= years[0], year <= years[-1]]
    if area_ids is not None:
        base.append(FigureValue.area_id.in_(list(area_ids)))
    unapproved = func.sum(case((approved, 0), else_=1))

    # flows and yearly metrics: sum (a yearly metric has one row per year)
    summed = [
        i for i, m in metrics.items() if m.time_aggregation != "last" or m.periodicity == "year"
    ]
    if summed:
        rows = db.session.execute(
            select(
                FigureValue.metric_id,
                FigureValue.area_id,
                year.label("year"),
                func.sum(FigureValue.value),
                func.count(),
                unapproved,
            )
            .outerjoin(PeriodStatus, status_join)
            .where(*base, FigureValue.metric_id.in_(summed))
            .group_by(FigureValue.metric_id, FigureValue.area_id, year)
        )
        for metric_id, area_id, yr, total, count, open_rows in rows:
            metric = metrics[metric_id]
            value = total / count if metric.time_aggregation == "mean" else total
            key = (metric.code, area_id, yr)
            values[key] = float(value)
            if open_rows:
                pending.add(key)

    # stocks: the value of the last month of the year that has one (31 December)
    stocks = [i for i in metrics if i not in summed]
    if stocks:
        last = (
            select(
                FigureValue.metric_id,
                FigureValue.area_id,
                func.max(FigureValue.period).label("period"),
            )
            .where(*base, FigureValue.metric_id.in_(stocks))
            .group_by(FigureValue.metric_id, FigureValue.area_id, year)
            .subquery()
        )
        rows = db.session.execute(
            select(
                FigureValue.metric_id,
                FigureValue.area_id,
                year,
                FigureValue.value,
                PeriodStatus.state,
            )
            .join(
                last,
                and_(
                    last.c.metric_id == FigureValue.metric_id,
                    last.c.area_id == FigureValue.area_id,
                    last.c.period == FigureValue.period,
                ),
            )
            .outerjoin(PeriodStatus, status_join)
        )
        for metric_id, area_id, yr, value, state in rows:
            key = (metrics[metric_id].code, area_id, yr)
            values[key] = float(value)
            if state != "approved":
                pending.add(key)
    if approved_only:
        # A year counts only when every month behind it is approved: a partial sum of the
        # approved months would look like a complete, much smaller year.
        values = {key: value for key, value in values.items() if key not in pending}
        pending = set()
    return AnnualValues(values, pending)


def _activity_values(
    codes: set[str], years: list[int], area_ids: Iterable[int] | None, values: dict[Key, float]
) -> None:
    from saas.activities.services import activity_rollup

    wanted = set(area_ids) if area_ids is not None else None
    for row in activity_rollup(f"{years[0]:04d}-01", f"{years[-1]:04d}-12"):
        if row.area_id is None or (wanted is not None and row.area_id not in wanted):
            continue
        yr = int(row.month[:4])
        for code in codes:
            key = (code, row.area_id, yr)
            values[key] = values.get(key, 0.0) + row.values[code]


def level_groups(level_code: str) -> dict[int, int]:
    """Each area id → the id of its ancestor (or itself) on the level ``level_code``."""
    levels = {lvl.id: lvl.code for lvl in db.session.execute(select(AreaLevel)).scalars()}
    areas = {a.id: a for a in db.session.execute(select(Area)).unique().scalars()}
    groups: dict[int, int] = {}
    for area in areas.values():
        current: Area | None = area
        seen = set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            if levels.get(current.level_id) == level_code:
                groups[area.id] = current.id
                break
            current = areas.get(current.parent_id) if current.parent_id else None
    return groups


def _ratio(
    indicator: Indicator, numerator: float | None, denominator: float | None
) -> float | None:
    if numerator is None:
        return None
    if not indicator.is_rate:
        return numerator
    if not denominator:
        return None
    return numerator / denominator * indicator.scale


def compute(
    codes: Iterable[str],
    years: Iterable[int],
    *,
    area_ids: Iterable[int] | None = None,
    by: str = "total",
    level: str | None = None,
    approved_only: bool = False,
    threshold: int | None = None,
) -> list[IndicatorValue]:
    """Indicator values for the current tenant.

    ``by``: ``"total"`` (all areas together), ``"area"`` (each area with figures) or
    ``"level"`` (areas summed into their ancestors on ``level``). With ``threshold``, a value
    whose case count lies in (0, threshold) is suppressed (value None, ``suppressed``).
    """
    indicators = [INDICATORS[code] for code in codes]
    years = sorted(set(years))
    metric_codes = set().union(*(i.metric_codes() for i in indicators)) if indicators else set()
    annual = annual_values(metric_codes, years, area_ids=area_ids, approved_only=approved_only)
    groups = level_groups(level) if by == "level" and level else None

    def group_of(area_id: int) -> int | str | None:
        if by == "total":
            return None
        if groups is not None:
            return groups.get(area_id)
        return area_id

    sums: dict[tuple[str, int | str | None, int], float] = defaultdict(float)
    present: set[tuple[str, int | str | None, int]] = set()
    open_groups: set[tuple[int | str | None, int]] = set()
    for (metric, area_id, yr), value in annual.values.items():
        group = group_of(area_id)
        if by != "total" and group is None:
            continue
        sums[(metric, group, yr)] += value
        present.add((metric, group, yr))
        if (metric, area_id, yr) in annual.pending:
            open_groups.add((group, yr))
    group_keys = sorted({(g, y) for (_m, g, y) in present}, key=lambda k: (str(k[0]), k[1]))
    if by == "total":
        group_keys = [(None, y) for y in years if any((None, y) == k for k in group_keys)]
    result = []
    for indicator in indicators:
        for group, yr in group_keys:
            num_parts = [(m, group, yr) for m in indicator.numerator]
            den_parts = [(m, group, yr) for m in indicator.denominator]
            numerator = (
                sum(sums[k] for k in num_parts) if any(k in present for k in num_parts) else None
            )
            denominator = (
                sum(sums[k] for k in den_parts) if any(k in present for k in den_parts) else None
            )
            value = _ratio(indicator, numerator, denominator)
            suppressed = bool(
                threshold
                and indicator.counts_cases
                and numerator is not None
                and 0 < numerator < threshold
            )
            result.append(
                IndicatorValue(
                    indicator.code,
                    yr,
                    group,
                    None if suppressed else numerator,
                    None if suppressed else denominator,
                    None if suppressed else value,
                    suppressed,
                    (group, yr) not in open_groups,
                )
            )
    return result
