"""Uploads are bounded over time: a per-user upload rate (429, a German message, an audit
event) and unconfirmed import batches that expire and are deleted (on access, by the worker's
check task and by ``flask imports purge``)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import func, select

from saas.core.audit import AuditLog
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import ImportBatch
from tests.conftest import csrf_token

CSV = b"area_code,metric_code,period,value\nA1,ION_COUNT,2023-01,4\n"


def upload(client: FlaskClient, data: bytes = CSV) -> Any:
    token = csrf_token(client, "/marl/figures/import")
    return client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "werte.csv")},
        content_type="multipart/form-data",
    )


def batches(marl: Any) -> list[tuple[int, str]]:
    db.session.rollback()
    with tenant_scope(marl):
        found = db.session.execute(select(ImportBatch.id, ImportBatch.status)).all()
    db.session.rollback()
    return [tuple(row) for row in found]  # type: ignore[misc]


def age(marl: Any, hours: float) -> None:
    """Make every batch of Marl ``hours`` old."""
    with tenant_scope(marl):
        for batch in db.session.execute(select(ImportBatch)).scalars():
            batch.created_at = utcnow() - timedelta(hours=hours)
        db.session.commit()


def test_upload_rate_per_user(app: Flask, auth, marl) -> None:
    settings = {
        "SAAS_UPLOAD_RATE_ENABLED": True,
        "SAAS_UPLOADS_PER_HOUR": 2,
        "RATELIMIT_KEY_PREFIX": f"saas-test-{uuid.uuid4().hex}",
    }
    app.config.update(settings)
    client = auth("coordinator", "marl")
    assert upload(client).status_code == 303
    assert upload(client).status_code == 303
    refused = upload(client)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Sie haben in der letzten Stunde 2 Dateien hochgeladen." in html
    assert len(batches(marl)) == 2  # the third file was not even read
    with all_tenants():
        event = db.session.execute(
            select(AuditLog).where(AuditLog.action == "upload_rate_limited")
        ).scalar_one()
    assert event.changes == {"kind": "figures", "limit": 2} and event.user_id is not None
    # another user has a count of their own
    other = app.test_client()
    from tests.conftest import login

    login(other, "admin@marl.example", "marl")
    assert upload(other).status_code == 303


def test_an_expired_batch_cannot_be_applied_and_is_deleted_on_access(auth, marl) -> None:
    client = auth("coordinator", "marl")
    preview = upload(client).headers["Location"]
    hours = current_app.config["SAAS_IMPORT_BATCH_HOURS"]
    age(marl, hours + 1)
    assert client.get(preview).status_code == 404
    token = csrf_token(client, "/marl/figures/import")
    assert client.post(f"{preview}/apply", data={"csrf_token": token}).status_code == 404
    assert len(batches(marl)) == 1
    upload(client, CSV.replace(b"A1,", b"A2,"))  # the next upload purges what expired
    with tenant_scope(marl):
        kept = db.session.execute(select(ImportBatch)).scalars().all()
        assert len(kept) == 1 and b"A2," in kept[0].content  # only the new one


def test_a_young_or_applied_batch_is_kept(auth, marl) -> None:
    client = auth("coordinator", "marl")
    first = upload(client).headers["Location"]
    token = csrf_token(client, first)
    client.post(f"{first}/apply", data={"csrf_token": token})
    age(marl, 1000)  # the applied one is old, but applied
    upload(client)
    assert sorted(status for _id, status in batches(marl)) == ["applied", "pending"]
    assert client.get(first).status_code == 200  # its summary stays readable


def test_flask_imports_purge_deletes_expired_batches_of_every_tenant(
    app: Flask, auth, marl
) -> None:
    from saas.figures.cli import imports

    client = auth("coordinator", "marl")
    upload(client)
    upload(client)
    age(marl, current_app.config["SAAS_IMPORT_BATCH_HOURS"] + 1)
    with tenant_scope(marl):  # one of today
        db.session.add(ImportBatch(filename="neu.csv", content=CSV, status="pending"))
        db.session.commit()
    result = app.test_cli_runner().invoke(imports, ["purge"])
    assert result.exit_code == 0, result.output
    assert "2 abgelaufene Importdateien gelöscht." in result.output
    assert len(batches(marl)) == 1
    with all_tenants():
        assert db.session.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 1
