"""The account flows on PostgreSQL as the runtime role under row-level security."""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest
from sqlalchemy import text

from tests.auth.conftest import from_address, invitation_link, path_of, post_form
from tests.conftest import DEMO_PASSWORD, csrf_token, login

pytestmark = pytest.mark.postgres

NEW_PASSWORD = "Zitronen-Falter-7-Blau"


def test_invitation_second_factor_lockout_and_revocation_on_postgres(pg_app, pg_owner):
    # the lockout on, with counters of this test only (in Redis when REDIS_URL is set)
    pg_app.config.update(SAAS_LOCKOUT_ENABLED=True, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    admin = pg_app.test_client()
    assert login(admin, "admin@marl.example").status_code == 302
    # an existing account of another municipality accepts through the login
    response = post_form(
        admin, "/marl/members/invite", {"email": "viewer@hamm.example", "role": "viewer"}
    )
    link = path_of(invitation_link(response.get_data(as_text=True)))
    invited = pg_app.test_client()
    invited.get(link + "?signin=1")
    assert login(invited, "viewer@hamm.example").status_code == 302
    assert invited.get("/marl/dashboard").status_code == 200
    assert invited.get(link).status_code == 404

    # the admin enrols a second factor and signs in with it
    page = admin.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert (
        post_form(admin, "/account/two-factor", {"code": pyotp.TOTP(secret).now()}).status_code
        == 200
    )
    second = pg_app.test_client()
    assert login(second, "admin@marl.example").headers["Location"].endswith("second-factor")
    with pg_owner.begin() as conn:
        conn.execute(
            text("UPDATE users SET totp_last_step = NULL WHERE email = 'admin@marl.example'")
        )
    code = pyotp.TOTP(secret).now()
    assert post_form(second, "/account/login/second-factor", {"code": code}).status_code == 302
    assert second.get("/marl/dashboard").status_code == 200

    # password change ends the admin's other sessions
    response = post_form(
        admin,
        "/account/password",
        {"current": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert second.get("/marl/dashboard").status_code == 302

    # revoking the new membership ends the viewer's sessions at once
    with pg_owner.connect() as conn:
        membership_id = conn.execute(
            text(
                "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id "
                "JOIN tenants t ON t.id = m.tenant_id "
                "WHERE u.email = 'viewer@hamm.example' AND t.slug = 'marl'"
            )
        ).scalar_one()
    response = admin.post(
        f"/marl/members/{membership_id}/revoke",
        data={"csrf_token": csrf_token(admin, "/marl/members/")},
    )
    assert response.status_code == 302
    assert invited.get("/hamm/dashboard").status_code == 302

    # lockout from rotating addresses, audited
    guesser = pg_app.test_client()
    statuses = []
    for i in range(11):
        from_address(guesser, f"198.51.100.{i}")
        statuses.append(
            post_form(
                guesser, "/hamm/login", {"email": "admin@hamm.example", "password": "wrong"}
            ).status_code
        )
    assert statuses == [401] * 10 + [429]
    with pg_owner.connect() as conn:
        locked = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'account_locked'")
        ).scalar()
        live = conn.execute(
            text(
                "SELECT count(*) FROM login_sessions s JOIN users u ON u.id = s.user_id "
                "WHERE u.email = 'viewer@hamm.example' AND s.revoked_at IS NULL"
            )
        ).scalar()
    assert locked == 1 and live == 0
