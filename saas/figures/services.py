"""Period states for figures (per area) and activities (per office)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from saas.core.db import db
from saas.core.signals import period_transitioned
from saas.core.workflow import workflow
from saas.figures.models import PeriodStatus


def period_status(
    scope: str, ref_id: int, period: str, *, create: bool = False
) -> PeriodStatus | None:
    """The status row of one area/office period (created in the initial state if asked)."""
    column = PeriodStatus.area_id if scope == "area" else PeriodStatus.office_id
    status = db.session.execute(
        select(PeriodStatus).where(
            PeriodStatus.scope == scope, column == ref_id, PeriodStatus.period == period
        )
    ).scalar_one_or_none()
    if status is None and create:
        status = PeriodStatus(
            scope=scope, period=period, state=workflow().initial, **{f"{scope}_id": ref_id}
        )
        db.session.add(status)
        db.session.flush()
    return status


def states(
    scope: str, ref_ids: Iterable[int] | None = None, periods: Iterable[str] | None = None
) -> dict[tuple[int, str], str]:
    """(area or office id, period) → state, for all existing status rows (one query)."""
    column = PeriodStatus.area_id if scope == "area" else PeriodStatus.office_id
    query = select(column, PeriodStatus.period, PeriodStatus.state).where(
        PeriodStatus.scope == scope
    )
    if ref_ids is not None:
        query = query.where(column.in_(list(ref_ids)))
    if periods is not None:
        query = query.where(PeriodStatus.period.in_(list(periods)))
    return {(ref, period): state for ref, period, state in db.session.execute(query)}


def is_editable(
    scope: str, ref_id: int, period: str, known: dict[tuple[int, str], str] | None = None
) -> bool:
    """Whether data of this period may still be changed (draft or reopened)."""
    lookup = known if known is not None else states(scope, [ref_id], [period])
    state = lookup.get((ref_id, period), workflow().initial)
    return workflow().state(state).editable


def locked_area_periods(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (area id, period) pairs are not editable any more (one query)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    known = states("area", {a for a, _ in pairs}, {p for _, p in pairs})
    return {pair for pair in pairs if not is_editable("area", pair[0], pair[1], known)}


def transition_period(
    scope: str, ref_id: int, label: str, period: str, name: str, reason: str
) -> None:
    """Perform one workflow step on an area or office period and tell the user."""
    from flask import flash, g
    from flask_babel import gettext as _

    from saas.core.workflow import WorkflowError, perform

    status = period_status(scope, ref_id, period, create=True)
    before = status.state
    try:
        perform(status, name, reason)
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return
    period_transitioned.send(
        g.tenant,
        scope=scope,
        ref_id=ref_id,
        period=period,
        transition=name,
        before=before,
        after=status.state,
    )
    db.session.flush()
    flash(
        _(
            "%(name)s, %(period)s: %(state)s",
            name=label,
            period=period,
            state=workflow().state(status.state).title,
        ),
        "success",
    )
