"""Principle rules: the list is ordered 1…n and entries move up and down."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.db import db
from saas.core.operations import Invalid, operation
from saas.core.tenancy import get_or_404
from saas.core.versions import flush
from saas.principles.models import Principle

DIRECTIONS = ("up", "down")


@operation("config.manage")
def move_principle(principle_id: int, direction: str) -> Principle:
    """Swap a principle with its neighbour and renumber the active list 1…n."""
    if direction not in DIRECTIONS:
        raise Invalid(f"unknown direction {direction!r}")
    principle = get_or_404(Principle, principle_id)
    ordered = list(
        db.session.execute(
            select(Principle)
            .where(Principle.archived_at.is_(None))
            .order_by(Principle.position, Principle.id)
        ).scalars()
    )
    if principle in ordered:
        index = ordered.index(principle)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                item.position = position
        flush(principle)
    return principle
