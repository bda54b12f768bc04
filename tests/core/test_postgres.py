"""Layer 3 on PostgreSQL: row-level security, the runtime role, the append-only audit log.

The app connects as ``tests.pg.APP_ROLE`` (no owner, no superuser, no BYPASSRLS); the
schema is migrated by the owner (``TEST_DATABASE_URL``).
"""

from __future__ import annotations

from typing import Any

import psycopg.errors
import pytest
import sqlalchemy as sa
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from saas.auth.models import Membership, User
from saas.core.audit import AuditLog, record_event
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, orm_scoping_disabled, tenant_scope, tenant_tables
from tests.conftest import login, tenant
from tests.pg import (
    APP_ROLE,
    assert_cross_tenant_reference_rejected,
    composite_tenant_fks,
    fk_id,
)

pytestmark = pytest.mark.postgres

RLS_TABLES = sorted({*tenant_tables(), "audit_log"})
COMPOSITE_FKS = composite_tenant_fks()


def owner_scalar(owner: sa.Engine, sql: str, **params: Any) -> Any:
    with owner.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def owner_counts(owner: sa.Engine, table: str) -> dict[int, int]:
    with owner.connect() as conn:
        rows = conn.execute(
            text(f"SELECT tenant_id, count(*) FROM {table} GROUP BY tenant_id")  # noqa: S608
        ).all()
    return {tenant_id: count for tenant_id, count in rows}


# -- the catalogue -------------------------------------------------------------------------


def test_every_tenant_table_and_audit_log_has_forced_rls(pg_app, pg_owner):
    with pg_owner.connect() as conn:
        rows = {
            name: (enabled, forced, policies)
            for name, enabled, forced, policies in conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            )
        }
    problems = []
    for name in RLS_TABLES:
        if name not in rows:
            problems.append(f"{name}: table missing after migration")
            continue
        enabled, forced, policies = rows[name]
        if not enabled:
            problems.append(f"{name}: ROW LEVEL SECURITY not enabled")
        if not forced:
            problems.append(f"{name}: ROW LEVEL SECURITY not forced")
        if not policies:
            problems.append(f"{name}: no policy (the app could not use the table)")
    assert not problems, "\n".join(problems)


def test_runtime_role_cannot_bypass_rls(pg_app, pg_owner):
    with pg_app.app_context():
        assert db.engine.url.username == APP_ROLE
    # the test body runs as the runtime role too
    me, superuser, bypass = db.session.execute(
        text(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    assert me == APP_ROLE
    assert superuser is False
    assert bypass is False
    with pg_owner.connect() as conn:
        owned = (
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "WHERE pg_has_role(:role, c.relowner, 'MEMBER') "
                    "AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace "
                    "  WHERE nspname IN ('pg_catalog', 'information_schema') "
                    "  OR nspname LIKE 'pg_toast%')"
                ),
                {"role": APP_ROLE},
            )
            .scalars()
            .all()
        )
        schema_owner = conn.execute(
            text(
                "SELECT pg_has_role(:role, nspowner, 'MEMBER') FROM pg_namespace "
                "WHERE nspname = 'public'"
            ),
            {"role": APP_ROLE},
        ).scalar()
    assert owned == [], f"{APP_ROLE} owns (or is member of the owner of) {owned}"
    assert schema_owner is False


# -- row-level security on its own (layer 2 switched off) ----------------------------------


def test_rls_alone_shows_only_current_tenant(pg_app, pg_owner):
    counts = owner_counts(pg_owner, "memberships")
    marl, hamm = tenant("marl"), tenant("hamm")
    assert counts.get(marl.id) and counts.get(hamm.id), counts
    assert sum(counts.values()) > counts[marl.id]
    with orm_scoping_disabled():
        for obj in (marl, hamm):
            with tenant_scope(obj):
                rows = db.session.execute(select(Membership)).scalars().all()
                assert {m.tenant_id for m in rows} == {obj.id}
                assert len(rows) == counts[obj.id]
                raw = db.session.execute(text("select count(*) from memberships")).scalar()
                assert raw == counts[obj.id]
        with all_tenants():
            raw = db.session.execute(text("select count(*) from memberships")).scalar()
            assert raw == sum(counts.values())


