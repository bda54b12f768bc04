"""Migrations fail closed and repair the runtime role's grants; /healthz tells (issue 10, item 7).

Found: migrations run before the runtime role existed skipped its grants silently (exit 0),
later upgrades never repaired them, and every page answered 500 while /healthz said 200.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import text

from saas import create_app
from saas.core.db import db
from tests.pg import APP_ROLE, PgDatabase, pg_base_config

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def flask_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SAAS_ENV": "development", **env}
    return subprocess.run(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_upgrade_refuses_without_the_runtime_role(pg_database: PgDatabase):
    pg_database.reset_schema()  # the next pg_app builds the schema again
    result = flask_cli(
        "db",
        "upgrade",
        DATABASE_URL=pg_database.owner_url,
        SAAS_DB_APP_ROLE="sozialraum_role_that_is_missing",
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "sozialraum_role_that_is_missing" in lines[0] and "does not exist" in lines[0]
    with pg_database.owner.connect() as conn:  # refused before anything was applied
        assert sa.inspect(conn).get_table_names() == []


def healthz(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    body = response.get_json()
    body.pop("redis", None)  # reported too when REDIS_URL is configured (tests/auth covers it)
    return response.status_code, body


def test_every_upgrade_repairs_missing_grants_and_healthz_reports_them(pg_app, pg_database):
    assert healthz(pg_app) == (200, {"status": "ok", "database": "ok"})
    with pg_database.owner.begin() as conn:
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}"))
    pg_database.dispose_apps()
    assert healthz(pg_app) == (503, {"status": "error", "database": "grants missing"})
    pg_database.run_migration(upgrade)  # at head already: nothing to apply, grants repaired
    pg_database.dispose_apps()
    assert healthz(pg_app) == (200, {"status": "ok", "database": "ok"})
    response = pg_app.test_client().get("/marl/login", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200


def test_healthz_reports_a_key_that_does_not_match(pg_app, pg_database):
    config = pg_base_config(pg_database.owner_url, pg_database.app_url)
    config["SECRET_KEY"] = "another-secret-key-0123456789abcdef-xyz"
    other = create_app(config)
    try:
        assert healthz(other) == (
            503,
            {"status": "error", "database": "row-level security key does not match SECRET_KEY"},
        )
    finally:
        with other.app_context():
            db.engine.dispose()
