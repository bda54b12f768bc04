"""A platform admin onboards a fourth municipality in the browser; its invited admin logs in."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from saas.areas.models import Area, AreaPopulation
from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant
from tests.conftest import csrf_token

AREAS_CSV = (
    b"code;name;level;parent_code;population\n"
    b"01;Mitte;Stadtteil;;12.500\n"
    b"0101;Altstadt;Quartier;01;4000\n"
    b"02;Nord;Stadtteil;;8000\n"
)


def answer(word: str, name: str, plural: str, below: str, n: int, existing: str = "") -> dict:
    """The form fields answering the wizard's question about a level word of the file."""
    prefix = f"level-{n}-"
    return {
        prefix + "word": word,
        prefix + "existing": existing,
        prefix + "name": name,
        prefix + "plural": plural,
        prefix + "below": below,
    }


def test_onboard_fourth_municipality_end_to_end(app, auth, client):
    auth("platform", "platform")
    token = csrf_token(client, "/platform/onboard/")
    response = client.post(
        "/platform/onboard/",
        data={
            "csrf_token": token,
            "name": "Stadt Beispielstadt",
            "slug": "beispielstadt",
            "default_locale": "de",
        },
    )
    assert response.status_code == 302
    tenant_id = int(re.search(r"/onboard/(\d+)/profile", response.headers["Location"]).group(1))
    # not reachable until the wizard is finished
    assert app.test_client().get("/beispielstadt/").status_code == 404

    response = client.post(
        f"/platform/onboard/{tenant_id}/profile", data={"csrf_token": token, "source": "template"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    response = client.post(
        f"/platform/onboard/{tenant_id}/vocabulary",
        data={
            "csrf_token": token,
            "office": "Familienbüro",
            "offices": "Familienbüros",
            "area": "Quartier",
            "areas": "Quartiere",
        },
    )
    assert response.status_code == 302

    # a bad CSV is rejected row by row and nothing is written
    bad = b"code;name;level;parent_code;population\n01;Mitte;Stadtteil;;viele\n02;;Stadtteil;99;1\n"
    response = client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "gebiete.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Zeile 2, Spalte population" in html
    assert "Zeile 3, Spalte name" in html and "Zeile 3, Spalte parent_code" in html
    with tenant_scope(tenant_id):
        assert db.session.execute(select(func.count()).select_from(Area)).scalar() == 0

    response = client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(AREAS_CSV), "gebiete.csv"),
            "reference_date": "2023-12-31",
        },
        content_type="multipart/form-data",
    )
    # the template's only level is "Sozialraum": the file's two levels are asked for
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    carried = re.search(r'name="carried" value="([^"]+)"', response.get_data(as_text=True))
    response = client.post(
        f"/platform/onboard/{tenant_id}/areas",
        data={
            "csrf_token": token,
            "carried": carried.group(1),
            "reference_date": "2023-12-31",
            **answer("Stadtteil", "Stadtteil", "Stadtteile", "", 1),
            **answer("Quartier", "Quartier", "Quartiere", "Stadtteil", 2),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]

    response = client.post(
        f"/platform/onboard/{tenant_id}/admin",
        data={"csrf_token": token, "email": "leitung@beispielstadt.example"},
    )
    assert response.status_code == 200
    link = re.search(
        r'value="(http[^"]+/members/accept/[^"]+)"', response.get_data(as_text=True)
    ).group(1)

    db.session.rollback()
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one()
        assert tenant.status == "active" and tenant.word("office") == "Familienbüro"
        assert tenant.profile_version  # the template's version was stored
        audited = db.session.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.tenant_id == tenant_id)
        ).scalar()
        assert audited >= 5
    with tenant_scope(tenant_id):
        areas = {a.code: a for a in db.session.execute(select(Area)).unique().scalars()}
        assert set(areas) == {"01", "0101", "02"}
        assert areas["0101"].parent_id == areas["01"].id
        pop = db.session.execute(
            select(AreaPopulation).where(AreaPopulation.area_id == areas["01"].id)
        ).scalar_one()
        assert pop.total == 12500

    # the invited administrator accepts and is logged in to the new municipality
    invited = app.test_client()
    path = link.split("localhost", 1)[1]
    page = invited.get(path)
    assert page.status_code == 200
    token = csrf_token(invited, path)
    response = invited.post(
        path,
        data={
            "csrf_token": token,
            "name": "Frau Leitung",
            "password": "sicheres-passwort-1",
            "confirm": "sicheres-passwort-1",
        },
    )
    assert response.status_code == 302
    dashboard = invited.get("/beispielstadt/dashboard")
    assert dashboard.status_code == 200
    assert "Stadt Beispielstadt" in dashboard.get_data(as_text=True)
    assert "Familienbüros" in invited.get("/beispielstadt/offices/").get_data(as_text=True)
    # the link works once only
    assert app.test_client().get(path).status_code == 404
    # and a fresh login with the chosen password works
    fresh = app.test_client()
    token = csrf_token(fresh, "/beispielstadt/login")
    assert (
        fresh.post(
            "/beispielstadt/login",
            data={
                "csrf_token": token,
                "email": "leitung@beispielstadt.example",
                "password": "sicheres-passwort-1",
            },
        ).status_code
        == 302
    )


