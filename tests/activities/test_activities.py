"""Activity log: fast entry with defaults, filters, month workflow, roll-ups."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from saas.activities.models import Activity, ActivityPrinciple
from saas.activities.services import activity_rollup
from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office
from saas.periods.models import PeriodStatus
from tests.config.factories import seed_config_for_staff
from tests.conftest import csrf_token, tenant

NOTE = "Elterncafé, ruhig"
TODAY = date.today()
LAST_MONTH = date(TODAY.year - (TODAY.month == 1), (TODAY.month - 2) % 12 + 1, 10)


@pytest.fixture
def marl(app):
    return seed_config_for_staff(tenant("marl"))


def shown(html: str) -> int:
    """The count of matching activities the list page states."""
    return int(
        re.search(r"<p>(\d+) (?:Tätigkeiten|Tätigkeit|activities|activity)</p>", html).group(1)
    )


def post_activity(client, objs, **overrides):
    html = client.get("/marl/activities/new").get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
        "idempotency_token": re.search(r'name="idempotency_token" value="([^"]+)"', html).group(1),
        "date": LAST_MONTH.isoformat(),
        "office_id": objs["office"].id,
        "area_id": objs["area"].id,
        "kind": "group_session",
        "offering_id": objs["offering"].id,
        "p_0_5": "4",
        "p_27_64": "5",
        "principle_ids": [str(objs["principle"].id)],
        "note": NOTE,
    }
    data.update(overrides)
    return client.post("/marl/activities/new", data=data)


def test_staff_logs_activity_and_next_form_has_defaults(client, auth, marl):
    auth("staff", "marl")
    form = client.get("/marl/activities/new").get_data(as_text=True)
    assert "keine Namen" in form or "no names" in form
    response = post_activity(client, marl)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        activity = db.session.execute(select(Activity).where(Activity.note == NOTE)).scalar_one()
        assert activity.participants == 9 and activity.kind == "group_session"
        assert (
            db.session.execute(select(ActivityPrinciple)).scalar_one().principle_id
            == marl["principle"].id
        )
    html = client.get("/marl/activities/new").get_data(as_text=True)
    assert f'value="{LAST_MONTH.isoformat()}"' in html
    assert (
        f'<option selected value="{marl["offering"].id}"' in html
        or f'value="{marl["offering"].id}" selected' in html
    )


def test_negative_count_and_future_date_rejected(client, auth, marl):
    auth("staff", "marl")
    response = post_activity(client, marl, p_0_5="-3", date="2999-01-01")
    assert response.status_code == 400
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(func.count()).select_from(Activity)).scalar() == 1


def test_list_filters(client, auth, marl):
    auth("staff", "marl")
    post_activity(client, marl)
    post_activity(client, marl, kind="network_meeting", p_0_5="0", offering_id="None")
    html = client.get("/marl/activities/?kind=network_meeting").get_data(as_text=True)
    assert shown(html) == 1
    html = client.get(f"/marl/activities/?month={LAST_MONTH:%Y-%m}").get_data(as_text=True)
    assert shown(html) == 2
    html = client.get("/marl/activities/?month=2001-01").get_data(as_text=True)
    assert shown(html) == 0


@pytest.mark.parametrize("role", ["staff", "coordinator", "admin"])
def test_months_page_counts_activities_per_office_and_month(app, client, auth, marl, role):
    """Regression (PostgreSQL): the month expression was bound once in SELECT and again in
    GROUP BY, so PostgreSQL refused the query (GroupingError) and the page answered 500."""
    from tests.conftest import login

    auth("staff", "marl")
    assert post_activity(client, marl).status_code == 302
    assert post_activity(client, marl, p_0_5="1").status_code == 302
    reader = app.test_client()
    assert login(reader, f"{role}@marl.example", "marl").status_code == 302
    response = reader.get("/marl/activities/months")
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    html = response.get_data(as_text=True)
    # the desk opens on the latest month with activities, one row per office
    row = html.split(f">{marl['office'].name}</a></th>")[1].split("</tr>")[0]
    assert "Tätigkeiten: <strong>2</strong>" in row, row


def test_month_workflow_permissions_and_locking(app, client, auth, marl):
    auth("staff", "marl")
    post_activity(client, marl)
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        activity_id = db.session.execute(
            select(Activity.id).where(Activity.note == NOTE)
        ).scalar_one()
    office_id, period = marl["office"].id, f"{LAST_MONTH:%Y-%m}"
    base = f"/marl/activities/months/{office_id}/{period}"
    token = csrf_token(client, "/marl/activities/months")
    # staff may not approve
    client.post(f"{base}/approve", data={"csrf_token": token})
    assert client.post(f"{base}/submit", data={"csrf_token": token}).status_code == 302
    # after submission the activity is locked for edits
    response = client.post(
        f"/marl/activities/{activity_id}/edit",
        data={
            "csrf_token": token,
            "version": "1",
            "date": LAST_MONTH.isoformat(),
            "office_id": office_id,
            "kind": "event",
        },
    )
    assert response.status_code == 400
    client.post(f"{base}/approve", data={"csrf_token": token})
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        status = db.session.execute(select(PeriodStatus)).scalar_one()
        assert status.state == "submitted"  # the staff member's approve was refused

    coordinator = app.test_client()
    from tests.conftest import login

    login(coordinator, "coordinator@marl.example", "marl")
    token = csrf_token(coordinator, "/marl/activities/months")
    assert coordinator.post(f"{base}/approve", data={"csrf_token": token}).status_code == 302
    # reopening needs a reason
    coordinator.post(f"{base}/reopen", data={"csrf_token": token, "reason": ""})
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(PeriodStatus.state)).scalar_one() == "approved"
    coordinator.post(f"{base}/reopen", data={"csrf_token": token, "reason": "Nachtrag Elterncafé"})
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(PeriodStatus.state)).scalar_one() == "reopened"
    with all_tenants():
        events = (
            db.session.execute(
                select(AuditLog).where(AuditLog.action == "workflow").order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
    assert [e.changes["transition"] for e in events] == ["submit", "approve", "reopen"]
    assert events[-1].changes["reason"] == "Nachtrag Elterncafé"


def test_rollup_hand_computed(app, marl):
    with tenant_scope(tenant("marl")):
        office, area = marl["office"].id, marl["area"].id
        rows = [
            Activity(
                date=date(2024, 3, 1),
                office_id=office,
                area_id=area,
                kind="group_session",
                p_0_5=3,
                p_27_64=4,
            ),
            Activity(
                date=date(2024, 3, 15),
                office_id=office,
                area_id=area,
                kind="short_counselling",
                p_27_64=1,
            ),
            Activity(
                date=date(2024, 3, 31),
                office_id=office,
                area_id=area,
                kind="network_meeting",
                p_27_64=6,
            ),
            Activity(
                date=date(2024, 4, 1),
                office_id=office,
                area_id=area,
                kind="group_session",
                p_6_13=10,
                p_65_plus=2,
            ),
            Activity(
                date=date(2024, 2, 29), office_id=office, area_id=None, kind="event", p_14_17=20
            ),
        ]
        db.session.add_all(rows)
        db.session.commit()
        result = {(r.month, r.area_id): r.values for r in activity_rollup("2024-03", "2024-04")}
    assert result == {
        ("2024-03", area): {
            "SRO_ACTIVITIES": 3,
            "SRO_PARTICIPANTS": 14,
            "SRO_GROUP_SESSIONS": 1,
            "SRO_SHORT_COUNSEL": 1,
            "SRO_NETWORK_EVENTS": 1,
        },
        ("2024-04", area): {
            "SRO_ACTIVITIES": 1,
            "SRO_PARTICIPANTS": 12,
            "SRO_GROUP_SESSIONS": 1,
            "SRO_SHORT_COUNSEL": 0,
            "SRO_NETWORK_EVENTS": 0,
        },
    }


def test_history_shows_who_changed_what(client, auth, marl):
    auth("staff", "marl")
    post_activity(client, marl)
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        activity = db.session.execute(select(Activity).where(Activity.note == NOTE)).scalar_one()
    token = csrf_token(client, f"/marl/activities/{activity.id}/edit")
    response = client.post(
        f"/marl/activities/{activity.id}/edit",
        data={
            "csrf_token": token,
            "version": "1",
            "date": LAST_MONTH.isoformat(),
            "office_id": marl["office"].id,
            "area_id": marl["area"].id,
            "kind": "group_session",
            "p_0_5": "7",
            "p_27_64": "5",
            "note": "korrigiert",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    html = client.get(f"/marl/activities/{activity.id}").get_data(as_text=True)
    assert "p_0_5" in html and "4 → 7" in html
    assert "Demo staff" in html


def test_staff_limited_to_their_offices(client, auth, marl):
    auth("staff", "marl")
    with tenant_scope(tenant("marl")):
        other = (
            db.session.execute(select(Office.id).where(Office.id != marl["office"].id))
            .scalars()
            .first()
        )
    html = client.get("/marl/activities/new").get_data(as_text=True)
    assert f'value="{other}"' not in html.split('name="office_id"')[1].split("</select>")[0]
    response = post_activity(client, marl, office_id=str(other), area_id="None")
    assert response.status_code == 400
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(func.count()).select_from(Activity)).scalar() == 1


def test_long_list_is_paged(client, auth, marl):
    with tenant_scope(tenant("marl")):
        db.session.add_all(
            Activity(
                date=date(2023, 1, 1 + i % 28),
                office_id=marl["office"].id,
                kind="outreach",
                p_18_26=1,
            )
            for i in range(120)
        )
        db.session.commit()
    auth("staff", "marl")
    first = client.get("/marl/activities/?kind=outreach").get_data(as_text=True)
    assert shown(first) == 120
    assert "page=2" in first and "kind=outreach" in first.split("page=2")[0].rsplit("href", 1)[1]
    second = client.get("/marl/activities/?kind=outreach&page=2")
    assert second.status_code == 200
    assert second.get_data(as_text=True).count('href="/marl/activities/') >= 20
