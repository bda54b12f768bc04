"""Platform pages of the comparison rings, and the ``flask comparison publish`` command."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from saas.comparison.models import ComparisonRing
from saas.core.db import db
from tests.comparison.conftest import publications, put_figures, ring
from tests.conftest import csrf_token, login


def ring_form(client, url: str, **fields) -> dict:
    return {"csrf_token": csrf_token(client, url), "description": "", **fields}


def test_platform_admin_creates_edits_and_archives_a_ring(auth, app):
    client = auth("platform", "platform")
    assert "NRW-Städte" in client.get("/platform/rings/").get_data(as_text=True)
    data = ring_form(client, "/platform/rings/new", code="ruhr", name="Ruhrgebiet")
    response = client.post("/platform/rings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    created = ring("ruhr")
    assert created.name == "Ruhrgebiet"
    edit = f"/platform/rings/{created.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', html).group(1)
    data = ring_form(client, edit, code="ruhr", name="Ruhrgebiet-Städte", version=version)
    assert client.post(edit, data=data).status_code == 302
    db.session.expire_all()
    assert ring("ruhr").name == "Ruhrgebiet-Städte"
    token = csrf_token(client, f"/platform/rings/{created.id}")
    archive = client.post(f"/platform/rings/{created.id}/archive", data={"csrf_token": token})
    assert archive.status_code == 302
    db.session.expire_all()
    assert ring("ruhr").archived_at is not None


def test_detail_lists_the_participants(auth):
    client = auth("platform", "platform")
    html = client.get(f"/platform/rings/{ring('nrw-staedte').id}").get_data(as_text=True)
    assert "Stadt Marl" in html and "Stadt Hamm" in html
    assert "Regionalverband" not in html


def test_stale_edit_is_a_conflict(auth, app):
    client = auth("platform", "platform")
    nrw = ring("nrw-staedte")
    edit = f"/platform/rings/{nrw.id}/edit"
    data = ring_form(client, edit, code="nrw-staedte", name="NRW (meine Fassung)")
    data["version"] = "1999-01-01T00:00:00"
    response = client.post(edit, data=data)
    assert response.status_code == 409
    db.session.expire_all()
    assert ring("nrw-staedte").name == "NRW-Städte"


def test_duplicate_code_is_refused(auth):
    client = auth("platform", "platform")
    data = ring_form(client, "/platform/rings/new", code="alle", name="Noch einmal alle")
    response = client.post("/platform/rings/new", data=data)
    assert response.status_code == 400
    count = (
        db.session.execute(select(ComparisonRing).where(ComparisonRing.code == "alle"))
        .scalars()
        .all()
    )
    assert len(count) == 1


@pytest.mark.parametrize("role", ["admin", "coordinator", "viewer"])
def test_tenant_users_cannot_manage_rings(app, role):
    client = app.test_client()
    login(client, f"{role}@marl.example", "marl")
    assert client.get("/platform/rings/").status_code == 403
    assert client.get("/platform/rings/new").status_code == 403
    assert client.post(f"/platform/rings/{ring('alle').id}/archive").status_code in (400, 403)


def test_anonymous_is_sent_to_the_platform_login(client):
    response = client.get("/platform/rings/")
    assert response.status_code == 302 and "/platform/login" in response.location


def test_archived_ring_disappears_for_tenants(auth):
    nrw = ring("nrw-staedte")
    from saas.core.db import utcnow

    nrw.archived_at = utcnow()
    db.session.commit()
    client = auth("admin", "marl")
    assert "NRW-Städte" not in client.get("/marl/comparison/").get_data(as_text=True)
    assert client.get(f"/marl/comparison/{nrw.id}").status_code == 404


def test_cli_publishes_one_or_all_tenants(app, tenants):
    put_figures(tenants["marl"], 2022, {"A1": {"HZE_RUN": 50, "POP_U21": 1500}})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["comparison", "publish", "marl"])
    assert result.exit_code == 0, result.output
    assert "marl:" in result.output
    assert publications(tenants["marl"])
    result = runner.invoke(args=["comparison", "publish"])
    assert result.exit_code == 0 and "hamm: 0" in result.output
    result = runner.invoke(args=["comparison", "publish", "gibt-es-nicht"])
    assert result.exit_code != 0
