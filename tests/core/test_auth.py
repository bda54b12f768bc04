"""Login, logout, session rotation and revocation, safe redirects, cross-tenant access."""

from __future__ import annotations

from http.cookies import SimpleCookie

from sqlalchemy import func, select

from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.conftest import csrf_token, login


def audit_actions() -> list[str]:
    with all_tenants():
        return list(db.session.execute(select(AuditLog.action).order_by(AuditLog.id)).scalars())


def test_admin_logs_in_and_sees_dashboard(client):
    response = login(client, "admin@marl.example", "marl")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/marl/dashboard")
    page = client.get("/marl/dashboard")
    assert page.status_code == 200
    assert "Stadt Marl" in page.get_data(as_text=True)
    assert audit_actions()[-1] == "login"


def test_wrong_password_is_refused_and_audited(client):
    response = login(client, "admin@marl.example", "marl", password="wrong")
    assert response.status_code == 401
    assert "nicht korrekt" in response.get_data(as_text=True)
    assert client.get("/marl/dashboard").status_code == 302
    assert audit_actions()[-1] == "login_failed"


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/marl/dashboard")
    assert response.status_code == 302
    assert "/marl/login?next=/marl/dashboard" in response.headers["Location"]


def test_next_only_to_same_site_paths(client):
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        token = csrf_token(client, "/marl/login")
        response = client.post(
            "/marl/login",
            data={
                "email": "admin@marl.example",
                "password": "demo-test-pw",
                "csrf_token": token,
                "next": evil,
            },
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/marl/dashboard", evil
        client.post("/marl/logout", data={"csrf_token": csrf_token(client, "/marl/dashboard")})
    token = csrf_token(client, "/marl/login")
    response = client.post(
        "/marl/login",
        data={
            "email": "admin@marl.example",
            "password": "demo-test-pw",
            "csrf_token": token,
            "next": "/marl/",
        },
    )
    assert response.headers["Location"] == "/marl/"


def test_session_cookie_rotates_at_login(client):
    client.get("/marl/login")
    before = client.get_cookie("session")
    login(client, "admin@marl.example", "marl")
    after = client.get_cookie("session")
    assert before is not None and after is not None
    assert before.value != after.value


def test_logout_revokes_copied_session_cookie(app, client):
    login(client, "admin@marl.example", "marl")
    stolen = client.get_cookie("session").value
    assert client.get("/marl/dashboard").status_code == 200
    client.post("/marl/logout", data={"csrf_token": csrf_token(client, "/marl/dashboard")})
    assert client.get("/marl/dashboard").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/marl/dashboard").status_code == 302
    assert audit_actions()[-1] == "logout"


def test_remember_me_cookie_is_revoked_by_logout(app, client):
    login(client, "admin@marl.example", "marl", remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/marl/dashboard").status_code == 200
    client.post("/marl/logout", data={"csrf_token": csrf_token(client, "/marl/dashboard")})
    other = app.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/marl/dashboard").status_code == 302


def test_cookie_flags(client):
    response = login(client, "admin@marl.example", "marl", remember=True)
    cookies = [SimpleCookie(h) for h in response.headers.getlist("Set-Cookie")]
    session = next(c["session"] for c in cookies if "session" in c)
    assert session["httponly"] and session["samesite"] == "Lax"


def test_member_of_marl_gets_403_on_hamm(client):
    login(client, "admin@marl.example", "marl")
    response = client.get("/hamm/dashboard")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "keinen Zugriff" in html or "Kein Zugriff" in html
    assert "Stadt Marl" in html  # offers the way back to their own municipality


def test_unknown_and_suspended_tenant_answer_404(client, create_tenant):
    assert client.get("/nowhere/").status_code == 404
    assert client.get("/nowhere/login").status_code == 404
    create_tenant("gone", status="suspended")
    assert client.get("/gone/").status_code == 404


def audit_count() -> int:
    with all_tenants():
        return db.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()


def test_login_without_csrf_token_is_rejected(client):
    before = audit_count()
    response = client.post(
        "/marl/login", data={"email": "admin@marl.example", "password": "demo-test-pw"}
    )
    assert response.status_code == 400
    assert "abgelaufen" in response.get_data(as_text=True)
    assert audit_count() == before
    assert client.get("/marl/dashboard").status_code == 302


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_csrf_token_survives_a_long_form(client, monkeypatch):
    """A social worker writes a note for two hours: the form's token is still accepted."""
    import time

    token = csrf_token(client, "/marl/login")
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(
        "/marl/login",
        data={"email": "admin@marl.example", "password": "demo-test-pw", "csrf_token": token},
    )
    assert response.status_code == 302


def test_csrf_token_expires_after_a_working_day(client, monkeypatch):
    import time

    token = csrf_token(client, "/marl/login")
    later = time.time() + 13 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(
        "/marl/login",
        data={"email": "admin@marl.example", "password": "demo-test-pw", "csrf_token": token},
    )
    assert response.status_code == 400


def test_security_headers(client):
    response = client.get("/marl/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
