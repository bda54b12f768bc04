"""The one implementation of every computed figure: pages, exports, the API and the
comparison publication all call :func:`compute`.

Two steps: :func:`annual_values` turns monthly and yearly figures into one value per
(metric, area, year) by each metric's rules (stocks: the 31 December value; flows: the sum
of the months; yearly metrics: their own value; ``CODE@avg``: the mean of the twelve
monthly values, the running case-years of a stock), and :func:`compute` sums numerators and
denominators over the requested areas before dividing.

Two rules of the published definitions are kept here, so that every output follows them:

* a stock year needs its closing (December) value. Without it the year is *incomplete*
  ("unvollständig"): the key goes to :attr:`AnnualValues.incomplete`, never the value of
  the last month entered, and every indicator resting on it is withheld with the reason
  ``"incomplete"`` (the comparison leaves such years out). ``@avg`` needs all twelve months;
* a rate is shown only when its numerator and denominator cover the same areas; otherwise
  it is withheld with the reason ``"coverage"`` and the areas on one side only
  (25 cases over 2,000 people while one area's population is missing is no rate).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast as cast_type

from sqlalchemy import Integer, case, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import Cast, ColumnElement

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import shared_or_own
from saas.figures.models import FigureValue
from saas.indicators.definitions import ACTIVITY_METRICS, AVERAGE, INDICATORS, Indicator
from saas.metrics.models import Metric
from saas.periods.models import PeriodStatus

Key = tuple[str, int, int]  # (metric code, area id, year)


@dataclass
class AnnualValues:
    """Yearly values per (metric, area, year) and which of them rest on unapproved months.

    ``periods`` and ``approved``: per (area id, year) the bit mask (bit 0 the year itself, bit
    m month m) of the periods with figures of the metrics read, and of the approved periods —
    what tells whether a year is complete and approved (the comparison's published years).
    """

    values: dict[Key, float]
    pending: set[Key]
    periods: dict[tuple[int, int], int] = field(default_factory=dict)
    approved: dict[tuple[int, int], int] = field(default_factory=dict)
    #: stocks without their December value (and ``@avg`` keys without all twelve months)
    incomplete: set[Key] = field(default_factory=set)

    @property
    def incomplete_years(self) -> set[int]:
        """Years with a stock lacking its 31 December value somewhere: "unvollständig".
        (A mean of months lacking one month withholds only the values resting on it.)"""
        return {yr for code, _area, yr in self.incomplete if not code.endswith(AVERAGE)}


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
    #: why the value is withheld although figures exist: "incomplete" (a stock year without
    #: its December value) or "coverage" (numerator and denominator over different areas)
    reason: str | None = None
    #: with "coverage": the areas that carry only the numerator or only the denominator
    uncovered: tuple[int, ...] = ()


def _year_of(period_column: ColumnElement[str] | InstrumentedAttribute[str]) -> Cast[int]:
    return cast(func.substr(period_column, 1, 4), Integer)


def _year_rule(aggregation: str, periodicity: str) -> str:
    """How a metric's year is formed: ``"last"`` (a stock: its last month, 31 December),
    ``"mean"`` (the mean of the months) or ``"sum"`` (flows; yearly figures have one)."""
    if aggregation == "last" and periodicity != "year":
        return "last"
    return "mean" if aggregation == "mean" else "sum"


#: the month bits of a year's period mask (bit m month m)
ALL_MONTHS = sum(1 << month for month in range(1, 13))


def _period_bit(period: str) -> int:
    """The bit of a period in a year's mask: 1 for the year itself, 2**m for month m."""
    return 1 << int(period[5:7]) if len(period) == 7 else 1


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
    incomplete: set[Key] = set()
    activity_codes = codes & set(ACTIVITY_METRICS)
    if activity_codes:
        _activity_values(activity_codes, years, area_ids, values)
    averaged = {code.removesuffix(AVERAGE) for code in codes if code.endswith(AVERAGE)}
    stored_codes = {c for c in codes - activity_codes if not c.endswith(AVERAGE)} | averaged
    # metric id → [(code, how its year is formed)]: a metric read for its closing value and
    # for its mean appears twice
    metrics: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for metric_id, code, aggregation, periodicity in db.session.execute(
        select(Metric.id, Metric.code, Metric.time_aggregation, Metric.periodicity).where(
            Metric.code.in_(stored_codes), shared_or_own(Metric)
        )
    ):
        if code in codes:
            metrics[metric_id].append((code, _year_rule(aggregation, periodicity)))
        if code in averaged and periodicity != "year":
            metrics[metric_id].append((code + AVERAGE, "avg"))
    if not metrics:
        return AnnualValues(values, pending)
    # Two statements, neither of them a join whose size the planner could misjudge (with
    # row-level security it underestimated both sides and chose a nested loop of 12 million
    # comparisons): one aggregate per (metric, area, year) — the sum, the count, the periods
    # present as a bit mask (bit 0 the year itself, bit m month m), the last period and the
    # value of the closing period (December, or the year itself for yearly figures) — and
    # the approved (area, period) pairs. A stock takes the closing value; a stock whose year
    # ends earlier (the current year, a gap) is incomplete. Periods are bounded by plain
    # text comparison ('2015' ≤ '2015-01' … '2024-12' < '2025'): leakproof operators, so
    # under row-level security they remain index conditions of (tenant_id, metric_id, period).
    within = (f"{years[0]:04d}", f"{years[-1] + 1:04d}")
    closing = or_(func.length(FigureValue.period) == 4, FigureValue.period.like("%-12"))
    bit = case(
        {f"{month:02d}": 1 << month for month in range(1, 13)},
        value=func.substr(FigureValue.period, 6, 2),
        else_=1,
    )
    conditions = [
        FigureValue.metric_id.in_(list(metrics)),
        FigureValue.period >= within[0],
        FigureValue.period < within[1],
    ]
    approved_where = [
        PeriodStatus.scope == "area",
        PeriodStatus.state == "approved",
        PeriodStatus.period >= within[0],
        PeriodStatus.period < within[1],
    ]
    if area_ids is not None:
        conditions.append(FigureValue.area_id.in_(list(area_ids)))
        approved_where.append(PeriodStatus.area_id.in_(list(area_ids)))
    year = _year_of(FigureValue.period)
    rows = db.session.execute(
        select(
            FigureValue.metric_id,
            FigureValue.area_id,
            year,
            func.sum(FigureValue.value),
            func.count(),
            func.sum(bit),
            func.max(FigureValue.period),
            func.sum(case((closing, FigureValue.value))),
        )
        .where(*conditions)
        .group_by(FigureValue.metric_id, FigureValue.area_id, year)
    ).all()
    approved: dict[tuple[int, int], int] = defaultdict(int)  # (area, year) → approved mask
    last_approved: set[tuple[int, str]] = set()
    # area rows (approved_where): their area_id is set, though the column allows office rows
    area_statuses = cast_type(
        Iterable[tuple[int, str]],
        db.session.execute(
            select(PeriodStatus.area_id, PeriodStatus.period).where(*approved_where)
        ),
    )
    for area_id, period in area_statuses:
        approved[(area_id, int(period[:4]))] |= _period_bit(period)
        last_approved.add((area_id, period))
    periods: dict[tuple[int, int], int] = defaultdict(int)
    for metric_id, area_id, yr, total, count, present, last, closed in rows:
        periods[(area_id, yr)] |= int(present)
        for code, rule in metrics[metric_id]:
            key = (code, area_id, yr)
            if rule == "last":
                # stocks: the value on 31 December; without it the year is incomplete
                if closed is None:
                    incomplete.add(key)
                    continue
                values[key] = float(closed)
                if (area_id, last) not in last_approved:
                    pending.add(key)
                continue
            if rule == "avg":
                # running case-years: the mean of all twelve monthly stocks
                if int(present) & ALL_MONTHS != ALL_MONTHS:
                    incomplete.add(key)
                    continue
                values[key] = float(total) / 12
            elif rule == "mean":
                values[key] = float(total) / count
            else:  # flows and yearly metrics (one row per year): the sum
                values[key] = float(total)
            if int(present) & ~approved[(area_id, yr)]:
                pending.add(key)  # a month with figures that is not approved
    if approved_only:
        # A year counts only when every month behind it is approved: a partial sum of the
        # approved months would look like a complete, much smaller year.
        values = {key: value for key, value in values.items() if key not in pending}
        pending = set()
    return AnnualValues(values, pending, dict(periods), dict(approved), incomplete)


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


@dataclass
class AreaTree:
    """The current tenant's areas (id → parent, level, code, name) and level codes, read
    once and shared by every computation of a page."""

    level_codes: dict[int, str]
    areas: dict[int, tuple[int | None, int, str, str]]

    @classmethod
    def load(cls, levels: Iterable[AreaLevel] | None = None) -> AreaTree:
        """``levels``: the levels a caller has read already (only their areas can be
        grouped then)."""
        if levels is not None:
            codes = {level.id: level.code for level in levels}
        else:
            codes = {i: c for i, c in db.session.execute(select(AreaLevel.id, AreaLevel.code))}
        areas = {
            area_id: (parent_id, level_id, code, name)
            for area_id, parent_id, level_id, code, name in db.session.execute(
                select(Area.id, Area.parent_id, Area.level_id, Area.code, Area.name)
            )
        }
        return cls(codes, areas)

    def level_of(self, area_id: int) -> int | None:
        found = self.areas.get(area_id)
        return found[1] if found else None

    def name_of(self, area_id: int) -> tuple[str, str] | None:
        """(code, name) of an area."""
        found = self.areas.get(area_id)
        return (found[2], found[3]) if found else None

    def groups(self, level_code: str) -> dict[int, int]:
        """Each area id → the id of its ancestor (or itself) on the level ``level_code``."""
        groups: dict[int, int] = {}
        for area_id in self.areas:
            current: int | None = area_id
            seen = set()
            while current is not None and current in self.areas and current not in seen:
                seen.add(current)
                parent_id, level_id, _code, _name = self.areas[current]
                if self.level_codes.get(level_id) == level_code:
                    groups[area_id] = current
                    break
                current = parent_id
        return groups


def metric_codes(indicators: Iterable[Indicator]) -> set[str]:
    """The metrics ``indicators`` are computed from."""
    return set().union(*(i.metric_codes() for i in indicators))


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
    annual: AnnualValues | None = None,
    tree: AreaTree | None = None,
) -> list[IndicatorValue]:
    """Indicator values for the current tenant.

    ``by``: ``"total"`` (all areas together), ``"area"`` (each area with figures) or
    ``"level"`` (areas summed into their ancestors on ``level``). With ``threshold``, a value
    whose case count lies in (0, threshold) is suppressed (value None, ``suppressed``).
    ``annual``: yearly values already read by :func:`annual_values` (with at least these
    indicators' metrics, years and areas, and the same ``approved_only``), so that several
    computations over the same figures read them once; ``area_ids`` then only selects.
    ``tree``: the areas already read by :meth:`AreaTree.load` (for ``by="level"``).

    A value resting on an incomplete stock year, or a rate whose numerator and denominator
    cover different areas, is withheld (value None) with its ``reason`` (module docstring).
    """
    indicators = [INDICATORS[code] for code in codes]
    years = sorted(set(years))
    needed = metric_codes(indicators)
    wanted_areas = None
    if annual is None:
        annual = annual_values(needed, years, area_ids=area_ids, approved_only=approved_only)
    elif area_ids is not None:
        wanted_areas = set(area_ids)
    wanted_years = set(years)
    groups = None
    if by == "level" and level:
        groups = (tree or AreaTree.load()).groups(level)

    sums: dict[tuple[str, int | str | None, int], float] = defaultdict(float)
    # the areas behind each sum: a rate needs the same areas above and below the line
    areas_of: dict[tuple[str, int | str | None, int], set[int]] = defaultdict(set)
    open_groups: set[tuple[int | str | None, int]] = set()
    # (metric, group, year) with an area whose stock year has no December value
    incomplete: set[tuple[str, int | str | None, int]] = set()

    def group_of(area_id: int) -> tuple[bool, int | str | None]:
        if by == "total":
            return True, None
        if groups is not None:
            found = groups.get(area_id)
            return found is not None, found  # not under the level: left out
        return True, area_id

    group: int | str | None
    for key, value in annual.values.items():
        metric, area_id, yr = key
        if metric not in needed or yr not in wanted_years:
            continue  # read for another computation sharing ``annual``
        if wanted_areas is not None and area_id not in wanted_areas:
            continue
        inside, group = group_of(area_id)
        if not inside:
            continue
        sums[(metric, group, yr)] += value
        areas_of[(metric, group, yr)].add(area_id)
        if key in annual.pending:
            open_groups.add((group, yr))
    for metric, area_id, yr in annual.incomplete:
        if metric not in needed or yr not in wanted_years:
            continue
        if wanted_areas is not None and area_id not in wanted_areas:
            continue
        inside, group = group_of(area_id)
        if inside:
            incomplete.add((metric, group, yr))
    present = set(areas_of) | incomplete
    group_keys = sorted({(g, y) for (_m, g, y) in present}, key=lambda k: (str(k[0]), k[1]))
    if by == "total":
        group_keys = [(None, y) for y in years if any((None, y) == k for k in group_keys)]
    result = []
    for indicator in indicators:
        for group, yr in group_keys:
            num_parts = [(m, group, yr) for m in indicator.numerator]
            den_parts = [(m, group, yr) for m in indicator.denominator]
            numerator = (
                sum(sums[k] for k in num_parts) if any(k in areas_of for k in num_parts) else None
            )
            denominator = (
                sum(sums[k] for k in den_parts) if any(k in areas_of for k in den_parts) else None
            )
            ratio = _ratio(indicator, numerator, denominator)
            reason: str | None = None
            uncovered: tuple[int, ...] = ()
            if any(k in incomplete for k in (*num_parts, *den_parts)):
                reason, ratio = "incomplete", None
                numerator = denominator = None
            elif indicator.is_rate and numerator is not None and denominator is not None:
                above = set().union(*(areas_of.get(k, set()) for k in num_parts))
                below = set().union(*(areas_of.get(k, set()) for k in den_parts))
                if above != below:
                    reason, ratio = "coverage", None
                    uncovered = tuple(sorted(above ^ below))
            if reason is None and numerator is None and denominator is None:
                continue  # neither side has figures in this group and year
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
                    None if suppressed else ratio,
                    suppressed,
                    (group, yr) not in open_groups,
                    reason,
                    uncovered,
                )
            )
    return result
