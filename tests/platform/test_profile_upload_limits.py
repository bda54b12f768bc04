"""A profile upload cannot pin a worker: aliases and deep nesting are refused while parsing."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from tests.core.test_uploads import alias_bomb
from tests.platform.test_onboarding import _start

HEAD = (
    'profile_version: "1"\nslug: bombe\nname: Bombe\ndefault_locale: de\n'
    "vocabulary: {office: Büro, offices: Büros, area: Gebiet, areas: Gebiete}\n"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (alias_bomb(), "Anker und Aliase"),
        ("x: " + "[" * 3000 + "]" * 3000 + "\n", "tiefer als 20 Ebenen"),
    ],
    ids=["alias-bomb", "deep-nesting"],
)
def test_a_hostile_profile_is_refused_with_a_message_and_writes_nothing(
    auth, client, body, expected
):
    auth("platform", "platform")
    tenant_id, token = _start(client, "bombe")
    started = time.perf_counter()
    response = client.post(
        f"/platform/onboard/{tenant_id}/profile",
        data={
            "csrf_token": token,
            "source": "upload",
            "files": [(io.BytesIO((HEAD + body).encode()), "tenant.yaml")],
        },
        content_type="multipart/form-data",
    )
    assert time.perf_counter() - started < 20  # generous; the refusal takes milliseconds
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "tenant.yaml:6" in html and expected in html
    with tenant_scope(tenant_id):
        assert db.session.execute(select(func.count()).select_from(Area)).scalar() == 0


def test_profile_and_areas_uploads_share_the_hourly_upload_budget(app, auth, client):
    """The per-user upload rate covered only the figures import; the wizard's profile and
    areas uploads took any number of files. Now every upload spends the same budget."""
    import uuid

    from saas.core.audit import AuditLog
    from saas.core.tenancy import all_tenants

    app.config.update(
        SAAS_UPLOAD_RATE_ENABLED=True,
        SAAS_UPLOADS_PER_HOUR=2,
        RATELIMIT_KEY_PREFIX=f"saas-test-{uuid.uuid4().hex}",
    )
    auth("platform", "platform")
    tenant_id, token = _start(client, "budget")

    def send(step: str, field: str, name: str) -> int:
        return client.post(
            f"/platform/onboard/{tenant_id}/{step}",
            data={
                "csrf_token": token,
                "source": "upload",
                field: [(io.BytesIO(HEAD.encode()), name)],
            },
            content_type="multipart/form-data",
        ).status_code

    assert send("profile", "files", "tenant.yaml") != 429
    assert send("areas", "file", "gebiete.csv") != 429
    refused = client.post(
        f"/platform/onboard/{tenant_id}/profile",
        data={"csrf_token": token, "source": "upload", "files": [(io.BytesIO(b"x"), "t.yaml")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 429
    assert "Sie haben in der letzten Stunde 2 Dateien hochgeladen." in refused.get_data(
        as_text=True
    )
    with all_tenants():
        kinds = [
            e.changes["kind"]
            for e in db.session.execute(
                select(AuditLog).where(AuditLog.action == "upload_rate_limited")
            ).scalars()
        ]
    assert kinds == ["profile"]
