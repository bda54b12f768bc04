"""Counts of the activity log by office, kind, offering or principle and year (ORM queries).

The indicator engine computes the activity roll-ups per area; the annual report also needs
them per office, kind, offering and principle, which have no area. One query per breakdown,
scoped to the current tenant by the ORM like every other query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from saas.activities.models import KINDS, Activity, ActivityPrinciple
from saas.activities.services import month_expr, participants_expr
from saas.core.db import db
from saas.offerings.models import Offering
from saas.offices.models import Office
from saas.periods.models import PeriodStatus
from saas.principles.models import Principle

NO_OFFERING = "-"


@dataclass
class ActivityCounts:
    """Rows (key, label) in display order and (activities, participants) per (key, year)."""

    rows: list[tuple[str, str]]
    values: dict[tuple[str, int], tuple[int, int]]


def _range(years: list[int]) -> list[ColumnElement[bool]]:
    return [
        Activity.date >= date(years[0], 1, 1),
        Activity.date < date(years[-1] + 1, 1, 1),
    ]


def _year() -> ColumnElement[str]:
    return func.substr(month_expr(Activity.date), 1, 4)


def activity_counts(dimension: str, years: Iterable[int]) -> ActivityCounts:
    """Activities and their participants by ``dimension`` and year, for the current tenant."""
    years = sorted(set(years))
    if not years:
        return ActivityCounts([], {})
    year = _year().label("year")
    measures = (func.count(Activity.id), func.sum(participants_expr()))
    key: InstrumentedAttribute[Any]
    if dimension == "office":
        key = Activity.office_id
        query = select(key, year, *measures)
    elif dimension == "kind":
        key = Activity.kind
        query = select(key, year, *measures)
    elif dimension == "offering":
        key = Activity.offering_id
        query = select(key, year, *measures)
    elif dimension == "principle":
        key = ActivityPrinciple.principle_id
        query = select(key, year, *measures).join(
            ActivityPrinciple,
            and_(
                ActivityPrinciple.activity_id == Activity.id,
                ActivityPrinciple.tenant_id == Activity.tenant_id,
            ),
        )
    else:
        raise ValueError(f"unknown activity dimension: {dimension!r}")
    query = query.where(*_range(years)).group_by(key, year)
    values: dict[tuple[str, int], tuple[int, int]] = {}
    for ref, yr, count, participants in db.session.execute(query):
        ref_key = NO_OFFERING if ref is None else str(ref)
        values[(ref_key, int(yr))] = (int(count or 0), int(participants or 0))
    present = {ref for ref, _yr in values}
    return ActivityCounts(_labels(dimension, present), values)


def _labels(dimension: str, present: set[str]) -> list[tuple[str, str]]:
    """Every row with activities, in the tenant's order (archived rows only with data)."""
    if dimension == "kind":
        known = [(code, str(label)) for code, label in KINDS.items()]
        extra = sorted(present - {code for code, _label in known})
        return [(c, label) for c, label in known if c in present] + [(c, c) for c in extra]
    if dimension == "office":
        query = select(Office.id, Office.name).order_by(Office.code)
    elif dimension == "offering":
        query = select(Offering.id, Offering.name).order_by(Offering.name, Offering.code)
    else:
        query = select(Principle.id, Principle.title).order_by(Principle.position, Principle.code)
    rows = [(str(ref), name) for ref, name in db.session.execute(query) if str(ref) in present]
    if dimension == "offering" and NO_OFFERING in present:
        rows.append((NO_OFFERING, _("without offering")))
    return rows


def pending_activity_years(years: Iterable[int]) -> set[int]:
    """Years with activities in an office month that is not approved yet (two queries)."""
    years = sorted(set(years))
    if not years:
        return set()
    month = month_expr(Activity.date).label("month")
    logged = set(
        db.session.execute(select(Activity.office_id, month).where(*_range(years)).distinct()).all()
    )
    if not logged:
        return set()
    approved = set(
        db.session.execute(
            select(PeriodStatus.office_id, PeriodStatus.period).where(
                PeriodStatus.scope == "office",
                PeriodStatus.state == "approved",
                PeriodStatus.period >= f"{years[0]:04d}-01",
                PeriodStatus.period <= f"{years[-1]:04d}-12",
            )
        ).all()
    )
    return {int(m[:4]) for office_id, m in logged if (office_id, m) not in approved}
