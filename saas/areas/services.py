"""Area rules: trees per hierarchy, valid parents, population figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.core.db import db
from saas.core.operations import Invalid, operation
from saas.core.tenancy import get_or_404
from saas.core.versions import flush


@dataclass
class Node:
    area: Area
    children: list[Node] = field(default_factory=list)


def area_trees() -> dict[str, list[Node]]:
    """Every hierarchy's forest of areas, in two queries."""
    levels = {lvl.id: lvl for lvl in db.session.execute(select(AreaLevel)).scalars()}
    areas = (
        db.session.execute(select(Area).where(Area.archived_at.is_(None)).order_by(Area.code))
        .unique()
        .scalars()
        .all()
    )
    nodes = {a.id: Node(a) for a in areas}
    roots: dict[str, list[Node]] = defaultdict(list)
    for area in areas:
        if area.parent_id in nodes:
            nodes[area.parent_id].children.append(nodes[area.id])
        else:
            roots[levels[area.level_id].hierarchy].append(nodes[area.id])
    return dict(sorted(roots.items()))


def validate_parent(values: Mapping[str, Any], obj: Area | None) -> None:
    """A parent must be a different area of the same hierarchy, higher up, without cycles."""
    parent_id = values.get("parent_id")
    if parent_id is None:
        return
    parents = {a.id: a for a in db.session.execute(select(Area)).unique().scalars()}
    levels = {lvl.id: lvl for lvl in db.session.execute(select(AreaLevel)).scalars()}
    parent = parents.get(parent_id)
    level = levels.get(values.get("level_id"))  # type: ignore[arg-type]
    if parent is None or level is None:
        return  # the select field already rejected it
    parent_level = levels[parent.level_id]
    if parent_level.hierarchy != level.hierarchy or parent_level.position >= level.position:
        raise Invalid(
            _("The parent must be an area on a higher level of the same hierarchy."),
            field="parent_id",
        )
    seen = set()
    current: Area | None = parent
    while current is not None:
        if obj is not None and current.id == obj.id:
            raise Invalid(_("An area cannot be part of itself."), field="parent_id")
        if current.id in seen:
            break
        seen.add(current.id)
        current = parents.get(current.parent_id) if current.parent_id else None


def populations(area: Area) -> list[AreaPopulation]:
    return list(
        db.session.execute(
            select(AreaPopulation)
            .where(AreaPopulation.area_id == area.id)
            .order_by(AreaPopulation.reference_date.desc())
        ).scalars()
    )


POPULATION_FIELDS = ("reference_date", "total", "under_18", "under_21", "source")


@operation("config.manage")
def set_population(
    area_id: int,
    reference_date: date,
    total: int | None = None,
    under_18: int | None = None,
    under_21: int | None = None,
    source: str | None = None,
) -> AreaPopulation:
    """Create or replace an area's figure for one reference date (empty values keep theirs)."""
    area = get_or_404(Area, area_id)
    row = db.session.execute(
        select(AreaPopulation).where(
            AreaPopulation.area_id == area.id, AreaPopulation.reference_date == reference_date
        )
    ).scalar_one_or_none()
    if row is None:
        row = AreaPopulation(area_id=area.id, reference_date=reference_date)
        db.session.add(row)
    for key, value in (
        ("total", total),
        ("under_18", under_18),
        ("under_21", under_21),
        ("source", source),
    ):
        if value is not None:
            setattr(row, key, value)
    flush(row)
    return row


def area_parents() -> list[tuple[int, int | None]]:
    """(area id, parent id) of every area of the current tenant (the trees, in one query)."""
    return [(row.id, row.parent_id) for row in db.session.execute(select(Area.id, Area.parent_id))]
