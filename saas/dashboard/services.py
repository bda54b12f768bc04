"""Figures shown on the tenant dashboard, each one aggregate query regardless of data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

from flask import g
from flask_babel import get_locale
from sqlalchemy import func, select

from saas.auth.models import Membership
from saas.core.db import db
from saas.core.formatting import language
from saas.core.permissions import scope_criteria
from saas.periods.desk import Completeness, completeness
from saas.periods.models import PeriodStatus
from saas.reports.result import MISSING, PROVISIONAL, legend


@dataclass
class DashboardSummary:
    members: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def counted() -> list[tuple[str, type]]:
    """(label key, model) pairs counted on the dashboard."""
    from saas.areas.models import Area
    from saas.carriers.models import Carrier
    from saas.offerings.models import Offering
    from saas.offices.models import Office

    return [("offices", Office), ("areas", Area), ("carriers", Carrier), ("offerings", Offering)]


def dashboard_summary() -> DashboardSummary:
    """Counts of the current tenant's records, one query for all of them."""
    columns = [
        select(func.count())
        .select_from(Membership)
        .where(Membership.revoked_at.is_(None))
        .scalar_subquery()
        .label("members")
    ]
    for key, model in counted():
        query = select(func.count()).select_from(model)
        if hasattr(model, "archived_at"):
            query = query.where(model.archived_at.is_(None))
        columns.append(query.scalar_subquery().label(key))
    row = db.session.execute(select(*columns)).one()
    summary = DashboardSummary(members=row.members)
    summary.counts = {key: getattr(row, key) for key, _ in counted()}
    return summary


# -- what each role acts on ---------------------------------------------------------------------
#
# Every block below is a fixed number of queries, whatever the amount of data (the query-count
# test holds the dashboard to that).


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


@dataclass
class Week:
    """The activities of this week in the user's scope (the newest few, and how many)."""

    count: int
    latest: list[Any]


def this_week(today: date, limit: int = 8) -> Week:
    from saas.activities.models import Activity

    query = select(Activity).where(scope_criteria(Activity), Activity.date >= week_start(today))
    count = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    latest = db.session.execute(
        query.order_by(Activity.date.desc(), Activity.id.desc()).limit(limit)
    ).scalars()
    return Week(count, list(latest))


def _refs(model: Any) -> list[tuple[int, str]]:
    query = select(model.id, model.name).where(scope_criteria(model))
    if hasattr(model, "archived_at"):
        query = query.where(model.archived_at.is_(None))
    return [(i, n) for i, n in db.session.execute(query.order_by(model.name))]


def month_completeness(period: str) -> dict[str, Completeness]:
    """Of one month: which offices (activities) and areas (figures) in scope have submitted."""
    from saas.areas.models import Area
    from saas.offices.models import Office

    return {
        "office": completeness("office", _refs(Office), [period])[0],
        "area": completeness("area", _refs(Area), [period])[0],
    }


@dataclass(frozen=True)
class Waiting:
    scope: str  # "area" (key figures) or "office" (activity months)
    period: str
    count: int


def waiting_for_approval(limit: int = 12) -> list[Waiting]:
    """Submitted periods in scope by scope and period, the newest first (one query)."""
    rows = db.session.execute(
        select(PeriodStatus.scope, PeriodStatus.period, func.count().label("n"))
        .where(PeriodStatus.state == "submitted", scope_criteria(PeriodStatus))
        .group_by(PeriodStatus.scope, PeriodStatus.period)
        .order_by(PeriodStatus.period.desc())
        .limit(limit)
    )
    return [Waiting(scope, period, n) for scope, period, n in rows]


#: the key indicators of the dashboard: rates, so the ring's values compare directly
KEY_INDICATORS: tuple[str, ...] = ("HZE_ECKWERT", "HZE_STAT_SHARE", "HZE_EXP_PER_U21")
TREND_YEARS = 8