def test_rls_alone_without_tenant_shows_nothing(pg_app, pg_owner):
    assert sum(owner_counts(pg_owner, "memberships").values()) > 0
    with orm_scoping_disabled():
        assert db.session.execute(select(Membership)).scalars().all() == []
        assert db.session.execute(text("select count(*) from memberships")).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == 0
        # a transaction that saw a tenant before forgets it when the tenant is gone
        with tenant_scope(tenant("marl")):
            assert db.session.execute(text("select count(*) from memberships")).scalar() > 0
        assert db.session.execute(text("select count(*) from memberships")).scalar() == 0


def _new_user(email: str) -> User:
    with all_tenants():
        user = User(email=email, name="")
        db.session.add(user)
        db.session.commit()
    return user


def _membership_row(tenant_id: int, user_id: int) -> dict[str, Any]:
    now = utcnow()
    return {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "role": "viewer",
        "scope": {},
        "created_at": now,
        "updated_at": now,
    }


def test_rls_with_check_refuses_rows_of_another_tenant(pg_app, pg_owner):
    marl, hamm = tenant("marl"), tenant("hamm")
    user = _new_user("rls-check@example.org")
    before = owner_counts(pg_owner, "memberships")
    with orm_scoping_disabled(), tenant_scope(marl):
        # control: the same insert for the current tenant works
        db.session.execute(insert(Membership.__table__).values(**_membership_row(marl.id, user.id)))
        db.session.commit()
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(
                insert(Membership.__table__).values(**_membership_row(hamm.id, user.id))
            )
        assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege)
        assert "row-level security" in str(caught.value.orig)
        db.session.rollback()
        # moving a visible row to another tenant is refused as well
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(
                text("UPDATE memberships SET tenant_id = :b WHERE user_id = :u"),
                {"b": hamm.id, "u": user.id},
            )
        assert "row-level security" in str(caught.value.orig)
        db.session.rollback()
    after = owner_counts(pg_owner, "memberships")
    assert after[marl.id] == before[marl.id] + 1
    assert after[hamm.id] == before[hamm.id]


def test_rls_hides_other_tenants_rows_from_update_and_delete(pg_app, pg_owner):
    marl, hamm = tenant("marl"), tenant("hamm")
    before = owner_counts(pg_owner, "memberships")
    with orm_scoping_disabled(), tenant_scope(marl):
        touched = db.session.execute(
            text("UPDATE memberships SET role = 'viewer' WHERE tenant_id = :b"), {"b": hamm.id}
        ).rowcount
        deleted = db.session.execute(
            text("DELETE FROM memberships WHERE tenant_id = :b"), {"b": hamm.id}
        ).rowcount
        db.session.commit()
    assert (touched, deleted) == (0, 0)
    assert owner_counts(pg_owner, "memberships") == before


# -- RLS state at flush time ---------------------------------------------------------------


