"""Migrations: base → head → base → head on SQLite and PostgreSQL, and no model/migration drift.

Generic over the current migration head: nothing here names a revision or a table.
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

import saas.models  # noqa: F401 - every table in the metadata
from saas import create_app
from saas.core.db import db
from tests.conftest import base_config
from tests.pg import PgDatabase


def script_heads(app: Flask) -> list[str]:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return list(ScriptDirectory.from_config(config).get_heads())


def current_revisions(conn: sa.Connection) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


def model_diff(conn: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def app_tables(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names()) - {"alembic_version"}


def assert_no_diff(conn: sa.Connection) -> None:
    diff = model_diff(conn)
    assert diff == [], (
        "models and migrations differ (run `flask --app wsgi db migrate` and review):\n"
        + pprint.pformat(diff, width=100)
    )


# -- SQLite --------------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Flask:
    return create_app(base_config(f"sqlite:///{tmp_path / 'migrations.sqlite'}"))


def test_single_head(sqlite_app):
    heads = script_heads(sqlite_app)
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"


@pytest.mark.sqlite_only  # PostgreSQL: test_postgres_upgrade_downgrade_upgrade
def test_sqlite_upgrade_downgrade_upgrade(sqlite_app):
    (head,) = script_heads(sqlite_app)
    expected = set(db.metadata.tables)
    with sqlite_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            assert current_revisions(conn) == {head}
            assert app_tables(conn) == expected
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert current_revisions(conn) == set()
            assert app_tables(conn) == set(), "downgrade to base left tables behind"
            leftovers = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                "AND name <> 'alembic_version'"
            ).all()
            assert leftovers == [], f"downgrade to base left {leftovers}"
        upgrade()
        with db.engine.connect() as conn:
            assert current_revisions(conn) == {head}
            assert app_tables(conn) == expected
            assert_no_diff(conn)
        db.engine.dispose()


@pytest.mark.sqlite_only  # PostgreSQL: tests/core/test_postgres.py (append-only audit log)
def test_sqlite_audit_log_is_append_only_after_migration(sqlite_app):
    with sqlite_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO audit_log (at, action, changes) VALUES ('2020-01-01', 'x', '{}')"
            )
        for sql in ("UPDATE audit_log SET action = 'y'", "DELETE FROM audit_log"):
            with db.engine.begin() as conn, pytest.raises(sa.exc.DatabaseError) as caught:
                conn.exec_driver_sql(sql)
            assert "append-only" in str(caught.value)
        db.engine.dispose()


# -- PostgreSQL ----------------------------------------------------------------------------


def _pg_objects(conn: sa.Connection) -> dict[str, list[str]]:
    """What the app leaves in ``public`` besides alembic_version."""
    query = {
        "relations": "SELECT relkind::text || ':' || relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
        "AND relname NOT IN ('alembic_version', 'alembic_version_pkc')",
        "functions": "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'",
        "types": "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND NOT EXISTS "
        "(SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid)",
        "policies": "SELECT tablename || '.' || policyname FROM pg_policies "
        "WHERE schemaname = 'public'",
    }
    return {key: sorted(conn.exec_driver_sql(sql).scalars()) for key, sql in query.items()}


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_upgrade(pg_database: PgDatabase):
    app = pg_database.migration_app()
    (head,) = script_heads(app)
    expected = set(db.metadata.tables)
    try:
        pg_database.reset_schema()
        pg_database.run_migration(upgrade)
        with pg_database.owner.connect() as conn:
            assert current_revisions(conn) == {head}
            assert app_tables(conn) == expected
        pg_database.run_migration(downgrade, revision="base")
        with pg_database.owner.connect() as conn:
            assert current_revisions(conn) == set()
            assert app_tables(conn) == set(), "downgrade to base left tables behind"
            leftovers = _pg_objects(conn)
            assert leftovers == {"relations": [], "functions": [], "types": [], "policies": []}, (
                f"downgrade to base left objects behind: {leftovers}"
            )
        pg_database.run_migration(upgrade)
        with pg_database.owner.connect() as conn:
            assert current_revisions(conn) == {head}
            assert app_tables(conn) == expected
            assert_no_diff(conn)
    finally:
        pg_database.migrated = False  # the next pg_app rebuilds from scratch
