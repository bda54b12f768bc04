"""scripts/backup and scripts/restore (issue 10, item 9; anchors H1, H2).

A backup of the test database (migrated, demo loaded, events added) is restored into an
empty database; every table's rows per tenant must be identical (count and checksum),
policies and triggers present, and ``flask audit verify`` must pass on the copy, as the
runtime role. A dump by a role under row-level security fails loudly and leaves no file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from saas.core.audit import record_event
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from tests.conftest import base_config, tenant
from tests.pg import APP_ROLE, APP_ROLE_PASSWORD, PgDatabase

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def empty_database(pg_database: PgDatabase) -> Iterator[str]:
    """A new, empty database on the same server (owner URL); dropped afterwards."""
    url = make_url(pg_database.owner_url)
    name = f"{url.database}_restore"
    admin = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fingerprint(url: str) -> dict[str, object]:
    """Per table and tenant: row count and an md5 over the rows; policies and triggers."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT table_name, bool_or(column_name = 'tenant_id') FROM "
                    "information_schema.columns WHERE table_schema = 'public' "
                    "GROUP BY table_name ORDER BY table_name"
                )
            ).all()
            found: dict[str, object] = {}
            for table, has_tenant in tables:
                key = "tenant_id" if has_tenant else "NULL::integer"
                rows = conn.execute(
                    text(
                        f"SELECT {key}, count(*), md5(string_agg(t::text, '|' "  # noqa: S608
                        f"ORDER BY t::text)) FROM public.{table} t GROUP BY 1"
                    )
                ).all()
                found[table] = sorted((tuple(row) for row in rows), key=repr)
            found["policies"] = conn.execute(
                text("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'")
            ).scalar()
            found["triggers"] = sorted(
                conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars()
            )
            found["rls_key"] = conn.execute(
                text("SELECT md5(ipad || opad) FROM saas_rls.secret")
            ).scalar()
    finally:
        engine.dispose()
    return found


def test_backup_restore_round_trip(pg_app, pg_database, empty_database, tmp_path):
    with tenant_scope(tenant("marl")):
        for n in range(3):
            record_event("before_backup", details={"n": n})
        db.session.commit()
    dump = tmp_path / "sozialraum.dump"

    backup = script("backup", str(dump), pg_database.owner_url)
    assert backup.returncode == 0, backup.stderr
    assert dump.is_file() and dump.read_bytes()[:5] == b"PGDMP"  # custom format

    started = time.monotonic()
    restore = script("restore", str(dump), empty_database)
    seconds = time.monotonic() - started
    assert restore.returncode == 0, restore.stderr
    print(f"restore took {seconds:.1f}s")  # noqa: T201 - recorded in docs/security.md

    original, copy = fingerprint(pg_database.owner_url), fingerprint(empty_database)
    assert copy == original
    assert copy["policies"] and "audit_log_chain" in copy["triggers"]
    assert copy["audit_log"], "no audit rows in the copy"

    app_url = (
        make_url(empty_database)
        .set(username=APP_ROLE, password=APP_ROLE_PASSWORD)
        .render_as_string(hide_password=False)
    )
    verify = subprocess.run(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"],
        cwd=ROOT,
        env={
            **os.environ,
            "SAAS_ENV": "development",
            "DATABASE_URL": app_url,
            "SECRET_KEY": base_config("sqlite://")["SECRET_KEY"],
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert "audit log verified" in verify.stdout

    again = script("restore", str(dump), empty_database)  # never over existing data
    assert again.returncode == 2 and "not empty" in again.stderr


def test_backup_as_runtime_role_is_refused_and_writes_nothing(pg_app, pg_database, tmp_path):
    dump = tmp_path / "partial.dump"
    result = script("backup", str(dump), pg_database.app_url)
    assert result.returncode == 2
    assert "row-level security" in result.stderr and APP_ROLE in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_pg_dump_itself_refuses_a_table_under_rls(pg_app, pg_database, tmp_path):
    """What the check in scripts/backup relies on: without --enable-row-security pg_dump
    errors on a table RLS applies to, instead of silently dumping part of it."""
    url = pg_database.app_url.replace("postgresql+psycopg://", "postgresql://")
    result = subprocess.run(  # noqa: S603 - fixed program
        ["pg_dump", "--format=custom", f"--file={tmp_path / 'x.dump'}", "-t", "memberships", url],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "row-level security" in result.stderr, result.stderr
