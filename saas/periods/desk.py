"""The approval desk: one period's rows (areas or offices), grouped by state, with hints.

What is the same for key figures (per area) and the activity log (per office) lives here:
which period the desk opens on, the order of the state groups, the plausibility hints, the
workflow history of the status rows and the completeness of a month. The views hand in the
numbers (figures or activity counts); this module reads only period states and the audit log.

Plausibility hints follow DHIS2's outlier detection, with two rules a reader can check:

* **previous year**: the value differs from the same period a year earlier by more than
  :data:`YEAR_THRESHOLD` (50 %) and by at least :data:`MIN_DIFFERENCE` units (small numbers
  jump without meaning anything);
* **z-score**: the value lies more than :data:`Z_THRESHOLD` (3) standard deviations from the
  mean of the last :data:`HISTORY` periods (at least :data:`MIN_HISTORY` values needed), and
  again by at least :data:`MIN_DIFFERENCE` units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import mean, pstdev
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.formatting import format_fixed
from saas.core.tenancy import current_tenant_id
from saas.core.workflow import State, Transition, workflow
from saas.periods.models import PeriodStatus

YEAR_THRESHOLD = 0.5
MIN_DIFFERENCE = 5.0
Z_THRESHOLD = 3.0
HISTORY = 12
MIN_HISTORY = 6

#: the state groups in the order an approver works through them (who may approve sees the
#: submitted rows first; everybody else the rows they still have to submit)
APPROVER_ORDER = ("submitted", "reopened", "draft", "approved")
SUBMITTER_ORDER = ("reopened", "draft", "submitted", "approved")


# -- periods ----------------------------------------------------------------------------------


def shift_month(period: str, months: int) -> str:
    """'YYYY-MM' moved by ``months`` (negative: back)."""
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_period(period: str) -> str:
    """The period before: the month before, or the year before for a yearly period."""
    return f"{int(period) - 1:04d}" if len(period) == 4 else shift_month(period, -1)


def next_period(period: str) -> str:
    """The period after: the next month, or the next year for a yearly period."""
    return f"{int(period) + 1:04d}" if len(period) == 4 else shift_month(period, 1)


def year_before(period: str) -> str:
    """The same period one year earlier."""
    return f"{int(period) - 1:04d}" if len(period) == 4 else shift_month(period, -12)


def last_periods(period: str, count: int) -> list[str]:
    """``count`` periods before ``period`` (oldest first), without ``period`` itself."""
    found, current = [], period
    for _i in range(count):
        current = previous_period(current)
        found.append(current)
    return found[::-1]


def last_month(today: date | None = None) -> str:
    """The last complete month before today."""
    today = today or date.today()
    return shift_month(f"{today.year:04d}-{today.month:02d}", -1)


def opening_period(with_data: Iterable[str], today: date | None = None) -> str:
    """The month the desk opens on: the latest month with data up to the last complete one
    (not the empty current month or year); the last complete month when nothing has data."""
    limit = last_month(today)
    months = [p for p in with_data if len(p) == 7 and p <= limit]
    return max(months) if months else limit


def period_label(period: str) -> str:
    """'November 2024' (de/en) for a month, the year itself for a year."""
    if len(period) == 4:
        return period
    return str(format_date(date(int(period[:4]), int(period[5:7]), 1), "MMMM yyyy"))


# -- plausibility -----------------------------------------------------------------------------


def hints(
    value: float | None,
    year_ago: float | None,
    history: Sequence[float | None],
    locale: str,
) -> list[str]:
    """The plausibility hints of one value (see the module docstring for both rules)."""
    if value is None:
        if year_ago is not None:
            return [_("missing (previous year: %(value)s)", value=number(year_ago, locale))]
        return []
    found = []
    difference = abs(value - year_ago) if year_ago is not None else 0.0
    if year_ago == 0 and difference >= MIN_DIFFERENCE:
        found.append(_("previous year 0, now %(value)s", value=number(value, locale)))
    elif year_ago and difference >= MIN_DIFFERENCE and difference / abs(year_ago) > YEAR_THRESHOLD:
        change = (value - year_ago) / abs(year_ago) * 100
        found.append(
            _(
                "%(change)s %% against the previous year",
                change=format_fixed(change, 0, locale, signed=True),
            )
        )
    known = [v for v in history if v is not None]
    if len(known) >= MIN_HISTORY:
        spread = pstdev(known)
        if spread > 0:
            z = (value - mean(known)) / spread
            if abs(z) > Z_THRESHOLD and abs(value - mean(known)) >= MIN_DIFFERENCE:
                found.append(
                    _(
                        "unusual against the last %(count)s periods (z = %(z)s)",
                        count=len(known),
                        z=format_fixed(z, 1, locale, signed=True),
                    )
                )
    return found


def number(value: float | None, locale: str) -> str:
    if value is None:
        return "–"
    return format_fixed(value, 0 if float(value).is_integer() else 2, locale)


# -- rows -------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One number of a row with its comparison values and hints."""

    label: str
    value: float | None
    previous: float | None
    year_ago: float | None
    hints: list[str] = field(default_factory=list)


