"""Activity rules: defaults from the last entry, scope of staff, editability, roll-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, literal_column, select, true

from saas.activities.models import AGE_BANDS, Activity, ActivityCarrier, ActivityPrinciple
from saas.core.crud import linked_ids, options, sync_links
from saas.core.db import db
from saas.core.permissions import current_membership
from saas.figures.services import is_editable, states
from saas.offices.models import Office, OfficeArea

#: roll-up metric code → (label, SQL expression over activities)
ROLLUPS = (
    "SRO_ACTIVITIES",
    "SRO_PARTICIPANTS",
    "SRO_GROUP_SESSIONS",
    "SRO_SHORT_COUNSEL",
    "SRO_NETWORK_EVENTS",
)


def allowed_office_ids() -> list[int] | None:
    """Offices the user's membership is limited to; None means all offices."""
    membership = current_membership()
    if membership is None or not membership.office_ids:
        return None
    return membership.office_ids


def office_choices() -> list[tuple[int, str]]:
    allowed = allowed_office_ids()
    return [(i, n) for i, n in options(Office) if allowed is None or i in allowed]


def last_activity() -> Activity | None:
    """The newest entry of this user, whose values are the defaults of the next one."""
    from saas.core.audit import acting_user_id

    return db.session.execute(
        select(Activity)
        .where(Activity.created_by == acting_user_id())
        .order_by(Activity.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def defaults() -> dict[str, Any]:
    last = last_activity()
    if last is None:
        return {"date": date.today()}
    return {
        "date": last.date,
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


def validate_activity(form: Any, activity: Activity | None) -> bool:
    ok = True
    allowed = allowed_office_ids()
    if allowed is not None and form.office_id.data not in allowed:
        form.office_id.errors.append(_("You can only log activities for your own offices."))
        ok = False
    if activity is not None and not month_editable(activity.office_id, activity.date):
        form.date.errors.append(_("This month has been submitted and can no longer be changed."))
        ok = False
    if (
        form.date.data
        and form.office_id.data
        and not month_editable(form.office_id.data, form.date.data)
    ):
        form.date.errors.append(_("This month has been submitted and can no longer be changed."))
        ok = False
    if form.date.data and form.date.data > date.today():
        form.date.errors.append(_("The date lies in the future."))
        ok = False
    if form.area_id.data is not None and form.office_id.data is not None:
        served = office_areas().get(form.office_id.data, [])
        if served and form.area_id.data not in served:
            form.area_id.errors.append(_("The office does not serve this area."))
            ok = False
    return ok


def save_activity(form: Any, activity: Activity) -> None:
    from saas.core.audit import acting_user_id

    for band in AGE_BANDS:
        setattr(activity, band, form[band].data or 0)
    if activity.id is None:
        activity.created_by = acting_user_id()
        if activity.area_id is None:
            served = office_areas().get(activity.office_id, [])
            activity.area_id = served[0] if len(served) == 1 else None
        db.session.add(activity)
        db.session.flush()
    sync_links(
        ActivityPrinciple, "activity_id", activity.id, "principle_id", form.principle_ids.data or []
    )
    sync_links(
        ActivityCarrier, "activity_id", activity.id, "carrier_id", form.carrier_ids.data or []
    )


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
