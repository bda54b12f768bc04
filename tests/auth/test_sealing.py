"""Second-factor secrets are sealed at rest: the users table holds a token no SQL reader can
turn into codes; a rotated SECRET_KEY keeps them usable while the old key is configured; a
token no key opens fails closed; migration 0016 seals secrets stored in clear before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask_migrate import upgrade
from sqlalchemy import select

from saas import create_app
from saas.auth.models import User
from saas.auth.sealing import Unsealable, unseal
from saas.cli import users_reseal
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.auth.conftest import post_form
from tests.auth.test_second_factor import enrol, forget_last_step, logout
from tests.conftest import base_config, login
from tests.pg import PgDatabase

EMAIL = "admin@marl.example"
NEW_KEY = "n" * 16 + "3f9c2b7e1d4a6f80"


def stored_secret() -> str:
    with all_tenants():
        return db.session.execute(select(User.totp_secret).where(User.email == EMAIL)).scalar_one()


def second_factor(app, secret: str) -> Any:
    client = app.test_client()
    login(client, EMAIL)
    forget_last_step(EMAIL)
    return post_form(client, "/account/login/second-factor", {"code": pyotp.TOTP(secret).now()})


def test_the_table_holds_a_sealed_token_not_the_secret(app, client):
    login(client, EMAIL)
    secret, _codes = enrol(client)
    with app.app_context():
        token = stored_secret()
        assert secret not in token and len(token) > 100
        assert unseal(token) == secret


def test_after_a_key_rotation_the_old_key_opens_and_the_secret_is_sealed_again(app, client):
    login(client, EMAIL)
    secret, _codes = enrol(client)
    logout(client)
    old_key = app.config["SECRET_KEY"]
    with app.app_context():
        before = stored_secret()
    app.config.update(SECRET_KEY=NEW_KEY, SAAS_PREVIOUS_SECRET_KEYS=[old_key])
    with app.test_request_context():
        assert second_factor(app, secret).status_code == 302
        after = stored_secret()
        assert after != before
        app.config["SAAS_PREVIOUS_SECRET_KEYS"] = []
        assert unseal(after) == secret  # the new key alone opens it now


def test_a_secret_no_key_opens_fails_closed(app, client):
    login(client, EMAIL)
    secret, _codes = enrol(client)
    logout(client)
    app.config["SECRET_KEY"] = NEW_KEY  # rotated without naming the old key
    with app.test_request_context():
        assert second_factor(app, secret).status_code == 401
        with pytest.raises(Unsealable):
            unseal(stored_secret())


def test_reseal_command_seals_every_secret_with_the_current_key(app, client):
    login(client, EMAIL)
    secret, _codes = enrol(client)
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY=NEW_KEY, SAAS_PREVIOUS_SECRET_KEYS=[old_key])
    with app.app_context():  # the command runs in this app (its rotated configuration)
        result = CliRunner().invoke(users_reseal)
    assert result.exit_code == 0, result.output
    assert "1 Zweitfaktor" in result.output
    app.config["SAAS_PREVIOUS_SECRET_KEYS"] = []
    with app.app_context():
        db.session.remove()
        assert unseal(stored_secret()) == secret


# -- migration 0016 ---------------------------------------------------------------------------

CLEAR = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def seed_clear_secret(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO users (id, email, name, is_platform_admin, is_active, totp_secret,"
            " created_at, updated_at) VALUES (1, 'a@b.example', 'A', false, true, :s,"
            " '2024-01-01', '2024-01-01')"
        ),
        {"s": CLEAR},
    )


def migrated_secret(conn: sa.Connection) -> str:
    return conn.execute(sa.text("SELECT totp_secret FROM users WHERE id = 1")).scalar_one()


def test_sqlite_migration_seals_secrets_stored_in_clear(tmp_path: Path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            seed_clear_secret(conn)
        upgrade()
        with db.engine.connect() as conn:
            token = migrated_secret(conn)
        assert token != CLEAR and unseal(token) == CLEAR
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_postgres_migration_seals_secrets_stored_in_clear(pg_database: PgDatabase):
    pg_database.reset_schema()
    try:
        pg_database.run_migration(upgrade, revision="0015")
        with pg_database.owner.begin() as conn:
            seed_clear_secret(conn)
        pg_database.run_migration(upgrade)
        with pg_database.owner.connect() as conn:
            token = migrated_secret(conn)
        app = pg_database.migration_app()
        with app.app_context():
            assert token != CLEAR and unseal(token) == CLEAR
    finally:
        pg_database.reset_schema()