@dataclass
class Trend:
    """One key indicator over the last years, with the previous year and the ring's median."""

    code: str
    label: str
    unit: str
    years: list[int]
    values: list[float | None]
    ring: list[float | None]
    ring_name: str = ""
    #: years whose value rests on months not approved yet (flag "p", as in the reports)
    provisional: frozenset[int] = frozenset()

    def flag(self, year: int | None) -> str:
        """The reports' flag of a year's value: "p" provisional, else none."""
        return PROVISIONAL if year in self.provisional else ""

    @property
    def change_flag(self) -> str:
        """The change rests on the latest year and the one before: "p" if either is."""
        found = self.latest
        if found is None:
            return ""
        index = self.years.index(found[0])
        before = self.years[index - 1] if index > 0 else None
        return PROVISIONAL if found[0] in self.provisional or before in self.provisional else ""

    @property
    def latest(self) -> tuple[int, float] | None:
        for year, value in zip(reversed(self.years), reversed(self.values), strict=True):
            if value is not None:
                return year, value
        return None

    @property
    def change(self) -> float | None:
        """Change against the year before the latest, in per cent."""
        found = self.latest
        if found is None:
            return None
        index = self.years.index(found[0])
        before = self.values[index - 1] if index > 0 else None
        return (found[1] - before) / abs(before) * 100 if before else None

    @property
    def ring_latest(self) -> float | None:
        found = self.latest
        return self.ring[self.years.index(found[0])] if found is not None else None


def key_trends(today: date) -> list[Trend]:
    """The key indicators of the whole municipality for the last years with figures, and the
    median of the other members of the first comparison ring the municipality takes part in.
    Empty when there are no figures yet (the page then says what to do). A value the
    protected cube withholds is left out, as in the reports."""
    from saas.comparison.services import active_rings, own_participations, ring_comparison
    from saas.indicators.definitions import INDICATORS
    from saas.indicators.engine import compute
    from saas.protection.service import tenant_cube

    years = list(range(today.year - TREND_YEARS, today.year))
    computed = [
        v for v in compute(KEY_INDICATORS, years) if v.group is None and v.value is not None
    ]
    # the municipality's cells as every other output has them: withheld where the protected
    # cube withholds them (a small town's two § 34 cases, the expenditure that gives them)
    cube = tenant_cube({v.year for v in computed}, g.get("tenant")) if computed else None
    values = {
        (v.indicator, v.year): v.value
        for v in computed
        if cube is None or not cube.withholds(v.indicator, None, v.year)
    }
    pending = {(v.indicator, v.year) for v in computed if not v.approved}
    with_data = sorted({v.year for v in computed})  # withheld years stay, as gaps
    if not with_data:
        return []
    years = [y for y in years if with_data[0] <= y <= with_data[-1]]
    joined = own_participations()
    rings = [ring for ring in active_rings() if ring.id in joined]
    ring_values: dict[tuple[str, int], float] = {}
    ring_name = ""
    if rings:
        comparison = ring_comparison(rings[0], KEY_INDICATORS, (years[0], years[-1]))
        ring_name = rings[0].name
        own = g.tenant.id if g.get("tenant") is not None else None
        for table in comparison.tables:
            for i, year in enumerate(comparison.years):
                others = [
                    value
                    for member, cells in table.rows
                    if member.id != own and (value := cells[i].value) is not None
                ]
                if others:
                    ring_values[(table.indicator.code, year)] = median(others)
    return [
        Trend(
            code,
            INDICATORS[code].label_en
            if language(get_locale()) == "en"
            else INDICATORS[code].label_de,
            INDICATORS[code].unit,
            years,
            [values.get((code, y)) for y in years],
            [ring_values.get((code, y)) for y in years],
            ring_name,
            frozenset(y for y in years if (code, y) in pending),
        )
        for code in KEY_INDICATORS
    ]


def trend_legend(trends: list[Trend] | None, threshold: int) -> list[tuple[str, str]]:
    """The reports' legend of the flags the trends table carries: "p" after a provisional
    latest value or change, "." for a change that cannot be computed."""
    used: set[str] = set()
    for t in trends or []:
        if t.latest is not None:
            used.update(t.flag(t.latest[0]), t.change_flag)
            if t.change is None:
                used.add(MISSING)
    return legend(used - {""}, threshold)
