"""The tamper-evident audit log (issue 10, item 5): one hash chain per tenant.

An attacker with the database in hand (the SQLite file, or the PostgreSQL owner with the
append-only and chain triggers switched off) changes, deletes or inserts a row;
``flask audit verify`` must exit non-zero and name the first broken row. The runtime role can
neither backdate a row nor choose its place in the chain, and parallel writers do not fork it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select, text

from saas.core.audit import AuditLog, history, record_event, verify
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from tests.conftest import tenant


def run_verify(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def add_events(slug: str, count: int = 4) -> list[int]:
    with tenant_scope(tenant(slug)):
        for n in range(count):
            record_event("test_event", entity="offices", entity_id=1, details={"n": n})
        db.session.commit()
        return list(
            db.session.execute(
                select(AuditLog.id).where(AuditLog.action == "test_event").order_by(AuditLog.seq)
            ).scalars()
        )


# -- SQLite, with the file in hand -----------------------------------------------------------


def sqlite_path(app: Flask) -> str:
    return str(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


@contextmanager
def sqlite_file(app: Flask) -> Iterator[sqlite3.Connection]:
    """The attacker's own connection, the append-only triggers dropped."""
    db.session.remove()
    conn = sqlite3.connect(sqlite_path(app))
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def test_sqlite_chain_verifies(app):
    ids = add_events("marl")
    assert len(ids) == 4
    with all_tenants():
        assert verify() == []
    assert run_verify(app) == (0, "audit log verified (all chains)\n")
    assert run_verify(app, "marl")[0] == 0
    with all_tenants():
        rows = db.session.execute(select(AuditLog).where(AuditLog.id.in_(ids))).scalars().all()
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    assert all(r.hash and r.prev_hash for r in rows)
    assert rows[1].prev_hash == rows[0].hash


@pytest.mark.sqlite_only
def test_sqlite_detects_a_changed_row(app):
    ids = add_events("marl")
    with sqlite_file(app) as conn:
        conn.execute("UPDATE audit_log SET changes = '{\"n\": 99}' WHERE id = ?", (ids[1],))
    code, output = run_verify(app, "marl")
    assert code == 1
    assert f"row id={ids[1]} " in output and "changed" in output, output


@pytest.mark.sqlite_only
def test_sqlite_detects_a_changed_time(app):
    ids = add_events("marl")
    with sqlite_file(app) as conn:
        conn.execute(
            "UPDATE audit_log SET at = '2001-01-01 00:00:00.000000' WHERE id = ?", (ids[2],)
        )
    code, output = run_verify(app)
    assert code == 1 and f"row id={ids[2]} " in output, output


@pytest.mark.sqlite_only
def test_sqlite_detects_a_deleted_row(app):
    ids = add_events("marl")
    with sqlite_file(app) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = ?", (ids[1],))
    code, output = run_verify(app, "marl")
    assert code == 1
    assert f"row id={ids[2]} " in output and "missing" in output, output


@pytest.mark.sqlite_only
def test_sqlite_detects_rows_cut_off_the_end(app):
    ids = add_events("marl")
    with sqlite_file(app) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = ?", (ids[-1],))
    code, output = run_verify(app, "marl")
    assert code == 1 and "rows at the end are missing" in output, output


@pytest.mark.sqlite_only
def test_sqlite_detects_an_inserted_row(app):
    ids = add_events("marl")
    with sqlite_file(app) as conn:
        seq, prev, digest = conn.execute(
            "SELECT seq, prev_hash, hash FROM audit_log WHERE id = ?", (ids[1],)
        ).fetchone()
        conn.execute(
            "INSERT INTO audit_log (tenant_id, at, action, entity, entity_id, changes, seq, "
            "prev_hash, hash) VALUES (?, '2020-01-01 00:00:00.000000', 'delete', 'offices', 1, "
            "'{}', ?, ?, ?)",
            (tenant("marl").id, seq, prev, digest),
        )
        forged = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    code, output = run_verify(app, "marl")
    assert code == 1
    assert f"row id={forged} " in output or f"row id={ids[2]} " in output, output


