"""Issue 12 §6: the wizard shows the real address, asks for the areas CSV's missing levels and
population date instead of guessing, and the invitation link survives a reload."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.members.models import Invitation
from saas.tenants.models import Tenant
from tests.conftest import csrf_token
from tests.platform.test_onboarding import _start, answer

#: a file in Hamm's manner: districts (a level the template does not have) over social spaces
DISTRICTS_CSV = (
    "code;name;level;parent_code;population\n"
    "1;Mitte;Stadtbezirk;;35.000\n"
    "101;Innenstadt;Sozialräume;1;12.000\n"
    "102;Süden;sozialraum;1;\n"
).encode()


def _upload(client, tenant_id: int, token: str, data: bytes, **fields: str):
    return client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={"csrf_token": token, "file": (io.BytesIO(data), "gebiete.csv"), **fields},
        content_type="multipart/form-data",
    )


def _levels(tenant_id: int) -> list[tuple[str, str, str, int]]:
    with tenant_scope(tenant_id):
        levels = db.session.execute(select(AreaLevel).order_by(AreaLevel.position)).scalars()
        result = [(lvl.code, lvl.name, lvl.plural, lvl.position) for lvl in levels]
    db.session.rollback()
    return result


def _area_count(tenant_id: int) -> int:
    with tenant_scope(tenant_id):
        count = len(db.session.execute(select(Area.id)).all())
    db.session.rollback()
    return count


def _in_setup(client, slug: str) -> tuple[int, str]:
    tenant_id, token = _start(client, slug)
    response = client.post(
        f"/platform/onboard/{tenant_id}/profile", data={"csrf_token": token, "source": "template"}
    )
    assert response.status_code == 302
    return tenant_id, token


def test_address_hint_shows_the_configured_base_url(app: Flask, auth, client) -> None:
    """Regression: the hint read "unter // erreichbar" (the "<slug>" was taken for a tag)."""
    app.config["SAAS_BASE_URL"] = "https://sozialraum.example"
    auth("platform", "platform")
    html = client.get("/platform/onboard/").get_data(as_text=True)
    assert "https://sozialraum.example/stadt-beispiel/" in html
    assert "unter https://sozialraum.example/ und diesem Kurznamen erreichbar" in html
    assert "unter // erreichbar" not in html


def test_csv_maps_onto_existing_levels_and_asks_for_a_missing_one(auth, client) -> None:
    """Regression: a new level "Stadtbezirk" (plural "Stadtbezirk") was made up silently and
    today taken as the population's date."""
    auth("platform", "platform")
    tenant_id, token = _in_setup(client, "bezirke")
    before = _levels(tenant_id)
    assert [lvl[1] for lvl in before] == ["Sozialraum"]

    response = _upload(client, tenant_id, token, DISTRICTS_CSV)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # only the unknown word is asked about; "Sozialräume"/"sozialraum" are the existing level
    assert "„Stadtbezirk“ (1 Zeile)" in html and "Sozialräume“" not in html
    assert "Zu welchem Stichtag" in html  # populations without a date: asked, not today
    assert _levels(tenant_id) == before and _area_count(tenant_id) == 0

    carried = re.search(r'name="carried" value="([^"]+)"', html).group(1)
    # the plural left empty: asked again, still nothing written
    response = client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={
            "csrf_token": token,
            "carried": carried,
            "reference_date": "31.12.2023",
            **answer("Stadtbezirk", "Stadtbezirk", "", "", 1),
        },
    )
    assert response.status_code == 200
    assert "Bitte geben Sie die Mehrzahl ein" in response.get_data(as_text=True)
    assert _area_count(tenant_id) == 0

    response = client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={
            "csrf_token": token,
            "carried": carried,
            "reference_date": "31.12.2023",
            **answer("Stadtbezirk", "Stadtbezirk", "Stadtbezirke", "", 1),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    levels = _levels(tenant_id)
    # the district is the top level, the social spaces move one place down
    assert [(name, plural, pos) for _c, name, plural, pos in levels] == [
        ("Stadtbezirk", "Stadtbezirke", 1),
        ("Sozialraum", "Sozialräume", 2),
    ]
    with tenant_scope(tenant_id):
        areas = {a.code: a for a in db.session.execute(select(Area)).unique().scalars()}
        assert areas["101"].level.name == areas["102"].level.name == "Sozialraum"
        assert areas["101"].parent_id == areas["1"].id
        dates = set(db.session.execute(select(AreaPopulation.reference_date)).scalars())
    assert [d.isoformat() for d in dates] == ["2023-12-31"]


def test_missing_population_date_is_asked_for_not_taken_as_today(auth, client) -> None:
    auth("platform", "platform")
    tenant_id, token = _in_setup(client, "stichtag")
    data = b"code;name;level;population\n01;Mitte;Sozialraum;1200\n"
    response = _upload(client, tenant_id, token, data)
    assert response.status_code == 200 and _area_count(tenant_id) == 0
    carried = re.search(r'name="carried" value="([^"]+)"', response.get_data(as_text=True))
    response = client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={"csrf_token": token, "carried": carried.group(1), "reference_date": ""},
    )
    assert response.status_code == 400
    assert "Bitte geben Sie den Stichtag" in response.get_data(as_text=True)
    assert _area_count(tenant_id) == 0
    # a file with its own dates needs no question
    dated = "code;name;level;population;population_date\n01;Mitte;Sozialraum;1200;30.06.2024\n"
    assert _upload(client, tenant_id, token, dated.encode()).status_code == 302
    assert _area_count(tenant_id) == 1


