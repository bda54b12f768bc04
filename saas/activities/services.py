"""Activity rules and operations: log, edit, delete; defaults from the last entry; roll-ups.

An activity belongs to its office (object scope: ``Activity.__scope__``): a member limited to
offices logs and sees that office's activities only. It books only an offering of the same
office: the choices offer only the offerings in scope, labelled with their office, and the
operation refuses any other. (A database key ``(tenant_id, office_id, offering_id)`` would
say it too; but offerings without an office exist — a city-wide festival — and the generic
cross-tenant key test in ``tests/pg.py`` cannot yet build rows for a composite key onto a
nullable column.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, literal_column, or_, select, true

from saas.activities.models import AGE_BANDS, KINDS, Activity, ActivityCarrier, ActivityPrinciple
from saas.areas.models import Area
from saas.core.crud import linked_ids, sync_links
from saas.core.db import db
from saas.core.labels import word
from saas.core.operations import Conflict, Invalid, operation
from saas.core.permissions import current_scope, ensure_in_scope, in_scope, scope_criteria
from saas.core.tenancy import get_or_404
from saas.offerings.models import Offering
from saas.offices.models import Office, OfficeArea
from saas.periods.services import is_editable, states

#: roll-up metric codes computed from the activities
ROLLUPS = (
    "SRO_ACTIVITIES",
    "SRO_PARTICIPANTS",
    "SRO_GROUP_SESSIONS",
    "SRO_SHORT_COUNSEL",
    "SRO_NETWORK_EVENTS",
)


@dataclass(frozen=True)
class ActivityValues:
    """What a user enters for one activity (plain values, as the form or the API parse them)."""

    date: date
    office_id: int
    kind: str
    area_id: int | None = None
    offering_id: int | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    note: str = ""
    principle_ids: Sequence[int] = ()
    carrier_ids: Sequence[int] = ()


# -- what a user may choose ------------------------------------------------------------------


def _office_criteria() -> Any:
    """Offices a user may log for: its offices, or those serving the areas it is limited to."""
    scope = current_scope()
    if scope is None or not scope.own_areas:
        return scope_criteria(Office)
    serving = select(OfficeArea.office_id).where(OfficeArea.area_id.in_(sorted(scope.own_areas)))
    return or_(scope_criteria(Office), Office.id.in_(serving))


def office_choices() -> list[tuple[int, str]]:
    """(id, name) of the offices the user may log activities for."""
    return [
        (office.id, office.name)
        for office in db.session.execute(
            select(Office)
            .where(_office_criteria(), Office.archived_at.is_(None))
            .order_by(Office.name)
        ).scalars()
    ]


def offering_choices(*, include_archived: bool = False) -> list[tuple[int, str]]:
    """(id, "offering – office") of the offerings in scope: the same name recurs per office."""
    query = (
        select(Offering.id, Offering.name, Office.name)
        .outerjoin(Office, Office.id == Offering.office_id)
        .where(scope_criteria(Offering), Offering.office_id.is_not(None))
        .order_by(Offering.name, Office.name)
    )
    if not include_archived:
        query = query.where(Offering.archived_at.is_(None))
    return [(id_, f"{name} – {office}") for id_, name, office in db.session.execute(query)]


def visible_activities() -> Any:
    """A select of the activities the user may see (add filters, order and paging)."""
    return select(Activity).where(scope_criteria(Activity))


def load_activity(activity_id: int) -> Activity:
    """One activity of the tenant within the user's scope (404 otherwise)."""
    activity = get_or_404(Activity, activity_id)
    ensure_in_scope(activity)
    return activity


