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
