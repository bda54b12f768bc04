"""Login: constant time for unknown addresses, lockout per account and per client, the
password policy of every way to set a password, and a clear answer when Redis is down."""

from __future__ import annotations

import statistics
import time

from sqlalchemy import select

from saas.auth.models import User
from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.auth.conftest import from_address, post_form
from tests.conftest import DEMO_PASSWORD, csrf_token


def timed_login(client, email: str) -> float:
    token = csrf_token(client, "/marl/login")
    start = time.perf_counter()
    response = client.post(
        "/marl/login", data={"email": email, "password": "wrong-guess", "csrf_token": token}
    )
    elapsed = time.perf_counter() - start
    assert response.status_code == 401
    return elapsed


def test_unknown_address_takes_as_long_as_a_known_one(client):
    """Finding: ≈ 250 ms against ≈ 20 ms, because no hash was computed for unknown ones."""
    known = statistics.median(timed_login(client, "admin@marl.example") for _ in range(3))
    unknown = statistics.median(timed_login(client, f"nobody{i}@marl.example") for i in range(3))
    assert unknown > 0.6 * known, (unknown, known)


def locked_actions() -> list[AuditLog]:
    with all_tenants():
        db.session.rollback()
        return list(
            db.session.execute(
                select(AuditLog).where(AuditLog.action == "account_locked")
            ).scalars()
        )


def wrong_login(client, email: str, address: str, password: str = "wrong-guess") -> int:  # noqa: S107
    from_address(client, address)
    return post_form(client, "/marl/login", {"email": email, "password": password}).status_code


def test_account_is_locked_whichever_addresses_the_guesses_come_from(locking_client):
    client = locking_client
    """Finding: 15 wrong logins from rotating addresses were all answered 401."""
    statuses = [wrong_login(client, "admin@marl.example", f"198.51.100.{i}") for i in range(15)]
    assert statuses == [401] * 10 + [429] * 5
    # locked means locked: the right password does not get in either, with a clear message
    from_address(client, "203.0.113.9")
    response = post_form(
        client, "/marl/login", {"email": "admin@marl.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 429
    assert "Zu viele Fehlversuche" in response.get_data(as_text=True)
    (event,) = locked_actions()
    assert event.changes["email"] == "admin@marl.example" and event.changes["by"] == "account"


def test_unknown_address_is_locked_the_same_way(locking_client):
    client = locking_client
    statuses = [wrong_login(client, "ghost@marl.example", f"198.51.100.{i}") for i in range(12)]
    assert statuses == [401] * 10 + [429] * 2


def test_a_client_trying_many_accounts_is_locked(locking_client):
    client = locking_client
    statuses = [wrong_login(client, f"user{i}@marl.example", "192.0.2.7") for i in range(31)]
    assert statuses == [401] * 30 + [429]
    assert locked_actions()[-1].changes["by"] == "client"


def test_the_right_password_clears_the_account_count(locking_client):
    client = locking_client
    for i in range(9):
        wrong_login(client, "admin@marl.example", f"198.51.100.{i}")
    from_address(client, "198.51.100.50")
    ok = post_form(
        client, "/marl/login", {"email": "admin@marl.example", "password": DEMO_PASSWORD}
    )
    assert ok.status_code == 302
    client.post("/marl/logout", data={"csrf_token": csrf_token(client, "/marl/dashboard")})
    assert wrong_login(client, "admin@marl.example", "198.51.100.51") == 401


def test_users_create_refuses_weak_passwords(app):
    for weak in ("1", "demo", "password1234", "sommer2024!!!!"):
        result = app.test_cli_runner().invoke(
            args=["users", "create", "neu@example.org", "--password", weak]
        )
        assert result.exit_code != 0, weak
        assert "Passwort" in result.output, result.output
    result = app.test_cli_runner().invoke(
        args=["users", "create", "neu@example.org", "--password", "Zitronen-Falter-7-Blau"]
    )
    assert result.exit_code == 0, result.output
    with all_tenants():
        db.session.rollback()
        assert db.session.execute(select(User).where(User.email == "neu@example.org")).scalar_one()


def test_password_policy():
    from saas.core.passwords import is_common

    assert is_common("password") and is_common("Qwertyuiop123") and is_common("aaaaaaaaaaaaa")
    assert not is_common("Zitronen-Falter-7-Blau")


def test_redis_down_refuses_login_clearly(make_app):
    """Finding: with Redis unreachable every login was a 500."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    client = app.test_client()
    response = post_form(
        client, "/marl/login", {"email": "admin@marl.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 503
    assert "Anmeldung nicht möglich" in response.get_data(as_text=True)
    assert client.get("/marl/dashboard").status_code == 302  # not signed in


def test_healthz_reports_redis(make_app):
    """Finding: /healthz said ok while Redis, required for every login, was down."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "ok", "redis": "unreachable"}