@pytest.fixture
def stamping_disabled() -> Any:
    """Switch off layer 2's flush check (stamping / CrossTenantWrite) to test RLS alone."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from saas.core import tenancy

    removed = 0
    while event.contains(Session, "before_flush", tenancy._stamp_new_rows):
        event.remove(Session, "before_flush", tenancy._stamp_new_rows)
        removed += 1
    assert removed, "layer 2's flush hook is not installed under the expected name"
    try:
        yield
    finally:
        for _ in range(removed):
            event.listen(Session, "before_flush", tenancy._stamp_new_rows)


def test_flush_for_current_tenant_after_query_of_another(pg_app):
    marl, hamm = tenant("marl").id, tenant("hamm").id
    user_id = _new_user("flush-sync@example.org").id
    with tenant_scope(marl):  # the transaction's last sync is for marl …
        db.session.execute(select(Membership)).all()
    with tenant_scope(hamm):  # … and a plain add + flush for hamm must still work
        db.session.add(Membership(user_id=user_id, role="viewer"))
        db.session.flush()
    db.session.rollback()


def test_rls_checks_flush_after_all_tenants_query(pg_app, pg_owner, stamping_disabled):
    marl, hamm = tenant("marl").id, tenant("hamm").id
    user_id = _new_user("flush-bypass@example.org").id
    before = owner_counts(pg_owner, "memberships")
    with all_tenants():  # the transaction's last sync lifted RLS …
        db.session.execute(select(Membership)).all()
    with tenant_scope(hamm):  # … so a row of marl written as hamm must still be refused
        db.session.add(Membership(tenant_id=marl, user_id=user_id, role="viewer"))
        try:
            db.session.commit()
        except DBAPIError as exc:
            db.session.rollback()
            assert "row-level security" in str(exc.orig)
    assert owner_counts(pg_owner, "memberships") == before


# -- the append-only audit log -------------------------------------------------------------


def test_audit_log_privileges_of_runtime_role(pg_app, pg_owner):
    with pg_owner.connect() as conn:
        privileges = {
            priv: conn.execute(
                text("SELECT has_table_privilege(:r, 'audit_log', :p)"), {"r": APP_ROLE, "p": priv}
            ).scalar()
            for priv in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
        }
        on_tenant_tables = {
            (name, priv): conn.execute(
                text("SELECT has_table_privilege(:r, :t, :p)"),
                {"r": APP_ROLE, "t": name, "p": priv},
            ).scalar()
            for name in tenant_tables()
            for priv in ("SELECT", "INSERT", "UPDATE", "DELETE")
        }
    assert privileges == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": False,
        "DELETE": False,
        "TRUNCATE": False,
    }
    missing = [key for key, granted in on_tenant_tables.items() if not granted]
    assert not missing, f"{APP_ROLE} lacks {missing}"


def test_audit_log_insert_and_select_work_update_and_delete_fail(pg_app, pg_owner):
    marl = tenant("marl")
    with tenant_scope(marl):
        record_event("test_event", details={"n": 1})
        db.session.commit()
        rows = (
            db.session.execute(select(AuditLog).where(AuditLog.action == "test_event"))
            .scalars()
            .all()
        )
        assert [(r.tenant_id, r.changes) for r in rows] == [(marl.id, {"n": 1})]
        for sql in (
            "UPDATE audit_log SET action = 'forged'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(DBAPIError) as caught:
                db.session.execute(text(sql))
            assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege), sql
            assert "permission denied" in str(caught.value.orig), sql
            db.session.rollback()
    assert owner_scalar(pg_owner, "SELECT count(*) FROM audit_log WHERE action = 'forged'") == 0
    assert owner_scalar(pg_owner, "SELECT count(*) FROM audit_log WHERE action = 'test_event'") == 1


def test_audit_log_is_append_only_even_for_the_owner(pg_app, pg_owner):
    with tenant_scope(tenant("marl")):
        record_event("test_event")
        db.session.commit()
    for sql in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pg_owner.connect() as conn, pytest.raises(DBAPIError) as caught:
            conn.execute(text(sql))
        assert "append-only" in str(caught.value.orig), sql
    assert owner_scalar(pg_owner, "SELECT count(*) FROM audit_log WHERE action = 'test_event'") == 1


def test_audit_rows_of_other_tenants_are_invisible(pg_app):
    marl, hamm = tenant("marl"), tenant("hamm")
    with tenant_scope(hamm):
        record_event("hamm_only")
        db.session.commit()
    with tenant_scope(marl):
        assert (
            db.session.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'hamm_only'")
            ).scalar()
            == 0
        )
        with pytest.raises(DBAPIError) as caught:  # writing an entry for another tenant
            record_event("forged", tenant_id=hamm.id)
            db.session.flush()
        assert "row-level security" in str(caught.value.orig)
        db.session.rollback()
    with tenant_scope(hamm):
        assert (
            db.session.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'hamm_only'")
            ).scalar()
            == 1
        )


# -- composite foreign keys ----------------------------------------------------------------


@pytest.mark.parametrize("fk", COMPOSITE_FKS, ids=fk_id)
def test_db_rejects_cross_tenant_reference(pg_app, fk):
    """With layer 2 off, the composite foreign key alone rejects a reference into tenant B."""
    assert_cross_tenant_reference_rejected(fk, "postgresql")


# -- the whole app on the runtime role ------------------------------------------------------


def test_login_works_on_postgres(pg_app, pg_owner):
    client = pg_app.test_client()
    response = login(client, "admin@marl.example", "marl")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/marl/dashboard")
    page = client.get("/marl/dashboard")
    assert page.status_code == 200
    assert "Stadt Marl" in page.get_data(as_text=True)
    marl = tenant("marl")
    with pg_owner.connect() as conn:
        actions = conn.execute(
            text("SELECT action, tenant_id FROM audit_log WHERE action LIKE 'login%' ORDER BY id")
        ).all()
        sessions = conn.execute(text("SELECT count(*) FROM login_sessions")).scalar()
    assert actions == [("login", marl.id)]
    assert sessions == 1
    assert client.get("/hamm/dashboard").status_code in (302, 403)
