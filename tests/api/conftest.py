"""API tests on Marl with ten years of generated demo figures (``app_with_marl_data``).

``api`` calls the API with a token and checks every answer against the OpenAPI document
(the schema its path and status declare), so each test also tests the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import select

from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from tests.conftest import app_with_marl_data, tenant

PREFIX = "/api/v1"


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    yield from app_with_marl_data(request, tmp_path)


def user_id(email: str) -> int:
    from saas.auth.models import User

    with all_tenants():
        return db.session.execute(select(User.id).where(User.email == email)).scalar_one()


def make_token(email: str, slug: str = "marl", *, days: int = 30, **fields: Any) -> str:
    """A token of a demo account, stored as the token page stores it (its hash)."""
    import secrets

    from saas.api.models import ApiToken
    from saas.api.services import PREFIX as TOKEN_PREFIX
    from saas.api.services import digest

    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with tenant_scope(tenant(slug)):
        db.session.add(
            ApiToken(
                user_id=user_id(email),
                name="test",
                token_hash=digest(secret),
                prefix=secret[:10],
                expires_at=utcnow() + timedelta(days=days),
                **fields,
            )
        )
        db.session.commit()
    return secret


def openapi_path(app: Flask, path: str) -> str:
    """The document's path of a request path (``/reports/published/{report_id}``)."""
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path.split("?")[0])
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule).removeprefix(PREFIX)


def conform(app: Flask, path: str, status: int, body: Any) -> None:
    """The answer matches the schema the document declares for its path and status."""
    from saas.api.openapi import document

    spec = document()
    operation = spec["paths"][openapi_path(app, path)]["get"]
    assert str(status) in operation["responses"], (path, status, body)
    content = operation["responses"][str(status)]["content"]["application/json"]
    if "schema" not in content:
        return
    schema = {**content["schema"], "components": spec["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
    assert not errors, (path, status, [e.message for e in errors[:5]])


class Api:
    """GET requests to the API with a token; every answer is checked against the document."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def get(self, path: str, token: str | None = None, **headers: str) -> Any:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.get(PREFIX + path, headers=headers)
        assert response.mimetype == "application/json", (path, response.status_code)
        conform(self.app, PREFIX + path, response.status_code, response.get_json())
        return response


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)
