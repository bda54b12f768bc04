"""Search the tenant's offices, offerings, areas and activities, within the user's scope.

Each kind is one query with the tenant's criteria (the ORM adds them) and the object scope of
a limited membership (:func:`saas.core.permissions.scope_criteria`); activities only for
users who may read the activity log. Case-insensitive substring match on names, codes and
notes; ``%`` and ``_`` typed by the user match themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from saas.activities.models import KINDS, Activity
from saas.areas.models import Area
from saas.core.db import db
from saas.core.permissions import has_permission, scope_criteria
from saas.offerings.models import Offering
from saas.offices.models import Office

MIN_LENGTH = 2
LIMIT = 25


@dataclass
class Hit:
    label: str
    detail: str
    endpoint: str
    object_id: int
    archived: bool = False


@dataclass
class Results:
    query: str
    groups: dict[str, list[Hit]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(hits) for hits in self.groups.values())


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(model: Any, columns: list[Any], term: str) -> Any:
    pattern = _like(term)
    return (
        select(model)
        .where(scope_criteria(model), or_(*(c.ilike(pattern, escape="\\") for c in columns)))
        .limit(LIMIT)
    )


def search(term: str) -> Results:
    """Hits per kind ("offices", "offerings", "areas", "activities"); none for a term shorter
    than :data:`MIN_LENGTH`."""
    term = " ".join(term.split())
    results = Results(term)
    if len(term) < MIN_LENGTH:
        return results
    offices = db.session.execute(
        _matching(Office, [Office.name, Office.code, Office.address], term).order_by(Office.name)
    ).scalars()
    results.groups["offices"] = [
        Hit(o.name, o.address, "offices.detail", o.id, o.archived_at is not None) for o in offices
    ]
    offerings = db.session.execute(
        _matching(Offering, [Offering.name, Offering.code, Offering.description], term).order_by(
            Offering.name
        )
    ).scalars()
    results.groups["offerings"] = [
        Hit(o.name, o.target_groups, "offerings.detail", o.id, o.archived_at is not None)
        for o in offerings
    ]
    areas = db.session.execute(
        _matching(Area, [Area.name, Area.code], term).order_by(Area.code)
    ).scalars()
    results.groups["areas"] = [
        Hit(a.name, a.code, "areas.detail", a.id, a.archived_at is not None) for a in areas
    ]
    if has_permission("activities.log"):
        activities = db.session.execute(
            _matching(Activity, [Activity.note], term).order_by(
                Activity.date.desc(), Activity.id.desc()
            )
        ).scalars()
        results.groups["activities"] = [
            Hit(str(KINDS.get(a.kind, a.kind)), a.note[:120], "activities.detail", a.id)
            for a in activities
        ]
    return results
