"""Figures shown on the tenant dashboard, each one aggregate query regardless of data size."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from saas.auth.models import Membership
from saas.core.db import db


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
