"""Which areas an office's impact analysis compares: the treated and the control group.

See :mod:`saas.impact.services` for the rules; this module only knows the area trees, the
office links and which areas carry figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import case, func, select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import all_tenants, current_tenant_id, shared_or_own
from saas.figures.models import FigureValue
from saas.indicators.definitions import INDICATORS
from saas.metrics.models import Metric
from saas.offices.models import Office, OfficeArea
from saas.tenants.models import Tenant

INDICATOR = "HZE_ECKWERT"
#: the window of years before and after the opening: default, smallest, largest
WINDOW_DEFAULT, WINDOW_MIN, WINDOW_MAX = 3, 1, 5


def _tenant(tenant_id: int | None) -> Tenant | None:
    if tenant_id is None:
        return None
    with all_tenants():
        return db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one_or_none()


class AreaGroups:
    """The current tenant's areas, office links, figure areas and data years (loaded once)."""

    def __init__(self) -> None:
        areas = list(db.session.execute(select(Area)).unique().scalars())
        self.by_id: dict[int, Area] = {a.id: a for a in areas}
        self.children: dict[int, list[int]] = defaultdict(list)
        for area in areas:
            if area.parent_id in self.by_id:
                self.children[area.parent_id].append(area.id)
        self.offices = list(db.session.execute(select(Office).order_by(Office.name)).scalars())
        self.links: dict[int, list[int]] = defaultdict(list)
        for office_id, area_id in db.session.execute(
            select(OfficeArea.office_id, OfficeArea.area_id).order_by(OfficeArea.area_id)
        ):
            self.links[office_id].append(area_id)
        metric_ids = list(
            db.session.execute(
                select(Metric.id).where(
                    Metric.code.in_(INDICATORS[INDICATOR].metric_codes()), shared_or_own(Metric)
                )
            ).scalars()
        )
        self.figure_areas: set[int] = set()
        self.data_years: tuple[int, int] | None = None
        if metric_ids:
            self.figure_areas = set(
                db.session.execute(
                    select(FigureValue.area_id)
                    .where(FigureValue.metric_id.in_(metric_ids))
                    .distinct()
                ).scalars()
            )
            # the last year is the last one with a closing (December) value: a year still
            # running is "unvollständig" and no year of the analysis
            first, last = db.session.execute(
                select(
                    func.min(FigureValue.period),
                    func.max(case((FigureValue.period.like("%-12"), FigureValue.period))),
                ).where(FigureValue.metric_id.in_(metric_ids))
            ).one()
            if first and last:
                self.data_years = (int(first[:4]), int(last[:4]))
        self.tenant = _tenant(current_tenant_id())
        #: the values published reports showed, read once for every office analysed
        #: (:func:`saas.impact.services._mark_revised`)
        self.published: dict[tuple[str, int | None, int], set[float]] | None = None

    def subtree(self, area_id: int) -> list[int]:
        result, stack, seen = [], [area_id], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.by_id:
                continue
            seen.add(current)
            result.append(current)
            stack.extend(self.children.get(current, []))
        return result

    def ancestors(self, area_id: int) -> list[int]:
        """Proper ancestors, nearest first."""
        result, seen = [], {area_id}
        parent = self.by_id[area_id].parent_id if area_id in self.by_id else None
        while parent is not None and parent in self.by_id and parent not in seen:
            seen.add(parent)
            result.append(parent)
            parent = self.by_id[parent].parent_id
        return result

    def hierarchy(self, area_id: int) -> str:
        level = self.by_id[area_id].level
        return level.hierarchy if level is not None else "main"

    def outermost(self, area_ids: Iterable[int]) -> list[int]:
        """Leave out areas whose ancestor is in the set too (no double counting)."""
        chosen = set(area_ids)
        keep = [a for a in chosen if not any(p in chosen for p in self.ancestors(a))]
        return sorted(keep, key=lambda a: (self.by_id[a].code, a))

    def treated(self, office: Office) -> tuple[list[int], bool]:
        """Figure areas served by the office, and whether an ancestor stands in for one."""
        result: set[int] = set()
        partial = False
        for area_id in self.links.get(office.id, []):
            below = [a for a in self.subtree(area_id) if a in self.figure_areas]
            if below:
                result.update(below)
                continue
            above = [a for a in self.ancestors(area_id) if a in self.figure_areas]
            if above:
                result.add(above[0])
                partial = True
        return self.outermost(result), partial

    def touched(self, office: Office) -> set[int]:
        """Every area an office's links reach: linked, below a link or above one."""
        result: set[int] = set()
        for area_id in self.links.get(office.id, []):
            result.update(self.subtree(area_id))
            result.update(self.ancestors(area_id))
        return result

    def control(self, first: int, last: int, hierarchies: set[str]) -> list[int]:
        start, end = date(first, 1, 1), date(last, 12, 31)
        served: set[int] = set()
        for office in self.offices:
            if open_between(office, start, end):
                served |= self.touched(office)
        return self.outermost(
            a
            for a in self.figure_areas
            if a not in served and a in self.by_id and self.hierarchy(a) in hierarchies
        )

    def names(self, area_ids: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.by_id[a].name for a in area_ids)


def open_between(office: Office, start: date, end: date) -> bool:
    """Whether the office was open at some time in [start, end] (no opening date: always)."""
    opened_ok = office.opened_on is None or office.opened_on <= end
    closed_ok = office.closed_on is None or office.closed_on > start
    return opened_ok and closed_ok