@dataclass
class Event:
    """One workflow step in a row's history."""

    at: Any
    user_id: int | None
    before: str
    after: str
    reason: str


@dataclass
class Row:
    """One area's or office's period on the desk."""

    ref_id: int
    name: str
    period: str
    status: PeriodStatus | None
    link: str = ""
    figures: list[Figure] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    #: office ids (figure rows: the offices serving the area) or area ids (office rows)
    related: set[int] = field(default_factory=set)

    @property
    def state(self) -> State:
        return workflow().state(self.status.state if self.status else None)

    @property
    def version(self) -> int | None:
        return self.status.version if self.status is not None else None

    @property
    def transitions(self) -> list[Transition]:
        return workflow().available(self.state.name)

    @property
    def approvable(self) -> bool:
        return any(t.name == "approve" for t in self.transitions)

    @property
    def hint_count(self) -> int:
        return sum(len(f.hints) for f in self.figures)

    @property
    def filled(self) -> int:
        return sum(1 for f in self.figures if f.value is not None)

    @property
    def reopen_reason(self) -> str:
        """The reason of the last reopening (or rejection), while it is the current state."""
        if self.status is None or self.status.state not in ("reopened", "draft"):
            return ""
        return self.status.reason or ""

    @property
    def key(self) -> str:
        """What a checkbox of the bulk approval carries: id, period, version."""
        return f"{self.ref_id}:{self.period}:{self.version or 0}"


@dataclass
class Group:
    state: State
    rows: list[Row]


def grouped(rows: Iterable[Row], approver: bool) -> list[Group]:
    """Rows by state, in the working order (see :data:`APPROVER_ORDER`), empty groups left out."""
    order = APPROVER_ORDER if approver else SUBMITTER_ORDER
    by_state: dict[str, list[Row]] = {name: [] for name in order}
    for row in rows:
        by_state.setdefault(row.state.name, []).append(row)
    return [Group(workflow().state(name), found) for name, found in by_state.items() if found]


def attach_history(rows: Sequence[Row]) -> None:
    """Every row's workflow steps from the audit log, newest first (one query)."""
    by_id = {row.status.id: row for row in rows if row.status is not None}
    if not by_id:
        return
    entries = db.session.execute(
        select(AuditLog)
        .where(
            AuditLog.action == "workflow",
            AuditLog.entity == "period_statuses",
            AuditLog.entity_id.in_(list(by_id)),
            AuditLog.tenant_id == current_tenant_id(),
        )
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    ).scalars()
    for entry in entries:
        details = entry.changes or {}
        by_id[entry.entity_id].events.append(  # type: ignore[index]
            Event(
                entry.at,
                entry.user_id,
                str(details.get("from", "")),
                str(details.get("to", "")),
                str(details.get("reason", "")),
            )
        )


def statuses(
    scope: str, ref_ids: Iterable[int], periods: Iterable[str]
) -> dict[tuple[int, str], PeriodStatus]:
    """(area or office id, period) → status row (one query)."""
    column = PeriodStatus.area_id if scope == "area" else PeriodStatus.office_id
    found = db.session.execute(
        select(PeriodStatus).where(
            PeriodStatus.scope == scope,
            column.in_(list(ref_ids)),
            PeriodStatus.period.in_(list(periods)),
        )
    ).scalars()
    return {(getattr(s, f"{scope}_id"), s.period): s for s in found}


# -- completeness -----------------------------------------------------------------------------


@dataclass
class Completeness:
    """Which areas or offices have submitted one month (submitted or approved)."""

    period: str
    done: list[str]
    missing: list[str]

    @property
    def share(self) -> int:
        total = len(self.done) + len(self.missing)
        return round(100 * len(self.done) / total) if total else 0


def completeness(
    scope: str, refs: Sequence[tuple[int, str]], periods: Sequence[str]
) -> list[Completeness]:
    """Per month (newest first), the names that have submitted and those still missing."""
    known = statuses(scope, [i for i, _n in refs], periods)
    result = []
    for period in sorted(periods, reverse=True):
        done: list[str] = []
        missing: list[str] = []
        for ref_id, name in refs:
            status = known.get((ref_id, period))
            (
                done
                if status is not None and status.state in ("submitted", "approved")
                else missing
            ).append(name)
        result.append(Completeness(period, done, missing))
    return result
