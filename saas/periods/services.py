"""Period states for key figures (per area) and the activity log (per office).

The workflow itself (states, transitions, their permissions) is declared in
``tenants/_base/workflow.yaml`` and run by :mod:`saas.core.workflow`; this module keeps one
status row per area or office period and moves it. Data of a period may change while its
state is editable (draft, reopened).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from flask import g
from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.db import db
from saas.core.operations import Invalid, check_permission, operation
from saas.core.permissions import ensure_in_scope, in_scope
from saas.core.signals import period_transitioned
from saas.core.workflow import WorkflowError, check_step, perform, workflow
from saas.periods.models import PeriodStatus

SCOPES = ("area", "office")
#: what a user needs to see a period at all, before the step's own permission
ENTRY_PERMISSION = {"area": "figures.enter", "office": "activities.log"}


def period_status(scope: str, ref_id: int, period: str) -> PeriodStatus | None:
    """The status row of one area/office period, or None while it is in the initial state."""
    column = PeriodStatus.area_id if scope == "area" else PeriodStatus.office_id
    return db.session.execute(
        select(PeriodStatus).where(
            PeriodStatus.scope == scope, column == ref_id, PeriodStatus.period == period
        )
    ).scalar_one_or_none()


def _new_period_status(scope: str, ref_id: int, period: str) -> PeriodStatus:
    """A status row in the initial state (only for a step that is being taken)."""
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
    # the rows of this scope carry its id (the column is optional for the other scope)
    return {(cast(int, ref), period): state for ref, period, state in db.session.execute(query)}


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


@operation("tenant.view", scoped=True)
def transition_period(scope: str, ref_id: int, period: str, name: str, reason: str) -> str:
    """Take workflow step ``name`` on an area's or an office's period; returns the new state.

    Needs the entry permission of the scope (figures or activities), the step's own
    permission (checked by the workflow) and the area or office within the user's scope.
    Raises :class:`Invalid` with the workflow's message when the step is not possible;
    nothing is written then (the status row is only created for a step that is taken).
    """
    if scope not in SCOPES:
        raise Invalid(f"unknown period scope: {scope!r}")
    check_permission(ENTRY_PERMISSION[scope])
    ensure_in_scope(**{f"{scope}_id": ref_id})
    status = period_status(scope, ref_id, period)
    before = status.state if status is not None else workflow().initial
    try:
        check_step(before, name, reason)
        if status is None:
            status = _new_period_status(scope, ref_id, period)
        perform(status, name, reason)
    except WorkflowError as error:
        raise Invalid(str(error)) from error
    db.session.flush()
    period_transitioned.send(
        g.get("tenant"),
        scope=scope,
        ref_id=ref_id,
        period=period,
        transition=name,
        before=before,
        after=status.state,
    )
    return status.state


# -- approving many periods at once (the approval desk) ----------------------------------------


@dataclass(frozen=True)
class Step:
    """One period to approve, at the version of its status row the user saw."""

    ref_id: int
    period: str
    version: int | None


class StepsRefused(Invalid):
    """Some periods of a batch cannot be approved: nothing of the batch was approved."""

    def __init__(self, refusals: dict[Step, str]) -> None:
        super().__init__(_("Nothing was approved: some rows cannot be approved (see below)."))
        self.refusals = refusals


def _refusal(scope: str, step: Step) -> str:
    """Why ``step`` cannot be approved now, or an empty string."""
    if not in_scope(**{f"{scope}_id": step.ref_id}):
        return _("Not found.")
    status = period_status(scope, step.ref_id, step.period)
    if status is None or (step.version is not None and status.version != step.version):
        return _("Changed meanwhile by someone else; please look at it again.")
    try:
        check_step(status.state, "approve")
    except WorkflowError as error:
        return str(error)
    return ""


@operation("figures.approve", scoped=True)
def approve_periods(scope: str, steps: list[Step]) -> list[str]:
    """Approve every period of ``steps`` or none: all rows are checked first (object scope,
    the version the user saw, the workflow), and one refusal refuses the batch with the
    reason of every refused row (:class:`StepsRefused`). Each approval then is the single
    step's operation, :func:`transition_period`, with its own checks and signal."""
    if scope not in SCOPES:
        raise Invalid(f"unknown period scope: {scope!r}")
    check_permission(ENTRY_PERMISSION[scope])
    if not steps:
        raise Invalid(_("Please check at least one row."))
    refusals = {step: reason for step in steps if (reason := _refusal(scope, step))}
    if refusals:
        raise StepsRefused(refusals)
    return [transition_period(scope, s.ref_id, s.period, "approve", "") for s in steps]