def test_history_still_lists_an_objects_entries(app):
    add_events("marl", count=2)
    with tenant_scope(tenant("marl")):
        entries = history("offices", 1)
    assert [e.changes for e in entries[:2]] == [{"n": 1}, {"n": 0}]


# -- PostgreSQL: the owner as attacker, the runtime role as app --------------------------------


@contextmanager
def owner_without_triggers(pg_owner: sa.Engine) -> Iterator[sa.Connection]:
    """The owner's connection with every trigger off (superuser: session_replication_role)."""
    with pg_owner.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn


@pytest.mark.postgres
def test_postgres_chain_verifies(pg_app):
    ids = add_events("marl")
    assert len(ids) == 4
    assert run_verify(pg_app) == (0, "audit log verified (all chains)\n")
    assert run_verify(pg_app, "hamm")[0] == 0


@pytest.mark.postgres
def test_postgres_detects_a_changed_row(pg_app, pg_owner):
    ids = add_events("marl")
    with owner_without_triggers(pg_owner) as conn:
        conn.execute(
            text("UPDATE audit_log SET changes = '{\"n\": 99}' WHERE id = :i"), {"i": ids[1]}
        )
    code, output = run_verify(pg_app, "marl")
    assert code == 1
    assert f"row id={ids[1]} " in output and "changed" in output, output


@pytest.mark.postgres
def test_postgres_detects_a_deleted_row(pg_app, pg_owner):
    ids = add_events("marl")
    with owner_without_triggers(pg_owner) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": ids[1]})
    code, output = run_verify(pg_app, "marl")
    assert code == 1
    assert f"row id={ids[2]} " in output and "missing" in output, output


@pytest.mark.postgres
def test_postgres_detects_an_inserted_row(pg_app, pg_owner):
    ids = add_events("marl")
    with owner_without_triggers(pg_owner) as conn:
        row = conn.execute(
            text("SELECT seq, prev_hash, hash FROM audit_log WHERE id = :i"), {"i": ids[1]}
        ).one()
        forged = conn.execute(
            text(
                "INSERT INTO audit_log (tenant_id, at, action, entity, entity_id, changes, seq, "
                "prev_hash, hash) VALUES (:t, '2020-01-01', 'delete', 'offices', 1, '{}', :s, "
                ":p, :h) RETURNING id"
            ),
            {"t": tenant("marl").id, "s": row.seq, "p": row.prev_hash, "h": row.hash},
        ).scalar()
    code, output = run_verify(pg_app, "marl")
    assert code == 1
    assert f"row id={forged} " in output or f"row id={ids[2]} " in output, output


@pytest.mark.postgres
def test_runtime_role_cannot_backdate_or_place_a_row(pg_app, pg_owner):
    """The finding: a backdated "deleted" row written by the runtime role. The database sets
    the time and the chain fields; what the client sends for them is ignored."""
    marl = tenant("marl").id
    with tenant_scope(marl):
        db.session.execute(
            text(
                "INSERT INTO audit_log (tenant_id, at, action, entity, entity_id, changes, seq, "
                "prev_hash, hash) VALUES (:t, '2001-01-01', 'delete', 'offices', 1, '{}', 1, "
                "'forged', 'forged')"
            ),
            {"t": marl},
        )
        db.session.commit()
    with pg_owner.connect() as conn:
        at, seq, digest = conn.execute(
            text(
                "SELECT at, seq, hash FROM audit_log WHERE tenant_id = :t ORDER BY seq DESC LIMIT 1"
            ),
            {"t": marl},
        ).one()
    assert at > datetime.now(UTC) - timedelta(minutes=5)
    assert seq > 1 and digest != "forged"
    assert run_verify(pg_app, "marl")[0] == 0


@pytest.mark.postgres
def test_runtime_role_cannot_touch_the_chain_heads(pg_app):
    from sqlalchemy.exc import DBAPIError

    with tenant_scope(tenant("marl")):
        for sql in (
            "SELECT * FROM audit_chain_heads",
            "UPDATE audit_chain_heads SET seq = 0",
        ):
            with pytest.raises(DBAPIError) as caught:
                db.session.execute(text(sql))
            assert "permission denied" in str(caught.value.orig)
            db.session.rollback()


