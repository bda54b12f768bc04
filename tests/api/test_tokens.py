"""Personal API tokens: shown once, stored as a hash, audited; what opens the API and what
does not (revoked, expired, deactivated, no longer a member, the session cookie)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from saas.api.models import ApiToken
from saas.auth.models import Membership, User
from saas.core.audit import AuditLog
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from tests.api.conftest import Api, make_token, user_id
from tests.conftest import DEMO_PASSWORD, csrf_token, tenant

PAGE = "/marl/account/api-tokens/"
SECRET = re.compile(r'<code class="wrap-anywhere" id="new-token">(sr_[A-Za-z0-9_-]{43})</code>')


def _create(
    client: FlaskClient, name: str = "Skript", days: Any = 30, password: str = DEMO_PASSWORD
) -> Any:
    data = {"csrf_token": csrf_token(client, PAGE), "name": name, "days": days}
    data["password"] = password
    return client.post(PAGE, data=data)


def _marl_tokens() -> list[ApiToken]:
    with tenant_scope(tenant("marl")):
        tokens = list(db.session.execute(select(ApiToken)).scalars())
        for token in tokens:
            db.session.expunge(token)  # read as stored, not reloaded outside the tenant
    db.session.rollback()
    return tokens


def test_a_token_is_shown_once_stored_as_its_hash_and_audited(
    app: Flask, client: FlaskClient, auth: Any, api: Api
) -> None:
    auth("viewer", "marl")
    created = _create(client, "Auswertung Jugendhilfeplanung", 90)
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert "nur einmal angezeigt" in html
    (token,) = _marl_tokens()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(
        [getattr(token, c.key) for c in ApiToken.__table__.columns]
    )  # only the hash is kept
    assert token.prefix == secret[:10] and token.user_id == user_id("viewer@marl.example")
    assert (
        timedelta(days=89)
        < token.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        <= timedelta(days=90)
    )
    page = client.get(PAGE).get_data(as_text=True)
    assert secret not in page and f"{secret[:10]}…" in page and "Auswertung" in page
    assert api.get("/reports/published", secret).status_code == 200

    revoke = client.post(
        f"/marl/account/api-tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert revoke.status_code == 302
    assert api.get("/reports/published", secret).status_code == 401
    with tenant_scope(tenant("marl")):
        entries = list(
            db.session.execute(
                select(AuditLog).where(
                    AuditLog.entity == "api_tokens", AuditLog.entity_id == token.id
                )
            ).scalars()
        )
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].changes["token_hash"] == [None, "***"]
    assert entries[0].user_id == user_id("viewer@marl.example")
    assert "revoked_at" in entries[1].changes


def test_a_wrong_password_creates_no_token_and_is_audited(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    """A token lasts up to a year: the signed-in session alone (a browser left open, a
    stolen cookie) does not make one; the password is asked again, and a wrong one is
    recorded as a failed sign-in."""
    auth("coordinator", "marl")
    response = _create(client, password="falsch")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Das Passwort ist nicht korrekt." in html and not SECRET.search(html)
    assert _marl_tokens() == []
    with all_tenants():
        failures = db.session.execute(
            select(AuditLog).where(AuditLog.action == "login_failed")
        ).scalars()
        assert any((f.changes or {}).get("purpose") == "api_token" for f in failures)
    assert _create(client).status_code == 201


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", 30, "Dieses Feld wird benötigt"),
        ("Skript", 366, "365"),
        ("Skript", 0, "365"),
        ("x" * 101, 30, "100"),
    ],
)
def test_a_bad_token_form_is_refused_and_stores_nothing(
    app: Flask, client: FlaskClient, auth: Any, name: str, days: int, message: str
) -> None:
    auth("coordinator", "marl")
    response = _create(client, name, days)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert not SECRET.search(response.get_data(as_text=True))
    assert _marl_tokens() == []


def test_only_the_owner_revokes_a_token(
    app: Flask, client: FlaskClient, auth: Any, api: Api
) -> None:
    secret = make_token("coordinator@marl.example")
    (token,) = _marl_tokens()
    auth("viewer", "marl")
    response = client.post(
        f"/marl/account/api-tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 404
    assert api.get("/reports/templates", secret).status_code == 200


def test_the_account_page_links_to_the_token_page_of_each_membership(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    auth("admin", "marl")
    html = client.get("/account/").get_data(as_text=True)
    assert 'href="/marl/account/api-tokens/"' in html
    assert "/hamm/account/api-tokens/" not in html


def _unauthorized(response: Any) -> None:
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and "API-Token" in error["message"]


def test_no_token_or_an_unknown_one_is_401(app: Flask, api: Api) -> None:
    _unauthorized(api.get("/reports/templates"))
    _unauthorized(api.get("/reports/templates", "sr_" + "A" * 43))
    _unauthorized(api.get("/reports/templates", Authorization="Basic c3I6eA=="))
    secret = make_token("coordinator@marl.example")
    _unauthorized(api.get("/reports/templates", Authorization=f"Token {secret}"))
    assert api.get("/reports/templates", secret).status_code == 200  # the control


def test_a_revoked_or_expired_token_is_401(app: Flask, api: Api) -> None:
    revoked = make_token("coordinator@marl.example", revoked_at=utcnow())
    expired = make_token("coordinator@marl.example", days=-1)
    _unauthorized(api.get("/reports/templates", revoked))
    _unauthorized(api.get("/reports/templates", expired))


def test_a_deactivated_user_or_a_revoked_membership_is_401(app: Flask, api: Api) -> None:
    coordinator = make_token("coordinator@marl.example")
    viewer = make_token("viewer@marl.example")
    assert api.get("/reports/templates", coordinator).status_code == 200
    assert api.get("/reports/published", viewer).status_code == 200
    with all_tenants():
        db.session.execute(
            update(User).where(User.email == "coordinator@marl.example").values(is_active=False)
        )
        db.session.commit()
    with tenant_scope(tenant("marl")):
        db.session.execute(
            update(Membership)
            .where(Membership.user_id == user_id("viewer@marl.example"))
            .values(revoked_at=utcnow())
        )
        db.session.commit()
    _unauthorized(api.get("/reports/templates", coordinator))
    _unauthorized(api.get("/reports/published", viewer))


def test_the_token_carries_the_current_role(app: Flask, api: Api) -> None:
    secret = make_token("viewer@marl.example")
    assert api.get("/reports/templates", secret).status_code == 403
    with tenant_scope(tenant("marl")):
        db.session.execute(
            update(Membership)
            .where(Membership.user_id == user_id("viewer@marl.example"))
            .values(role="coordinator")
        )
        db.session.commit()
    assert api.get("/reports/templates", secret).status_code == 200


def test_the_session_cookie_does_not_open_the_api(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    auth("coordinator", "marl")
    assert client.get("/marl/reports/run").status_code == 200  # the session works on pages
    response = client.get("/api/v1/reports/templates")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert "Set-Cookie" not in response.headers


def test_the_api_answers_get_only_and_unknown_paths_in_json(app: Flask, api: Api) -> None:
    secret = make_token("coordinator@marl.example")
    response = api.client.post(
        "/api/v1/reports/templates", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code in (400, 405)  # CSRF or method: refused, in JSON
    assert "error" in response.get_json()
    missing = api.client.get("/api/v1/nothing", headers={"Authorization": f"Bearer {secret}"})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_the_api_is_rate_limited_per_client(fresh_config: Any) -> None:
    from saas import create_app
    from saas.api.views import RATE_LIMIT

    limited = create_app(
        {**fresh_config(), "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    )
    client = limited.test_client()
    allowed = int(RATE_LIMIT.split()[0])
    try:
        answers = [client.get("/api/v1/openapi.json").status_code for _ in range(allowed)]
        assert set(answers) == {200}
        refused = client.get("/api/v1/openapi.json")
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "too_many_requests"
        assert client.get("/marl/").status_code == 200  # the pages keep their own limits
    finally:
        with limited.app_context():  # its own engine: no connection left for the collector
            db.engine.dispose()


def test_an_admin_without_a_second_factor_is_refused_as_on_the_pages(app: Flask, api: Api) -> None:
    admin = make_token("admin@marl.example")
    coordinator = make_token("coordinator@marl.example")
    assert api.get("/reports/templates", admin).status_code == 200  # the grace of development
    app.config["SAAS_MFA_GRACE"] = False  # production: admins must have one
    refused = api.get("/reports/templates", admin)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "second_factor_required"
    assert "zweiten Faktor" in refused.get_json()["error"]["message"]
    assert api.get("/reports/templates", coordinator).status_code == 200


def test_a_password_change_revokes_every_api_token_of_the_user(app: Flask, api: Api) -> None:
    """Ending a user's sessions (password change or reset, second factor, "end my other
    sessions", a membership ended) ends their API tokens too: a token minted with a stolen
    cookie must not outlive the clean-up. Another user's token stays."""
    from saas.auth.services import change_password

    mine = make_token("coordinator@marl.example")
    other = make_token("viewer@marl.example")
    assert api.get("/reports/templates", mine).status_code == 200
    with all_tenants():
        user = db.session.execute(
            select(User).where(User.email == "coordinator@marl.example")
        ).scalar_one()
        change_password(user, "ein-ganz-neues-Passwort-2026!")
        db.session.commit()
    _unauthorized(api.get("/reports/templates", mine))
    assert api.get("/reports/published", other).status_code == 200
    assert all(t.revoked_at is not None for t in _marl_tokens() if t.user_id == user.id)
