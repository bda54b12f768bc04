"""Every route with an object id answers 404 for another tenant's object and changes nothing;
forms reject another tenant's object named in a field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from saas.auth.models import Membership
from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope, tenant_tables
from saas.offices.models import Office
from tests.config.factories import seed_config
from tests.conftest import csrf_token, tenant

# endpoint prefix → key in seed_config (or special handling)
OBJECT_OF = {
    "area_levels": "level",
    "areas": "area",
    "offices": "office",
    "carriers": "carrier",
    "teams": "team",
    "staff": "staff",
    "principles": "principle",
    "offerings": "offering",
    "members.revoke_invitation": "invitation",
    "members": "membership",
    "activities": "activity",
    "figures.value": "figure",
    "local_metrics": "metric",
}
ID_ARGS = {"object_id", "area_id", "office_id"}


def snapshot() -> dict[str, int]:
    with all_tenants():
        counts = {}
        for name in [*tenant_tables(), "audit_log"]:
            table = db.Model.metadata.tables[name]
            counts[name] = db.session.execute(select(func.count()).select_from(table)).scalar()
        return counts


def object_routes(app):
    for rule in app.url_map.iter_rules():
        if ID_ARGS & rule.arguments and "tenant_slug" in rule.arguments:
            yield rule


def hamm_values(rule, hamm_objects: dict) -> dict:
    values = {"tenant_slug": "marl"}
    if "area_id" in rule.arguments:
        values["area_id"] = hamm_objects["area"].id
    if "office_id" in rule.arguments:
        values["office_id"] = hamm_objects["office"].id
    if "object_id" in rule.arguments:
        values["object_id"] = hamm_object_id(rule.endpoint, hamm_objects)
    for name, value in (
        ("direction", "up"),
        ("period", "2024-05"),
        ("transition", "submit"),
        ("fmt", "csv"),
    ):
        if name in rule.arguments:
            values[name] = value
    return values


def hamm_object_id(endpoint: str, hamm_objects: dict) -> int:
    for prefix in sorted(OBJECT_OF, key=len, reverse=True):
        if endpoint == prefix or endpoint.startswith(prefix + "."):
            return hamm_objects[OBJECT_OF[prefix]].id
    raise AssertionError(f"no isolation case for {endpoint}: add it to OBJECT_OF")


@pytest.fixture
def seeded(app):
    marl = seed_config(tenant("marl"), "M-")
    hamm = seed_config(tenant("hamm"), "H-")
    with tenant_scope(tenant("hamm")):
        hamm["membership"] = db.session.execute(select(Membership)).scalars().first()
    return marl, hamm


def test_every_object_route_hides_other_tenants_objects(app, client, auth, seeded):
    _marl, hamm = seeded
    auth("admin", "marl")
    token = csrf_token(client, "/marl/dashboard")
    routes = list(object_routes(app))
    assert len(routes) >= 30
    before = snapshot()
    for rule in routes:
        url = rule.build(hamm_values(rule, hamm))[1]
        if "GET" in rule.methods:
            assert client.get(url).status_code == 404, url
        if "POST" in rule.methods:
            response = client.post(url, data={"csrf_token": token, "name": "X", "code": "x"})
            assert response.status_code == 404, url
    after = snapshot()
    after["audit_log"] = before["audit_log"]  # the page views above write no audit rows
    assert after == before


def test_never_existing_id_answers_the_same(client, auth, seeded):
    auth("admin", "marl")
    assert client.get("/marl/offices/999999").status_code == 404
    assert client.get("/marl/offices/not-a-number").status_code == 404


def test_same_session_403_on_hamm_pages_and_404_for_hamm_ids(client, auth, seeded):
    _marl, hamm = seeded
    auth("admin", "marl")
    assert client.get("/hamm/offices/").status_code == 403
    assert client.get(f"/hamm/offices/{hamm['office'].id}").status_code == 403
    assert client.get(f"/marl/offices/{hamm['office'].id}").status_code == 404


def test_form_rejects_other_tenants_carrier(client, auth, seeded):
    marl, hamm = seeded
    auth("admin", "marl")
    token = csrf_token(client, "/marl/offices/new")
    response = client.post(
        "/marl/offices/new",
        data={
            "csrf_token": token,
            "code": "neu",
            "name": "Neues Büro",
            "carrier_ids": [str(hamm["carrier"].id)],
            "area_ids": [str(marl["area"].id)],
        },
    )
    assert response.status_code == 400
    assert (
        "keine gültige" in response.get_data(as_text=True).lower()
        or "not a valid" in response.get_data(as_text=True).lower()
    )
    with tenant_scope(tenant("marl")):
        assert (
            db.session.execute(select(Office).where(Office.code == "neu")).scalar_one_or_none()
            is None
        )


def test_form_rejects_other_tenants_office_in_team(client, auth, seeded):
    _marl, hamm = seeded
    auth("admin", "marl")
    token = csrf_token(client, "/marl/teams/new")
    response = client.post(
        "/marl/teams/new",
        data={
            "csrf_token": token,
            "code": "t2",
            "name": "T2",
            "office_id": str(hamm["office"].id),
        },
    )
    assert response.status_code == 400


def test_audit_history_of_other_tenant_not_visible(client, auth, seeded):
    marl, hamm = seeded
    auth("admin", "marl")
    html = client.get(f"/marl/offices/{marl['office'].id}").get_data(as_text=True)
    assert "M-Stadtteilbüro" in html
    assert "H-" not in re.sub(r"<[^>]+>", "", html)
    with all_tenants():
        entries = (
            db.session.execute(
                select(AuditLog.tenant_id).where(
                    AuditLog.entity == "offices", AuditLog.entity_id == hamm["office"].id
                )
            )
            .scalars()
            .all()
        )
    assert entries == [tenant("hamm").id]  # Hamm's office history exists; Marl's page hid it
