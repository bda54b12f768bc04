"""Area rules: trees per hierarchy, valid parents, population figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.core.db import db


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


def validate_parent(form: Any, obj: Area | None) -> bool:
    """A parent must be a different area of the same hierarchy, higher up, without cycles."""
    if form.parent_id.data is None:
        return True
    parents = {a.id: a for a in db.session.execute(select(Area)).unique().scalars()}
    levels = {lvl.id: lvl for lvl in db.session.execute(select(AreaLevel)).scalars()}
    parent = parents.get(form.parent_id.data)
    level = levels.get(form.level_id.data)
    if parent is None or level is None:
        return True  # the select field already rejected it
    parent_level = levels[parent.level_id]
    if parent_level.hierarchy != level.hierarchy or parent_level.position >= level.position:
        form.parent_id.errors.append(
            _("The parent must be an area on a higher level of the same hierarchy.")
        )
        return False
    seen = set()
    current: Area | None = parent
    while current is not None:
        if obj is not None and current.id == obj.id:
            form.parent_id.errors.append(_("An area cannot be part of itself."))
            return False
        if current.id in seen:
            break
        seen.add(current.id)
        current = parents.get(current.parent_id) if current.parent_id else None
    return True


def populations(area: Area) -> list[AreaPopulation]:
    return list(
        db.session.execute(
            select(AreaPopulation)
            .where(AreaPopulation.area_id == area.id)
            .order_by(AreaPopulation.reference_date.desc())
        ).scalars()
    )


def set_population(area: Area, data: dict[str, Any]) -> AreaPopulation:
    """Create or replace the figure for one reference date."""
    row = db.session.execute(
        select(AreaPopulation).where(
            AreaPopulation.area_id == area.id,
            AreaPopulation.reference_date == data["reference_date"],
        )
    ).scalar_one_or_none()
    if row is None:
        row = AreaPopulation(area_id=area.id, reference_date=data["reference_date"])
        db.session.add(row)
    for key in ("total", "under_18", "under_21", "source"):
        setattr(row, key, data.get(key) if data.get(key) is not None else getattr(row, key))
    return row
