"""A tenant's part in the comparison: joining and leaving rings, publishing its figures,
reading a ring's comparison.

The computation lives in :mod:`saas.comparison.services`; these operations are the way in
for pages, commands and background jobs: they check the permission and flush, the commit
point commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort
from sqlalchemy import select

from saas.comparison.models import ComparisonRing, RingParticipation
from saas.comparison.services import (
    Comparison,
    join_ring,
    leave_ring,
    refresh_all,
    refresh_publication,
    ring_comparison,
)
from saas.core.db import db
from saas.core.operations import operation
from saas.settings.services import current_tenant


def _active_ring(ring_id: int) -> ComparisonRing:
    ring = db.session.execute(
        select(ComparisonRing).where(
            ComparisonRing.id == ring_id, ComparisonRing.archived_at.is_(None)
        )
    ).scalar_one_or_none()
    if ring is None:
        abort(404)
    return ring


@operation("config.manage")
def join(ring_id: int) -> ComparisonRing | None:
    """Take part in an active ring (and publish at once); None when already taking part."""
    ring = _active_ring(ring_id)
    if not join_ring(ring):
        return None
    refresh_publication(current_tenant())
    return ring


@operation("config.manage")
def leave(ring_id: int) -> ComparisonRing | None:
    """Stop taking part in a ring; the publication is withdrawn after the last ring."""
    ring = _active_ring(ring_id)
    if not leave_ring(ring):
        return None
    refresh_publication(current_tenant())
    return ring


@operation("reports.publish")
def publish() -> int:
    """Refresh the current tenant's publication of approved figures; the number of values."""
    return refresh_publication(current_tenant())


@operation("platform.manage")
def publish_all(slugs: list[str] | None = None) -> dict[str, int]:
    """Refresh the publication of the given (default: every active) tenants (operators)."""
    return refresh_all(slugs)


def participating_ring(ring_id: int) -> ComparisonRing:
    """A ring the current tenant takes part in; any other answers 404 like a foreign object."""
    ring = db.session.execute(
        select(ComparisonRing).where(
            ComparisonRing.id == ring_id,
            ComparisonRing.archived_at.is_(None),
            # the tenant's own participation rows only (scoped like every tenant query)
            ComparisonRing.id.in_(select(RingParticipation.ring_id)),
        )
    ).scalar_one_or_none()
    if ring is None:
        abort(404)
    return ring


@operation("reports.view")
def compare(
    ring_id: int,
    codes: Sequence[str],
    years: tuple[int | None, int | None] = (None, None),
    *,
    per_1000: bool = True,
) -> tuple[ComparisonRing, Comparison]:
    """The comparison of a ring the current tenant takes part in (the ring page, its exports
    in the request or as a job); 404 for any other ring."""
    ring = participating_ring(ring_id)
    return ring, ring_comparison(ring, codes, years, per_1000=per_1000)