def _finish(client, tenant_id: int, token: str, email: str):
    client.post(f"/platform/onboard/{tenant_id}/areas", data={"csrf_token": token, "skip": "1"})
    return client.post(
        f"/platform/onboard/{tenant_id}/admin", data={"csrf_token": token, "email": email}
    )


def _link(html: str) -> str:
    return re.search(r'value="(http[^"]+/members/accept/[^"]+)"', html).group(1)


def test_invitation_survives_a_reload_and_can_be_sent_again(app: Flask, auth, client) -> None:
    """Regression: the link was shown once and a reload of the page answered 404."""
    auth("platform", "platform")
    tenant_id, token = _in_setup(client, "neuladen")
    response = _finish(client, tenant_id, token, "leitung@neuladen.example")
    assert response.status_code == 200
    first = _link(response.get_data(as_text=True))

    # the browser's reload sends the form again: the page of the invitation, not 404
    again = client.post(
        f"/platform/onboard/{tenant_id}/admin",
        data={"csrf_token": token, "email": "leitung@neuladen.example"},
    )
    assert again.status_code == 303
    page = client.get(again.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "leitung@neuladen.example" in html and "/members/accept/" not in html
    with all_tenants():
        invitation_id = db.session.execute(
            select(Invitation.id).where(Invitation.email == "leitung@neuladen.example")
        ).scalar_one()
    db.session.rollback()

    response = client.post(
        f"/platform/onboard/{tenant_id}/invitation",
        data={
            "csrf_token": csrf_token(client, again.headers["Location"]),
            "invitation_id": invitation_id,
        },
    )
    assert response.status_code == 200
    second = _link(response.get_data(as_text=True))
    assert second != first
    # the old link stops working, the new one opens the acceptance page
    visitor = app.test_client()
    assert visitor.get(first.split("localhost", 1)[1]).status_code == 404
    assert visitor.get(second.split("localhost", 1)[1]).status_code == 200
    with all_tenants():
        count = len(db.session.execute(select(Invitation.id)).all())
        tenant = db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one()
    assert tenant.status == "active"
    assert count >= 1


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_only_platform_admins_renew_invitations(auth, client, role: str) -> None:
    auth(role, "marl")
    with all_tenants():
        marl_id = db.session.execute(select(Tenant.id).where(Tenant.slug == "marl")).scalar()
    assert client.get(f"/platform/onboard/{marl_id}/invitation").status_code == 403