@pytest.mark.postgres
def test_parallel_writers_do_not_fork_a_chain(pg_app, pg_owner):
    marl = tenant("marl").id
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with pg_owner.begin() as conn:
                    conn.execute(
                        text(
                            "INSERT INTO audit_log (tenant_id, action, changes) "
                            "VALUES (:t, 'parallel', CAST(:c AS json))"
                        ),
                        {"t": marl, "c": f'{{"w": {n}, "i": {i}}}'},
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pg_owner.connect() as conn:
        seqs = (
            conn.execute(
                text("SELECT seq FROM audit_log WHERE tenant_id = :t ORDER BY seq"), {"t": marl}
            )
            .scalars()
            .all()
        )
    assert seqs == list(range(1, len(seqs) + 1))
    assert run_verify(pg_app, "marl")[0] == 0


def test_unknown_tenant_is_a_clear_error(app):
    code, output = run_verify(app, "nowhere")
    assert code != 0 and "nowhere" in output


@pytest.mark.sqlite_only
def test_sqlite_rolled_back_event_leaves_no_row_and_no_head(app):
    with all_tenants():
        heads = db.session.execute(text("SELECT chain, seq, hash FROM audit_chain_heads")).all()
    with tenant_scope(tenant("marl")):
        record_event("rolled_back")
        db.session.flush()
        db.session.rollback()
    with all_tenants():
        assert (
            db.session.execute(text("SELECT chain, seq, hash FROM audit_chain_heads")).all()
            == heads
        )
        assert (
            db.session.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'rolled_back'")
            ).scalar()
            == 0
        )
        assert verify() == []


@pytest.mark.postgres
def test_postgres_rolled_back_event_leaves_no_row_and_no_head(pg_app, pg_owner):
    with pg_owner.connect() as conn:
        heads = conn.execute(text("SELECT chain, seq, hash FROM audit_chain_heads")).all()
    with tenant_scope(tenant("marl")):
        record_event("rolled_back")
        db.session.flush()
        db.session.rollback()
    with pg_owner.connect() as conn:
        assert conn.execute(text("SELECT chain, seq, hash FROM audit_chain_heads")).all() == heads
    assert run_verify(pg_app, "marl")[0] == 0


@pytest.mark.postgres
def test_postgres_ten_thousand_events_then_one_changed(pg_app, pg_owner):
    """Anchor F3: the verifier passes after 10k events, then names the one changed row."""
    marl = tenant("marl").id
    with pg_owner.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (tenant_id, action, entity, entity_id, changes) "
                "SELECT :t, 'bulk', 'offices', n % 50, CAST('{\"n\": ' || n || '}' AS json) "
                "FROM generate_series(1, 10000) n"
            ),
            {"t": marl},
        )
        victim = conn.execute(
            text("SELECT id FROM audit_log WHERE action = 'bulk' ORDER BY seq OFFSET 6000 LIMIT 1")
        ).scalar()
    started = time.monotonic()
    assert run_verify(pg_app, "marl")[0] == 0
    seconds = time.monotonic() - started
    print(f"verify of 10k+ rows: {seconds:.2f}s")  # noqa: T201 - noted in docs/security.md
    with owner_without_triggers(pg_owner) as conn:
        conn.execute(text("UPDATE audit_log SET entity_id = 7 WHERE id = :i"), {"i": victim})
    code, output = run_verify(pg_app, "marl")
    assert code == 1 and f"row id={victim} " in output, output


@pytest.mark.postgres
def test_history_uses_its_index_on_postgres(pg_app):
    with tenant_scope(tenant("marl")):
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            db.session.execute(
                text(
                    "EXPLAIN SELECT * FROM audit_log WHERE entity = 'offices' AND entity_id = 1 "
                    "AND tenant_id = :t ORDER BY at DESC, id DESC"
                ),
                {"t": tenant("marl").id},
            ).scalars()
        )
        db.session.rollback()
    assert "ix_audit_log_entity" in plan, plan
