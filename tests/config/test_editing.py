"""Editing rules: optimistic locking, archive instead of delete, German validation messages."""

from __future__ import annotations

import re

from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offices.models import Office, OfficeArea
from saas.teams.models import Team
from tests.config.factories import seed_config
from tests.conftest import csrf_token, tenant


def form_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', html))


def test_concurrent_edits_second_sees_conflict_with_both_versions(app, auth, client):
    objs = seed_config(tenant("marl"))
    office_id = objs["office"].id
    auth("admin", "marl")
    other = app.test_client()
    from tests.conftest import login

    login(other, "coordinator@marl.example", "marl")  # coordinators may not edit …
    assert other.get(f"/marl/offices/{office_id}/edit").status_code == 403
    other = app.test_client()
    login(other, "admin@marl.example", "marl")  # … a second admin may

    first = form_values(client.get(f"/marl/offices/{office_id}/edit").get_data(as_text=True))
    second = form_values(other.get(f"/marl/offices/{office_id}/edit").get_data(as_text=True))
    assert first["version"] == second["version"] == "1"

    base = {"code": objs["office"].code, "opened_on": "2020-03-01"}
    r1 = client.post(
        f"/marl/offices/{office_id}/edit",
        data={
            **base,
            "csrf_token": first["csrf_token"],
            "version": "1",
            "name": "Stadtteilbüro Nord",
            "phone": "02365 1",
        },
    )
    assert r1.status_code == 302
    r2 = other.post(
        f"/marl/offices/{office_id}/edit",
        data={
            **base,
            "csrf_token": second["csrf_token"],
            "version": "1",
            "name": "Stadtteilbüro Süd",
            "phone": "02365 2",
        },
    )
    assert r2.status_code == 409
    html = r2.get_data(as_text=True)
    assert "Stadtteilbüro Nord" in html and "Stadtteilbüro Süd" in html  # both versions
    db.session.rollback()  # end the test's read transaction, see what the requests wrote
    with tenant_scope(tenant("marl")):
        office = db.session.execute(select(Office).where(Office.id == office_id)).scalar_one()
        assert office.name == "Stadtteilbüro Nord" and office.version == 2
    # The loser re-submits consciously with the new version: now it is saved.
    values = form_values(html)
    assert values["version"] == "2"
    r3 = other.post(
        f"/marl/offices/{office_id}/edit",
        data={
            **base,
            "csrf_token": values["csrf_token"],
            "version": "2",
            "name": "Stadtteilbüro Süd",
        },
    )
    assert r3.status_code == 302


def test_referenced_record_is_archived_not_deleted(auth, client):
    objs = seed_config(tenant("marl"))
    auth("admin", "marl")
    office_id = objs["office"].id
    page = client.get(f"/marl/offices/{office_id}").get_data(as_text=True)
    assert "kann nicht gelöscht werden" in page or "cannot be deleted" in page
    token = csrf_token(client, f"/marl/offices/{office_id}")
    response = client.post(f"/marl/offices/{office_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(Office).where(Office.id == office_id)).scalar_one()
    client.post(f"/marl/offices/{office_id}/archive", data={"csrf_token": token})
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        office = db.session.execute(select(Office).where(Office.id == office_id)).scalar_one()
        assert office.archived_at is not None
    link = f'href="/marl/offices/{office_id}"'
    assert link not in client.get("/marl/offices/").get_data(as_text=True)
    assert link in client.get("/marl/offices/?archived=1").get_data(as_text=True)


def test_unreferenced_record_can_be_deleted(auth, client):
    auth("admin", "marl")
    token = csrf_token(client, "/marl/carriers/new")
    response = client.post(
        "/marl/carriers/new",
        data={"csrf_token": token, "code": "drk", "name": "DRK Marl", "type": "drk"},
    )
    assert response.status_code == 302
    carrier_url = response.headers["Location"]
    response = client.post(carrier_url + "/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get(carrier_url).status_code == 404


def test_validation_messages_in_german_and_nothing_saved(auth, client):
    auth("admin", "marl")
    token = csrf_token(client, "/marl/offices/new")
    response = client.post(
        "/marl/offices/new",
        data={
            "csrf_token": token,
            "code": "Bad Code!",
            "name": "",
            "opened_on": "2021-05-01",
            "closed_on": "2020-01-01",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Kleinbuchstaben" in html
    assert "Dieses Feld" in html  # WTForms' own German message for a required field
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(Office).where(Office.code == "Bad Code!")).first() is None


def test_office_links_are_saved_and_shown(auth, client):
    objs = seed_config(tenant("marl"))
    auth("admin", "marl")
    token = csrf_token(client, "/marl/offices/new")
    response = client.post(
        "/marl/offices/new",
        data={
            "csrf_token": token,
            "code": "neu",
            "name": "Büro Neu",
            "opened_on": "2024-01-15",
            "area_ids": [str(objs["area"].id), str(objs["quarter"].id)],
            "carrier_ids": [str(objs["carrier"].id)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Drewer-Nord" in page and "AWO" in page
    with tenant_scope(tenant("marl")):
        office = db.session.execute(select(Office).where(Office.code == "neu")).scalar_one()
        links = (
            db.session.execute(select(OfficeArea).where(OfficeArea.office_id == office.id))
            .scalars()
            .all()
        )
        assert len(links) == 2


def test_staff_sees_read_only_pages(auth, client):
    objs = seed_config(tenant("marl"))
    auth("staff", "marl")
    page = client.get(f"/marl/teams/{objs['team'].id}")
    assert page.status_code == 200
    assert "/edit" not in page.get_data(as_text=True)
    assert client.get(f"/marl/teams/{objs['team'].id}/edit").status_code == 403
    with tenant_scope(tenant("marl")):
        assert (
            db.session.execute(select(Team).where(Team.id == objs["team"].id)).scalar_one().name
            == "Team"
        )