def last_activity() -> Activity | None:
    """The newest entry of this user, whose values are the defaults of the next one."""
    from saas.core.audit import acting_user_id

    return db.session.execute(
        visible_activities()
        .where(Activity.created_by == acting_user_id())
        .order_by(Activity.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def defaults(continued: bool = False) -> dict[str, Any]:
    """The new form's values: those of the user's last entry (office, area, kind …).

    The date is today's — a new form is most often today's work, and a week-old date taken
    over unseen is how entries land in the wrong month. Only right after "Save and log the
    next one" (``continued``), when a batch of the same day is typed in, does the last date
    stay, as the message then says.
    """
    last = last_activity()
    if last is None:
        return {"date": date.today()}
    return {
        "date": last.date if continued else date.today(),
        "office_id": last.office_id,
        "area_id": last.area_id,
        "kind": last.kind,
        "offering_id": last.offering_id,
        "principle_ids": linked_ids(ActivityPrinciple, "activity_id", last.id, "principle_id"),
        "carrier_ids": linked_ids(ActivityCarrier, "activity_id", last.id, "carrier_id"),
    }


def office_areas() -> dict[int, list[int]]:
    links: dict[int, list[int]] = {}
    for office_id, area_id in db.session.execute(select(OfficeArea.office_id, OfficeArea.area_id)):
        links.setdefault(office_id, []).append(area_id)
    return links


def month_editable(office_id: int, when: date) -> bool:
    return is_editable("office", office_id, when.strftime("%Y-%m"))


# -- operations ------------------------------------------------------------------------------


def _locked() -> str:
    return _("This month has been submitted and can no longer be changed.")


def _not_served(office_id: int, area_id: int, served: list[int]) -> str:
    """Which areas the office serves, in the tenant's words (no article to get wrong)."""
    names = dict(
        db.session.execute(select(Area.id, Area.name).where(Area.id.in_([area_id, *served]))).all()
    )
    office = db.session.execute(select(Office.name).where(Office.id == office_id)).scalar()
    return _(
        "%(areas)s of “%(office)s”: %(served)s. “%(area)s” is not among them.",
        areas=word("areas"),
        office=office,
        served=", ".join(sorted(names[i] for i in served if i in names)),
        area=names.get(area_id, ""),
    )


def _check(values: ActivityValues) -> None:
    """Raise :class:`Invalid` (naming the field) unless ``values`` make a valid activity."""
    if values.kind not in KINDS:
        raise Invalid(_("Unknown kind of activity."), "kind")
    offices = select(Office.id).where(Office.id == values.office_id, _office_criteria())
    if db.session.execute(offices).first() is None or not in_scope(
        office_id=values.office_id, area_id=values.area_id
    ):
        raise Invalid(
            _("You can only log activities for your own %(offices)s.", offices=word("offices")),
            "office_id",
        )
    if values.date > date.today():
        raise Invalid(_("The date lies in the future."), "date")
    if not month_editable(values.office_id, values.date):
        raise Invalid(_locked(), "date")
    if values.area_id is not None:
        served = office_areas().get(values.office_id, [])
        if served and values.area_id not in served:
            raise Invalid(_not_served(values.office_id, values.area_id, served), "area_id")
    if values.offering_id is not None:
        office_of = db.session.execute(
            select(Offering.office_id).where(Offering.id == values.offering_id)
        ).first()
        if office_of is None or office_of[0] != values.office_id:
            raise Invalid(
                _("The offering belongs to another %(office)s.", office=word("office")),
                "offering_id",
            )
    for band in values.counts:
        if band not in AGE_BANDS:
            raise Invalid(f"unknown age band: {band!r}")
        if not 0 <= int(values.counts[band] or 0) <= 10000:
            raise Invalid(_("Enter a number from 0 to 10,000."), band)


def _write(activity: Activity, values: ActivityValues) -> None:
    activity.date = values.date
    activity.office_id = values.office_id
    activity.area_id = values.area_id
    activity.kind = values.kind
    activity.offering_id = values.offering_id
    activity.note = values.note
    for band in AGE_BANDS:
        setattr(activity, band, int(values.counts.get(band) or 0))
    if activity.id is None:
        db.session.add(activity)
    db.session.flush()
    sync_links(
        ActivityPrinciple, "activity_id", activity.id, "principle_id", list(values.principle_ids)
    )
    sync_links(ActivityCarrier, "activity_id", activity.id, "carrier_id", list(values.carrier_ids))
    db.session.flush()


@operation("activities.log", scoped=True)
def log_activity(values: ActivityValues) -> Activity:
    """Record a new activity; the area is the office's only area when none was chosen."""
    from saas.core.audit import acting_user_id

    _check(values)
    if values.area_id is None:
        served = office_areas().get(values.office_id, [])
        if len(served) == 1:
            values = ActivityValues(**{**values.__dict__, "area_id": served[0]})
    activity = Activity(created_by=acting_user_id())
    _write(activity, values)
    return activity


@operation("activities.log", scoped=True)
def edit_activity(activity_id: int, version: int | None, values: ActivityValues) -> Activity:
    """Change an activity of an editable month; :class:`Conflict` if it changed meanwhile."""
    activity = load_activity(activity_id)
    if not month_editable(activity.office_id, activity.date):
        raise Invalid(_locked(), "date")
    _check(values)
    if version is not None and activity.version != version:
        raise Conflict("activity changed meanwhile", current=activity)
    _write(activity, values)
    return activity


@operation("activities.log", scoped=True)
def delete_activity(activity_id: int) -> None:
    """Delete an activity of an editable month."""
    activity = load_activity(activity_id)
    if not month_editable(activity.office_id, activity.date):
        raise Invalid(_locked())
    db.session.delete(activity)
    db.session.flush()


# -- roll-ups --------------------------------------------------------------------------------


def month_expr(column: Any) -> Any:
    """'YYYY-MM' of a date column on SQLite and PostgreSQL.

    The format is a literal, not a bound parameter: two calls give the same SQL, so
    PostgreSQL sees ``GROUP BY month_expr(…)`` as the expression selected (with a parameter
    each, ``to_char(date, $1)`` and ``to_char(date, $2)`` differ: GroupingError).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column)


def participants_expr() -> Any:
    return sum((getattr(Activity, band) for band in AGE_BANDS), start=0)


@dataclass(frozen=True)
class RollupRow:
    office_id: int
    area_id: int | None
    month: str
    values: dict[str, int]


def activity_rollup(first: str, last: str, *, area_id: int | None = None) -> list[RollupRow]:
    """Activity counts and participants per office, area and month (one query)."""
    month = month_expr(Activity.date).label("month")
    query = (
        select(
            Activity.office_id,
            Activity.area_id,
            month,
            func.count().label("SRO_ACTIVITIES"),
            func.sum(participants_expr()).label("SRO_PARTICIPANTS"),
            func.sum(case((Activity.kind == "group_session", 1), else_=0)).label(
                "SRO_GROUP_SESSIONS"
            ),
            func.sum(case((Activity.kind == "short_counselling", 1), else_=0)).label(
                "SRO_SHORT_COUNSEL"
            ),
            func.sum(case((Activity.kind == "network_meeting", 1), else_=0)).label(
                "SRO_NETWORK_EVENTS"
            ),
        )
        .where(month >= first, month <= last)
        .where(Activity.area_id == area_id if area_id is not None else true())
        .group_by(Activity.office_id, Activity.area_id, month)
        .order_by(month, Activity.office_id, Activity.area_id)
    )
    return [
        RollupRow(
            row.office_id,
            row.area_id,
            row.month,
            {code: int(getattr(row, code) or 0) for code in ROLLUPS},
        )
        for row in db.session.execute(query)
    ]


def office_month_states(office_ids: list[int], months: list[str]) -> dict[tuple[int, str], str]:
    return states("office", office_ids, months)
