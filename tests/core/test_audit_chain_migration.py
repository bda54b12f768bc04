"""Migration 0008 chains the audit rows written before it, on SQLite and PostgreSQL (H4)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from saas import create_app
from saas.core.audit import verify
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.conftest import base_config
from tests.pg import PgDatabase

BEFORE = "0007"

ROWS = [
    # tenant, at, action, changes
    (1, "2024-01-02 10:00:00", "create", '{"name": [null, "A"]}'),
    (None, "2024-01-02 10:00:01", "login", "{}"),
    (1, "2024-01-02 10:00:01", "update", '{"name": ["A", "B"]}'),
    (2, "2024-01-03 09:00:00", "create", '{"ä": [null, "ß"]}'),
    (1, "2024-01-01 08:00:00", "delete", "{}"),  # earlier time, later id
]


def seed(conn: sa.Connection) -> None:
    for tenant_id in (1, 2):
        conn.execute(
            sa.text(
                "INSERT INTO tenants (id, slug, name, default_locale, status, vocabulary, "
                "settings, created_at) VALUES (:i, :s, :s, 'de', 'active', '{}', '{}', "
                "'2024-01-01')"
            ),
            {"i": tenant_id, "s": f"t{tenant_id}"},
        )
    for tenant_id, at, action, changes in ROWS:
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (tenant_id, at, action, changes) VALUES (:t, :at, :a, :c)"
            ),
            {"t": tenant_id, "at": at, "a": action, "c": changes},
        )


def chained(conn: sa.Connection) -> list[tuple]:
    return conn.execute(
        sa.text("SELECT coalesce(tenant_id, 0), seq, action FROM audit_log ORDER BY 1, 2")
    ).all()


EXPECTED = [(0, 1, "login"), (1, 1, "delete"), (1, 2, "create"), (1, 3, "update"), (2, 1, "create")]


def test_sqlite_existing_rows_are_chained(tmp_path: Path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'old.sqlite'}"))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            seed(conn)
        upgrade()
        with db.engine.connect() as conn:
            assert chained(conn) == EXPECTED
        with all_tenants():
            assert verify() == []
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_postgres_existing_rows_are_chained(pg_database: PgDatabase):
    pg_database.reset_schema()  # the next pg_app builds the schema again
    try:
        pg_database.run_migration(upgrade, revision=BEFORE)
        with pg_database.owner.begin() as conn:
            seed(conn)
        pg_database.run_migration(upgrade)
        with pg_database.owner.connect() as conn:
            assert chained(conn) == EXPECTED
        app, _twin = pg_database.apps()
        with app.app_context(), all_tenants():
            assert verify() == []
            db.session.remove()
    finally:
        pg_database.reset_schema()