def test_slug_taken_and_reserved(auth, client):
    auth("platform", "platform")
    token = csrf_token(client, "/platform/onboard/")
    for slug in ("marl", "platform", "Bad Slug"):
        response = client.post(
            "/platform/onboard/",
            data={"csrf_token": token, "name": "X", "slug": slug, "default_locale": "de"},
        )
        assert response.status_code == 400, slug


def test_suspend_and_reactivate(app, auth, client):
    auth("platform", "platform")
    with all_tenants():
        hamm_id = db.session.execute(select(Tenant.id).where(Tenant.slug == "hamm")).scalar()
    token = csrf_token(client, "/platform/")
    client.post(f"/platform/tenants/{hamm_id}/suspend", data={"csrf_token": token})
    assert app.test_client().get("/hamm/").status_code == 404
    client.post(f"/platform/tenants/{hamm_id}/activate", data={"csrf_token": token})
    assert app.test_client().get("/hamm/").status_code == 200
    with all_tenants():
        changes = (
            db.session.execute(
                select(AuditLog.changes).where(
                    AuditLog.entity == "tenants", AuditLog.entity_id == hamm_id
                )
            )
            .scalars()
            .all()
        )
    assert {"status": ["active", "suspended"]} in changes
    assert {"status": ["suspended", "active"]} in changes


def test_non_admin_cannot_onboard(auth, client):
    auth("admin", "marl")
    assert client.get("/platform/onboard/").status_code == 403


def _zip_profile(folder) -> bytes:
    import zipfile
    from pathlib import Path

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(Path(folder).glob("*.yaml")):
            archive.write(path, f"profil/{path.name}")
    return buffer.getvalue()


def _start(client, slug: str) -> tuple[int, str]:
    token = csrf_token(client, "/platform/onboard/")
    response = client.post(
        "/platform/onboard/",
        data={"csrf_token": token, "name": f"Stadt {slug}", "slug": slug, "default_locale": "de"},
    )
    return int(re.search(r"/onboard/(\d+)/profile", response.headers["Location"]).group(1)), token


def test_onboard_from_an_uploaded_profile(auth, client):
    from saas.config import ROOT
    from saas.offices.models import Office

    auth("platform", "platform")
    tenant_id, token = _start(client, "hamm-kopie")
    response = client.post(
        f"/platform/onboard/{tenant_id}/profile",
        data={
            "csrf_token": token,
            "source": "upload",
            "files": [(io.BytesIO(_zip_profile(ROOT / "tenants" / "hamm")), "hamm.zip")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with tenant_scope(tenant_id):
        offices = db.session.execute(select(func.count()).select_from(Office)).scalar()
    assert offices >= 5  # Hamm's Stadtteilzentren, under the new slug and name
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one()
        assert tenant.slug == "hamm-kopie" and tenant.name == "Stadt hamm-kopie"


def test_broken_uploaded_profile_names_file_line_key_and_writes_nothing(auth, client):
    auth("platform", "platform")
    tenant_id, token = _start(client, "kaputt")
    broken = (
        'profile_version: "1"\nslug: kaputt\nname: Kaputt\ndefault_locale: de\n'
        "vocabulary: {office: Büro, offices: Büros, area: Gebiet, areas: Gebiete}\n"
        "unbekannt: 1\n"
    )
    response = client.post(
        f"/platform/onboard/{tenant_id}/profile",
        data={
            "csrf_token": token,
            "source": "upload",
            "files": [(io.BytesIO(broken.encode()), "tenant.yaml")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "tenant.yaml:6" in html and "unbekannt" in html
    with tenant_scope(tenant_id):
        assert db.session.execute(select(func.count()).select_from(Area)).scalar() == 0
