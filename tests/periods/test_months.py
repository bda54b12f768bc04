"""The approval desk of activity months: counts per office, scope, bulk approval."""

from __future__ import annotations

import re
from datetime import date

from saas.activities.models import Activity
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from tests.conftest import csrf_token, tenant
from tests.periods.conftest import state_of

DESK = "/marl/activities/months"


def log(office_id: int, day: date, count: int, people: int = 3) -> None:
    with tenant_scope(tenant("marl")):
        db.session.add_all(
            Activity(date=day, office_id=office_id, kind="event", p_6_13=people)
            for _i in range(count)
        )
        db.session.commit()


def test_counts_beside_the_previous_month_and_year_with_a_hint(auth, client, marl):
    office = marl["office"].id
    log(office, date(2025, 2, 3), 2)
    log(office, date(2026, 1, 3), 9)
    log(office, date(2026, 2, 3), 12)
    auth("coordinator", "marl")
    html = client.get(DESK).get_data(as_text=True)
    assert "Februar 2026</h1>" in html  # the latest month with activities
    row = html.split(f">{marl['office'].name}</a></th>")[1].split("</tr>")[0]
    assert 'Tätigkeiten: <strong>12</strong> <span class="muted">(9 · 2)</span>' in row, row
    assert "Teilnehmende: <strong>36</strong>" in row
    assert "+500 % gegenüber dem Vorjahr" in row


def test_staff_sees_only_its_office_and_cannot_approve(auth, client, marl, status):
    office = marl["office"].id
    status("office", office, "2025-05", "submitted")
    auth("staff", "marl")
    html = client.get(f"{DESK}?period=2025-05").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a></th>', html)
    assert rows == [marl["office"].name], rows
    token = csrf_token(client, DESK)
    bulk = client.post(
        f"{DESK}/approve", data={"csrf_token": token, "row": f"{office}:2025-05:1", "confirm": "1"}
    )
    assert bulk.status_code == 403
    assert state_of("office", office, "2025-05") == "submitted"


def test_coordinator_approves_checked_months(auth, client, marl, status):
    office = marl["office"].id
    status("office", office, "2025-05", "submitted")
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2025-05&state=submitted").get_data(as_text=True)
    keys = re.findall(r'name="row" value="([^"]+)" form="bulk"', html)
    assert keys == [f"{office}:2025-05:1"]
    token = csrf_token(client, DESK)
    confirm = client.post(f"{DESK}/approve", data={"csrf_token": token, "row": keys})
    assert "1 Zeilen jetzt freigeben" in confirm.get_data(as_text=True)
    done = client.post(f"{DESK}/approve", data={"csrf_token": token, "row": keys, "confirm": "1"})
    assert done.status_code == 302
    assert state_of("office", office, "2025-05") == "approved"


def test_filter_by_area_keeps_the_offices_serving_it(auth, client, marl):
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2025-05&area={marl['area'].id}").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a></th>', html)
    assert rows == [marl["office"].name], rows
