"""Login sessions: idle timeout, absolute lifetime, revoked on password change and
deactivation, listed and ended on the account page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from saas.auth.models import LoginSession, User
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants
from tests.auth.conftest import post_form
from tests.conftest import DEMO_PASSWORD, csrf_token, login

NEW_PASSWORD = "Zitronen-Falter-7-Blau"


def shift_sessions(email: str, **ago: timedelta) -> None:
    with all_tenants():
        user_id = db.session.execute(select(User.id).where(User.email == email)).scalar_one()
        values = {column: utcnow() - delta for column, delta in ago.items()}
        db.session.execute(
            update(LoginSession).where(LoginSession.user_id == user_id).values(**values)
        )
        db.session.commit()


def test_idle_session_ends_after_30_minutes(client):
    login(client, "viewer@marl.example")
    assert client.get("/marl/dashboard").status_code == 200
    shift_sessions("viewer@marl.example", last_seen_at=timedelta(minutes=29))
    assert client.get("/marl/dashboard").status_code == 200  # and that use counts
    shift_sessions("viewer@marl.example", last_seen_at=timedelta(minutes=31))
    assert client.get("/marl/dashboard").status_code == 302


def test_session_ends_after_12_hours_even_when_used(client):
    login(client, "viewer@marl.example", remember=True)
    shift_sessions(
        "viewer@marl.example", created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta()
    )
    assert client.get("/marl/dashboard").status_code == 302


def test_limits_are_configurable(make_app):
    app = make_app(SAAS_SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    login(client, "viewer@marl.example")
    shift_sessions("viewer@marl.example", last_seen_at=timedelta(minutes=6))
    assert client.get("/marl/dashboard").status_code == 302


def test_password_change_ends_the_other_sessions(app, client):
    other = app.test_client()
    login(other, "viewer@marl.example")
    login(client, "viewer@marl.example")
    response = post_form(
        client,
        "/account/password",
        {"current": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/marl/dashboard").status_code == 200  # this one stays
    assert other.get("/marl/dashboard").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "viewer@marl.example", password=NEW_PASSWORD).status_code == 302


def test_password_change_checks_the_current_password_and_the_policy(client):
    login(client, "viewer@marl.example")
    wrong = post_form(
        client,
        "/account/password",
        {"current": "wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    weak = post_form(
        client,
        "/account/password",
        {"current": DEMO_PASSWORD, "password": "demo", "confirm": "demo"},
    )
    assert weak.status_code == 400 and "mindestens 12 Zeichen" in weak.get_data(as_text=True)


def test_password_change_form_is_locked_after_wrong_passwords(locking_client):
    client = locking_client
    login(client, "viewer@marl.example")
    statuses = [
        post_form(
            client,
            "/account/password",
            {"current": f"wrong{i}", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        ).status_code
        for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_account_page_lists_and_ends_other_sessions(app, client):
    other = app.test_client()
    login(other, "viewer@marl.example")
    login(client, "viewer@marl.example")
    page = client.get("/account/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Aktive Sitzungen" in html and "diese Sitzung" in html
    response = client.post(
        "/account/sessions/end-others", data={"csrf_token": csrf_token(client, "/account/")}
    )
    assert response.status_code == 302
    assert other.get("/marl/dashboard").status_code == 302
    assert client.get("/marl/dashboard").status_code == 200


def test_revoking_a_membership_ends_its_sessions_at_once(app, auth, client):
    member = app.test_client()
    login(member, "staff@marl.example")
    assert member.get("/marl/dashboard").status_code == 200
    auth("admin", "marl")
    with all_tenants():
        from saas.auth.models import Membership

        staff_id = db.session.execute(
            select(User.id).where(User.email == "staff@marl.example")
        ).scalar_one()
        membership_id = db.session.execute(
            select(Membership.id).where(Membership.user_id == staff_id)
        ).scalar_one()
    response = client.post(
        f"/marl/members/{membership_id}/revoke",
        data={"csrf_token": csrf_token(client, "/marl/members/")},
    )
    assert response.status_code == 302
    assert member.get("/marl/dashboard").status_code == 302
    with all_tenants():
        live = db.session.execute(
            select(LoginSession).where(
                LoginSession.user_id == staff_id, LoginSession.revoked_at.is_(None)
            )
        ).all()
        assert live == []


def test_platform_admin_deactivates_an_account(app, auth, client):
    member = app.test_client()
    login(member, "coordinator@hamm.example", "hamm")
    assert member.get("/hamm/dashboard").status_code == 200
    auth("platform", "platform")
    with all_tenants():
        user_id = db.session.execute(
            select(User.id).where(User.email == "coordinator@hamm.example")
        ).scalar_one()
    assert 'href="/platform/accounts/"' in client.get("/platform/").get_data(as_text=True)
    assert "coordinator@hamm.example" in client.get("/platform/accounts/").get_data(as_text=True)
    response = client.post(
        f"/platform/accounts/{user_id}/active",
        data={"active": "0", "csrf_token": csrf_token(client, "/platform/accounts/")},
    )
    assert response.status_code == 302
    assert member.get("/hamm/dashboard").status_code == 302
    assert login(app.test_client(), "coordinator@hamm.example", "hamm").status_code == 401


def test_tenant_admin_cannot_reach_the_account_list(auth, client):
    auth("admin", "marl")
    assert client.get("/platform/accounts/").status_code == 403


def test_platform_admin_cannot_deactivate_the_own_account(app, auth, client):
    """The rule lives in the operation ``set_account_active``; the page shows its message."""
    auth("platform", "platform")
    with all_tenants():
        own_id = db.session.execute(
            select(User.id).where(User.email == "platform@sozialraum.example")
        ).scalar_one()
    token = csrf_token(client, "/platform/accounts/")
    response = client.post(
        f"/platform/accounts/{own_id}/active", data={"active": "0", "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/platform/accounts/").get_data(as_text=True)
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in page
    with all_tenants():
        assert db.session.get(User, own_id).is_active
    unknown = client.post("/platform/accounts/999999/active", data={"csrf_token": token})
    assert unknown.status_code == 404
