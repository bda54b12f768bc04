"""Key figure pages: the entry grid, upload with confirmation, approval, history, catalogue."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue, ImportBatch
from saas.metrics.models import Metric
from tests.config.factories import seed_config_for_staff
from tests.conftest import csrf_token, login, tenant

PERIOD = "2024-06"


@pytest.fixture
def marl(app):
    return seed_config_for_staff(tenant("marl"))


def metric_ids(*codes: str) -> dict[str, int]:
    with all_tenants():
        rows = db.session.execute(
            select(Metric.code, Metric.id).where(Metric.code.in_(codes), Metric.tenant_id.is_(None))
        ).all()
    return dict(rows)


def grid_url(marl) -> str:
    return f"/marl/figures/grid/{marl['area'].id}/{PERIOD}"


def grid_form(client, url) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "fingerprint": re.search(r'name="fingerprint" value="([^"]+)"', html).group(1),
    }


def stored(marl, code: str) -> float | None:
    db.session.rollback()
    ids = metric_ids(code)
    with tenant_scope(tenant("marl")):
        return db.session.execute(
            select(FigureValue.value).where(
                FigureValue.metric_id == ids[code],
                FigureValue.area_id == marl["area"].id,
                FigureValue.period == PERIOD,
            )
        ).scalar()


def test_grid_saves_values_and_shows_history(auth, client, marl):
    auth("staff", "marl")
    ids = metric_ids("HZE_RUN", "HZE_RUN_34")
    url = grid_url(marl)
    form = grid_form(client, url)
    response = client.post(
        url, data={**form, f"m_{ids['HZE_RUN']}": "40", f"m_{ids['HZE_RUN_34']}": "12"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert stored(marl, "HZE_RUN") == 40 and stored(marl, "HZE_RUN_34") == 12
    # change one value; the value page shows who changed it from what to what
    form = grid_form(client, url)
    client.post(url, data={**form, f"m_{ids['HZE_RUN_34']}": "14"})
    with tenant_scope(tenant("marl")):
        value_id = db.session.execute(
            select(FigureValue.id).where(
                FigureValue.metric_id == ids["HZE_RUN_34"], FigureValue.period == PERIOD
            )
        ).scalar_one()
    html = client.get(f"/marl/figures/values/{value_id}").get_data(as_text=True)
    assert "12.0 → 14.0" in html or "12 → 14" in html
    assert "Demo staff" in html


def test_grid_rejects_part_larger_than_total_and_saves_nothing(auth, client, marl):
    auth("staff", "marl")
    ids = metric_ids("HZE_RUN", "HZE_RUN_34")
    url = grid_url(marl)
    form = grid_form(client, url)
    response = client.post(
        url, data={**form, f"m_{ids['HZE_RUN']}": "10", f"m_{ids['HZE_RUN_34']}": "12"}
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert stored(marl, "HZE_RUN") is None and stored(marl, "HZE_RUN_34") is None


def test_grid_negative_value_error_in_german(auth, client, marl):
    auth("staff", "marl")
    ids = metric_ids("ION_COUNT")
    url = grid_url(marl)
    response = client.post(url, data={**grid_form(client, url), f"m_{ids['ION_COUNT']}": "-2"})
    assert response.status_code == 400
    assert "negativ" in response.get_data(as_text=True).lower()


def test_approved_period_is_locked_and_reopen_needs_reason(app, auth, client, marl):
    ids = metric_ids("ION_COUNT")
    auth("coordinator", "marl")
    url = grid_url(marl)
    client.post(url, data={**grid_form(client, url), f"m_{ids['ION_COUNT']}": "3"})
    token = csrf_token(client, url)
    base = f"/marl/figures/periods/{marl['area'].id}/{PERIOD}"
    client.post(f"{base}/submit", data={"csrf_token": token})
    client.post(f"{base}/approve", data={"csrf_token": token})
    html = client.get(url).get_data(as_text=True)
    assert f'name="m_{ids["ION_COUNT"]}"' not in html  # no inputs on a locked period
    response = client.post(url, data={**grid_form(client, url), f"m_{ids['ION_COUNT']}": "9"})
    assert response.status_code == 403
    assert stored(marl, "ION_COUNT") == 3
    # the file importer refuses the approved period too
    csv = f"area_code,metric_code,period,value\n{marl['area'].code},ION_COUNT,{PERIOD},9\n"
    response = client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv.encode()), "werte.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert stored(marl, "ION_COUNT") == 3
    client.post(f"{base}/reopen", data={"csrf_token": token, "reason": ""})
    assert f'name="m_{ids["ION_COUNT"]}"' not in client.get(url).get_data(as_text=True)
    client.post(f"{base}/reopen", data={"csrf_token": token, "reason": "Korrektur Jugendamt"})
    assert f'name="m_{ids["ION_COUNT"]}"' in client.get(url).get_data(as_text=True)
    with all_tenants():
        reasons = (
            db.session.execute(select(AuditLog.changes).where(AuditLog.action == "workflow"))
            .scalars()
            .all()
        )
    assert reasons[-1]["reason"] == "Korrektur Jugendamt" and reasons[-1]["to"] == "reopened"


def test_staff_cannot_approve(auth, client, marl):
    auth("staff", "marl")
    token = csrf_token(client, grid_url(marl))
    base = f"/marl/figures/periods/{marl['area'].id}/{PERIOD}"
    client.post(f"{base}/submit", data={"csrf_token": token})
    client.post(f"{base}/approve", data={"csrf_token": token})
    html = client.get(grid_url(marl)).get_data(as_text=True)
    assert "Eingereicht" in html or "Submitted" in html


def test_concurrent_grid_edits_conflict(app, auth, client, marl):
    auth("staff", "marl")
    other = app.test_client()
    login(other, "coordinator@marl.example", "marl")
    ids = metric_ids("ION_COUNT")
    url = grid_url(marl)
    mine, theirs = grid_form(client, url), grid_form(other, url)
    assert other.post(url, data={**theirs, f"m_{ids['ION_COUNT']}": "5"}).status_code == 302
    response = client.post(url, data={**mine, f"m_{ids['ION_COUNT']}": "7"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'value="7"' in html  # the loser's entry is kept in the form
    assert stored(marl, "ION_COUNT") == 5


def _upload(client, text: str | bytes, name: str = "f.csv"):
    token = csrf_token(client, "/marl/figures/import")
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _apply(client, response, **choices: str):
    """Press "Übernehmen" on the preview the upload ``response`` redirected to."""
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    preview = response.headers["Location"]
    token = csrf_token(client, preview)
    return client.post(f"{preview}/apply", data={"csrf_token": token, **choices})


def test_upload_with_warning_is_previewed_then_applied(auth, client, marl):
    auth("staff", "marl")
    code = marl["area"].code
    first = _upload(client, f"area_code,metric_code,period,value\n{code},ION_COUNT,2023-06,10\n")
    assert _apply(client, first).status_code == 303
    jump = _upload(client, f"area_code,metric_code,period,value\n{code},ION_COUNT,{PERIOD},90\n")
    preview = client.get(jump.headers["Location"]).get_data(as_text=True)
    assert "Es wurde noch nichts geschrieben." in preview and "Auffällige Werte" in preview
    assert stored(marl, "ION_COUNT") is None  # not yet written
    done = _apply(client, jump)
    assert done.status_code == 303
    assert stored(marl, "ION_COUNT") == 90
    with tenant_scope(tenant("marl")):
        statuses = db.session.execute(select(ImportBatch.status)).scalars().all()
    assert statuses == ["applied", "applied"]


def test_export_round_trip_reports_no_changes(auth, client, marl):
    auth("staff", "marl")
    csv = client.get("/marl/figures/export.csv")
    assert csv.status_code == 200 and csv.data.startswith(
        b"area_code,area_name,metric_code,metric_name,period,value,version"
    )
    with all_tenants():
        before = db.session.execute(select(func.count()).select_from(AuditLog)).scalar()
    response = _upload(client, csv.data, "export.csv")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    unchanged = csv.data.count(b"\n") - 1  # every line of the export
    assert f"0 neue Werte, 0 geänderte Werte, {unchanged} unverändert" in " ".join(html.split())
    assert "Die Datei ändert nichts." in html
    with all_tenants():
        assert db.session.execute(select(func.count()).select_from(AuditLog)).scalar() == before
    xlsx = client.get("/marl/figures/export.xlsx")
    assert xlsx.data[:2] == b"PK"


def test_platform_admin_manages_shared_catalogue(auth, client):
    auth("platform", "platform")
    html = client.get("/platform/metrics/").get_data(as_text=True)
    assert "HZE_RUN_34" in html
    token = csrf_token(client, "/platform/metrics/new")
    response = client.post(
        "/platform/metrics/new",
        data={
            "csrf_token": token,
            "code": "SRO_HOME_VISITS",
            "label_de": "Hausbesuche",
            "label_en": "Home visits",
            "unit": "count",
            "kind": "flow",
            "time_aggregation": "sum",
            "area_aggregation": "sum",
            "periodicity": "month",
            "group": "sro",
            "position": "99",
            "min_value": "0",
            "integer": "y",
            "warn_factor": "3",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with all_tenants():
        metric = db.session.execute(
            select(Metric).where(Metric.code == "SRO_HOME_VISITS")
        ).scalar_one()
        assert metric.tenant_id is None and metric.rules["integer"] is True
    # a duplicate code is refused
    response = client.post(
        "/platform/metrics/new",
        data={
            "csrf_token": token,
            "code": "HZE_RUN",
            "label_de": "x",
            "label_en": "x",
            "unit": "c",
            "kind": "flow",
            "time_aggregation": "sum",
            "area_aggregation": "sum",
            "periodicity": "month",
            "position": "1",
        },
    )
    assert response.status_code == 400


def test_local_metric_stays_with_its_tenant(app, auth, client, marl):
    auth("admin", "marl")
    token = csrf_token(client, "/marl/metrics/new")
    response = client.post(
        "/marl/metrics/new",
        data={
            "csrf_token": token,
            "code": "MARL_ELTERNBRIEFE",
            "label_de": "Elternbriefe",
            "label_en": "Parent letters",
            "unit": "count",
            "kind": "flow",
            "time_aggregation": "sum",
            "area_aggregation": "sum",
            "periodicity": "month",
            "position": "1",
            "min_value": "0",
            "warn_factor": "3",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with all_tenants():
        local = db.session.execute(
            select(Metric).where(Metric.code == "MARL_ELTERNBRIEFE")
        ).scalar_one()
    assert local.tenant_id == tenant("marl").id
    assert "MARL_ELTERNBRIEFE" in client.get(grid_url(marl)).get_data(as_text=True)
    hamm = app.test_client()
    login(hamm, "admin@hamm.example", "hamm")
    assert hamm.get(f"/hamm/metrics/{local.id}").status_code == 404
    assert "MARL_ELTERNBRIEFE" not in hamm.get("/hamm/metrics/").get_data(as_text=True)
    platform = app.test_client()
    login(platform, "platform@sozialraum.example", "platform")
    assert platform.get(f"/platform/metrics/{local.id}").status_code == 404


def test_staff_cannot_open_areas_outside_their_offices(auth, client, marl):
    auth("staff", "marl")
    with tenant_scope(tenant("marl")):
        from saas.areas.models import Area

        other = (
            db.session.execute(select(Area.id).where(Area.id != marl["area"].id)).scalars().first()
        )
    assert client.get(f"/marl/figures/grid/{other}/{PERIOD}").status_code == 404
    assert client.get(grid_url(marl)).status_code == 200


def test_grid_and_import_messages_follow_the_english_ui(auth, client, marl):
    auth("staff", "marl")
    url = grid_url(marl)
    client.post("/lang", data={"locale": "en", "next": url, "csrf_token": csrf_token(client, url)})
    ids = metric_ids("ION_COUNT")
    response = client.post(url, data={**grid_form(client, url), f"m_{ids['ION_COUNT']}": "-2"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Negative value -2 not allowed." in html and "negativ" not in html.lower().replace(
        "negative value", ""
    )
    token = csrf_token(client, "/marl/figures/import")
    bad = "area_code,metric_code,period,value\nNOWHERE,ION_COUNT,2023-06,1\n"
    response = client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "a.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unknown area “NOWHERE”." in html
