"""Published snapshots through the API, and tenant isolation: the tenant is the token's."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.reports.models import PublishedReport, ReportTemplate
from tests.api.conftest import Api, make_token
from tests.api.test_reports import api_rows, in_order
from tests.conftest import csrf_token, tenant
from tests.reports.conftest import shared


def publish(client: FlaskClient, first: int = 2022, last: int = 2024) -> int:
    """Publish Marl's HzE report on the web page, as a coordinator; the snapshot's id."""
    template = shared("entwicklung-hze")
    data = {
        "csrf_token": csrf_token(client, "/marl/reports/run"),
        "template": template.id,
        "from": first,
        "to": last,
        "level": "stadtteil",
        "comment-0": "2024 zogen drei große Familien zu.",
    }
    response = client.post("/marl/reports/run/publish", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_snapshot_reads_as_stored_with_the_web_exports_cells_and_its_revision(
    app: Flask, api: Api, client: FlaskClient, auth: Any
) -> None:
    auth("coordinator", "marl")
    report_id = publish(client)
    token = make_token("viewer@marl.example")  # reading snapshots is what viewers are for
    listed = api.get("/reports/published", token).get_json()["published"]
    assert [item["id"] for item in listed] == [report_id]
    assert listed[0]["url"] == f"/api/v1/reports/published/{report_id}"
    assert (listed[0]["first_year"], listed[0]["last_year"]) == (2022, 2024)
    answer = api.get(f"/reports/published/{report_id}", token).get_json()
    assert answer["revised_years"] == []
    assert answer["commentary"] == [{"section": 0, "text": "2024 zogen drei große Familien zu."}]
    export = client.get(f"/marl/reports/published/{report_id}/export.csv")
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig")), delimiter=";"))
    assert in_order(api_rows(answer["report"]), rows)
    assert "p" in {text[-1:] for row in api_rows(answer["report"]) for text in row[1:]}

    # a figure of 2023 corrected after publishing: the snapshot keeps its numbers and says so
    with tenant_scope(tenant("marl")):
        figure = db.session.execute(
            select(FigureValue).where(FigureValue.period == "2023-12").limit(1)
        ).scalar_one()
        figure.value += 5
        db.session.commit()
    again = api.get(f"/reports/published/{report_id}", token).get_json()
    assert again["revised_years"] == [2023]
    assert again["report"]["sections"] == answer["report"]["sections"]
    page = client.get(f"/marl/reports/published/{report_id}").get_data(as_text=True)
    assert "2023" in page and "korrigiert" in page  # the web page's revision note alike


def test_a_token_of_marl_cannot_reach_hamms_snapshot_or_template(
    app: Flask, api: Api, client: FlaskClient, auth: Any
) -> None:
    auth("coordinator", "marl")
    marl_report = publish(client, 2023, 2023)
    hamm = tenant("hamm")
    with tenant_scope(hamm):
        snapshot = db.session.execute(
            select(PublishedReport).where(PublishedReport.id == marl_report)
        ).scalar_one_or_none()
        assert snapshot is None  # scoping holds on the test's side too
    with tenant_scope(tenant("marl")):
        marl_snapshot = db.session.execute(
            select(PublishedReport.snapshot).where(PublishedReport.id == marl_report)
        ).scalar_one()
    with tenant_scope(hamm):
        hamm_report = PublishedReport(
            template_code="entwicklung-hze",
            template_version=1,
            title="Hamm 2023",
            params={"from": 2023, "to": 2023},
            snapshot=marl_snapshot,
        )
        variant = ReportTemplate(
            tenant_id=hamm.id,
            code="hamm-eigen",
            version=1,
            title_de="Hamms eigene Vorlage",
            title_en="Hamm's own",
            definition={
                "sections": [{"type": "kpis", "title_de": "K", "indicators": ["HZE_CASES"]}]
            },
        )
        db.session.add_all([hamm_report, variant])
        db.session.commit()
        hamm_id, variant_id = hamm_report.id, variant.id
    marl = make_token("admin@marl.example")
    hamm_token = make_token("admin@hamm.example", "hamm")

    # Hamm reaches its own (the controls) ...
    assert api.get(f"/reports/published/{hamm_id}", hamm_token).status_code == 200
    assert variant_id in {
        t["id"] for t in api.get("/reports/templates", hamm_token).get_json()["templates"]
    }
    ok = api.get(f"/reports/run?template={variant_id}&year=2023", hamm_token)
    assert ok.status_code == 200 and ok.get_json()["tenant"] == "hamm"
    # ... Marl's token does not: 404 as for an id that never existed, never 403
    for path in (
        f"/reports/published/{hamm_id}",
        f"/reports/run?template={variant_id}&year=2023",
        "/reports/run?template=hamm-eigen&year=2023",
    ):
        response = api.get(path, marl)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] in ("not_found", "unknown_template")
    never = api.get("/reports/published/999999", marl)
    assert api.get(f"/reports/published/{hamm_id}", marl).get_json() == never.get_json()
    assert hamm_id not in {
        p["id"] for p in api.get("/reports/published", marl).get_json()["published"]
    }
    templates = api.get("/reports/templates", marl).get_json()["templates"]
    assert variant_id not in {t["id"] for t in templates}
    assert "hamm-eigen" not in {t["code"] for t in templates}
    # the client cannot name the tenant: the token's wins over any address or header
    steered = api.get(f"/reports/published/{hamm_id}?tenant=hamm", marl, **{"X-Tenant": "hamm"})
    assert steered.status_code == 404
    assert api.get(f"/reports/published/{marl_report}", hamm_token).status_code == 404
    assert api.get(f"/reports/published/{marl_report}", marl).status_code == 200
