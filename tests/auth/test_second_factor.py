"""TOTP second factor: enrolment, login with a code, no replay, recovery codes, reset, and
admins without it sent to enrol (production: no grace)."""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select, update

from saas.auth.models import User
from saas.auth.sealing import unseal
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.auth.conftest import post_form
from tests.conftest import DEMO_PASSWORD, csrf_token, login


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code is drawn here, no image from elsewhere
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)[-1500:]
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def logout(client, slug: str = "marl") -> None:
    client.post(f"/{slug}/logout", data={"csrf_token": csrf_token(client, "/account/")})


def forget_last_step(email: str) -> None:
    """Let a new code of the same 30 s window count (the tests do not wait for the next)."""
    with all_tenants():
        db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
        db.session.commit()


def test_enrol_then_sign_in_with_a_code(client):
    login(client, "admin@marl.example")
    secret, _codes = enrol(client)
    logout(client)
    response = login(client, "admin@marl.example")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/login/second-factor")
    assert client.get("/marl/dashboard").status_code == 302  # password alone is not enough
    wrong = post_form(client, "/account/login/second-factor", {"code": "000000"})
    assert wrong.status_code == 401
    forget_last_step("admin@marl.example")
    ok = post_form(client, "/account/login/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/marl/dashboard")
    assert client.get("/marl/dashboard").status_code == 200


def test_a_used_code_is_refused_a_second_time(app, client):
    login(client, "admin@marl.example")
    secret, _codes = enrol(client)
    logout(client)
    login(client, "admin@marl.example")
    forget_last_step("admin@marl.example")
    code = pyotp.TOTP(secret).now()
    assert post_form(client, "/account/login/second-factor", {"code": code}).status_code == 302
    thief = app.test_client()
    login(thief, "admin@marl.example")
    replay = post_form(thief, "/account/login/second-factor", {"code": code})
    assert replay.status_code == 401
    assert thief.get("/marl/dashboard").status_code == 302


def test_recovery_code_works_once(app, client):
    login(client, "admin@marl.example")
    _secret, codes = enrol(client)
    logout(client)
    login(client, "admin@marl.example")
    used = post_form(client, "/account/login/second-factor", {"code": codes[0]})
    assert used.status_code == 302
    assert client.get("/marl/dashboard").status_code == 200
    again = app.test_client()
    login(again, "admin@marl.example")
    assert post_form(again, "/account/login/second-factor", {"code": codes[0]}).status_code == 401
    with all_tenants():
        stored = db.session.execute(
            select(User).where(User.email == "admin@marl.example")
        ).scalar_one()
        from saas.auth.models import RecoveryCode

        hashes = db.session.execute(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == stored.id)
        ).scalars()
        assert all(codes[0].replace("-", "") not in h for h in hashes)  # stored hashed


def test_second_factor_step_is_locked_after_wrong_codes(locking_client):
    client = locking_client
    login(client, "admin@marl.example")
    enrol(client)
    logout(client)
    login(client, "admin@marl.example")
    statuses = [
        post_form(client, "/account/login/second-factor", {"code": f"{i:06d}"}).status_code
        for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_reset_of_the_second_factor_ends_other_sessions(app, client):
    login(client, "viewer@marl.example")
    enrol(client)
    other = app.test_client()
    login(other, "viewer@marl.example")
    forget_last_step("viewer@marl.example")
    # other signs in with a recovery code-less path: finish with a fresh code
    with all_tenants():
        secret = unseal(  # sealed at rest (tests/auth/test_sealing.py)
            db.session.execute(
                select(User.totp_secret).where(User.email == "viewer@marl.example")
            ).scalar_one()
        )
    post_form(other, "/account/login/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert other.get("/marl/dashboard").status_code == 200
    response = client.post(
        "/account/two-factor/reset",
        data={"current": DEMO_PASSWORD, "csrf_token": csrf_token(client, "/account/")},
    )
    assert response.status_code == 302
    assert other.get("/marl/dashboard").status_code == 302
    with all_tenants():
        user = db.session.execute(
            select(User).where(User.email == "viewer@marl.example")
        ).scalar_one()
        assert user.totp_secret is None


def test_production_sends_an_admin_without_second_factor_to_enrol(make_app):
    app = make_app(SAAS_MFA_GRACE=False)
    client = app.test_client()
    assert login(client, "admin@marl.example").status_code == 302
    for url in ("/marl/dashboard", "/marl/members/", "/account/password"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/account/two-factor"
        ), url
    platform = app.test_client()
    login(platform, "platform@sozialraum.example", "platform")
    assert platform.get("/platform/").headers["Location"].endswith("/account/two-factor")
    # after enrolment everything is open
    enrol(client)
    assert client.get("/marl/dashboard").status_code == 200
    # staff need no second factor
    staff = app.test_client()
    login(staff, "staff@marl.example")
    assert staff.get("/marl/dashboard").status_code == 200


def test_development_grace_shows_a_banner(client):
    login(client, "admin@marl.example")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert "müssen einen zweiten Faktor verwenden" in html
    login(client, "viewer@marl.example")
    assert "müssen einen zweiten Faktor" not in client.get("/marl/dashboard").get_data(as_text=True)


def test_second_factor_step_expires(client, monkeypatch):
    login(client, "admin@marl.example")
    enrol(client)
    logout(client)
    login(client, "admin@marl.example")
    assert client.get("/account/login/second-factor").status_code == 200
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/account/login/second-factor")
    assert response.status_code == 302 and "second-factor" not in response.headers["Location"]
