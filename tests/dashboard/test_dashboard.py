"""The dashboard per role: what there is to do, and empty states that say what next."""

from __future__ import annotations

from datetime import date

import pytest

from saas.activities.models import Activity
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.periods.desk import last_month, period_label
from saas.periods.models import PeriodStatus
from tests.config.factories import seed_config_for_staff
from tests.conftest import login, tenant


@pytest.fixture
def marl(app):
    return seed_config_for_staff(tenant("marl"))


def add(obj) -> None:
    with tenant_scope(tenant("marl")):
        db.session.add(obj)
        db.session.commit()


def test_staff_sees_this_weeks_entries_of_its_office_and_the_open_month(auth, client, marl):
    add(Activity(date=date.today(), office_id=marl["office"].id, kind="event", note="unseres"))
    auth("staff", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert "Diese Woche" in html and "1 Tätigkeit diese Woche erfasst." in html, html
    assert f"Noch offen für {period_label(last_month())}" in html
    assert marl["office"].name in html.split('id="dash-open"')[1]
    assert "Wartet auf Freigabe" not in html and "Kennzahlen im Überblick" not in html


def test_staff_does_not_see_the_week_of_another_office(auth, client, marl):
    from saas.offices.models import Office

    with tenant_scope(tenant("marl")):
        office = Office(code="elsewhere", name="Woanders")
        db.session.add(office)
        db.session.flush()
        db.session.add(Activity(date=date.today(), office_id=office.id, kind="event"))
        db.session.commit()
    auth("staff", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert "Diese Woche ist noch nichts erfasst" in html


def test_coordinator_sees_what_waits_for_approval_with_a_link_to_the_desk(auth, client, marl):
    add(PeriodStatus(scope="area", area_id=marl["area"].id, period="2025-03", state="submitted"))
    auth("coordinator", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    block = html.split('id="dash-waiting"')[1].split("</section>")[0]
    assert "/marl/figures/periods?period=2025-03&amp;state=submitted" in block, block
    assert "März 2025: 1 Stadtteil (Kennzahlen)" in block
    assert "Diese Woche" not in html


def test_coordinator_with_nothing_waiting_gets_a_next_step(auth, client, marl):
    auth("coordinator", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert "Nichts wartet auf Freigabe" in html and "Zur Freigabe" in html


def test_a_new_tenant_sees_next_steps_not_empty_charts(app, create_tenant, create_user):
    fresh = create_tenant("neustadt", "Neustadt")
    create_user("admin@neustadt.example", tenant_obj=fresh, role="tenant_admin")
    create_user("viewer@neustadt.example", tenant_obj=fresh, role="viewer")
    for who, expected in (
        ("admin", "Erfassen Sie die ersten Zahlen"),
        ("viewer", "Sobald das Jugendamt sie erfasst und freigibt"),
    ):
        client = app.test_client()
        assert login(client, f"{who}@neustadt.example", "neustadt").status_code == 302
        response = client.get("/neustadt/dashboard")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert expected in html, html
        assert "k. A." not in html and "<svg" not in html
        if who == "admin":
            assert "Nächste Schritte" in html
