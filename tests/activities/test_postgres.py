"""Object scope, offering key and form tokens on PostgreSQL as the runtime role (RLS on)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from saas.activities.models import Activity
from saas.areas.models import Area
from saas.auth.models import Membership
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.offerings.models import Offering
from saas.offices.models import Office, OfficeArea
from tests.conftest import login, tenant

pytestmark = pytest.mark.postgres


def _setup() -> dict:
    marl = tenant("marl")
    with tenant_scope(marl):
        staff = db.session.execute(
            select(Membership).where(Membership.role == "staff")
        ).scalar_one()
        own = staff.office_ids[0]
        other = db.session.execute(select(Office.id).where(Office.id != own)).scalars().first()
        served = set(
            db.session.execute(
                select(OfficeArea.area_id).where(OfficeArea.office_id == own)
            ).scalars()
        )
        outside = (
            db.session.execute(select(Area).where(Area.id.not_in(served), Area.parent_id.is_(None)))
            .scalars()
            .first()
        )
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "ION_COUNT", Metric.tenant_id.is_(None))
        ).scalar_one()
        foreign = Offering(code="zzpgcafe", name="Elterncafé", office_id=other)
        figure = FigureValue(metric_id=metric, area_id=outside.id, period="2023-04", value=5)
        db.session.add_all([foreign, figure])
        db.session.commit()
        return {
            "own": own,
            "other": other,
            "outside": outside.code,
            "foreign": foreign.id,
            "figure": figure.id,
        }


def _activities() -> int:
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        return db.session.execute(select(func.count()).select_from(Activity)).scalar_one()


def test_scope_offering_key_and_form_token_on_postgres(pg_app: Flask) -> None:
    objs = _setup()
    client = pg_app.test_client()
    assert login(client, "staff@marl.example", "marl").status_code == 302

    # one activity for a form sent twice
    html = client.get("/marl/activities/new").get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1],
        "idempotency_token": re.search(r'name="idempotency_token" value="([^"]+)"', html)[1],
        "date": date.today().replace(day=1).isoformat(),
        "office_id": str(objs["own"]),
        "area_id": "None",
        "kind": "event",
        "offering_id": "None",
        "p_0_5": "2",
    }
    before = _activities()
    first = client.post("/marl/activities/new", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[-1500:]
    second = client.post("/marl/activities/new", data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert _activities() == before + 1
    refused = client.post(
        "/marl/activities/new",
        data={
            **data,
            "idempotency_token": re.search(
                r'name="idempotency_token" value="([^"]+)"',
                client.get("/marl/activities/new").get_data(as_text=True),
            )[1],
            "offering_id": str(objs["foreign"]),
        },
    )
    assert refused.status_code == 400 and _activities() == before + 1

    # figures outside the scope: value 404, export without them, import row error
    assert client.get(f"/marl/figures/values/{objs['figure']}").status_code == 404
    export = client.get("/marl/figures/export.csv").get_data(as_text=True)
    assert not any(line.startswith(objs["outside"] + ",") for line in export.splitlines())
    token = re.search(
        r'name="csrf_token" value="([^"]+)"',
        client.get("/marl/figures/import").get_data(as_text=True),
    )[1]
    upload = f"area_code,metric_code,period,value\n{objs['outside']},ION_COUNT,2023-05,3\n"
    response = client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(upload.encode()), "f.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "Unbekanntes Gebiet" in response.get_data(as_text=True)

    # period steps: own office yes, another office 404
    period = date.today().strftime("%Y-%m")
    base = "/marl/activities/months"
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(base).get_data(as_text=True)
    )[1]
    assert (
        client.post(
            f"{base}/{objs['other']}/{period}/submit", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(f"{base}/{objs['own']}/{period}/submit", data={"csrf_token": token}).status_code
        == 302
    )
