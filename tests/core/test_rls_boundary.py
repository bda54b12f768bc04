"""Row-level security as a boundary against SQL run as the runtime role (issue 10, item 4).

Every trick the runtime role can execute — ``set_config`` of each setting, a replayed
signature, ``SET``/``RESET``, ``SET ROLE``, ``SET SESSION AUTHORIZATION``, a function of its
own — must read 0 rows of another tenant and write none. ORM scoping is off throughout, so
only the database decides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from saas.core.db import db
from saas.core.tenancy import all_tenants, orm_scoping_disabled, tenant_scope
from tests.conftest import tenant

pytestmark = pytest.mark.postgres

COUNT = "SELECT count(*) FROM memberships WHERE tenant_id = :t"


def scalar(sql: str, **params: Any) -> Any:
    return db.session.execute(text(sql), params).scalar()


def insert_membership(tenant_id: int) -> None:
    db.session.execute(
        text(
            "INSERT INTO memberships (tenant_id, user_id, role, scope, created_at, updated_at) "
            "SELECT :t, id, 'viewer', '{}', now(), now() FROM users LIMIT 1"
        ),
        {"t": tenant_id},
    )


def owner_name(pg_owner: sa.Engine) -> str:
    with pg_owner.connect() as conn:
        return conn.execute(text("SELECT current_user")).scalar()


def owner_count(pg_owner: sa.Engine, tenant_id: int) -> int:
    with pg_owner.connect() as conn:
        return conn.execute(text(COUNT), {"t": tenant_id}).scalar()


def captured_signature(tenant_id: int) -> str:
    """A valid signature of another transaction (as if read from a log or another session)."""
    with tenant_scope(tenant_id):
        value = scalar("SELECT current_setting('app.scope_sig')")
    db.session.rollback()
    return value


TRICKS: dict[str, Callable[[int], list[str]]] = {
    "set_config all_tenants": lambda _h: ["SELECT set_config('app.all_tenants', 'on', true)"],
    "set_config all_tenants (session)": lambda _h: [
        "SELECT set_config('app.all_tenants', 'on', false)"
    ],
    "set_config tenant_id": lambda h: [f"SELECT set_config('app.tenant_id', '{h}', true)"],
    "SET app.all_tenants": lambda _h: ["SET app.all_tenants = 'on'"],
    "SET LOCAL app.tenant_id": lambda h: [f"SET LOCAL app.tenant_id = '{h}'"],
    "RESET ALL": lambda _h: ["RESET ALL"],
    "RESET ALL, then all_tenants": lambda _h: [
        "RESET ALL",
        "SELECT set_config('app.all_tenants', 'on', true)",
    ],
    "signature of this transaction, other tenant": lambda h: [
        f"SELECT set_config('app.tenant_id', '{h}', true)"
    ],  # app.scope_sig stays the app's valid one for the current tenant
    "empty signature": lambda _h: [
        "SELECT set_config('app.all_tenants', 'on', true)",
        "SELECT set_config('app.scope_sig', '', true)",
    ],
}


@pytest.mark.parametrize("name", list(TRICKS))
def test_setting_tricks_read_and_write_nothing_of_another_tenant(pg_app, pg_owner, name):
    marl, hamm = tenant("marl").id, tenant("hamm").id
    hamm_rows = owner_count(pg_owner, hamm)
    assert hamm_rows > 0
    with orm_scoping_disabled(), tenant_scope(marl):
        assert scalar(COUNT, t=marl) > 0  # control: the app's own scope works
        for sql in TRICKS[name](hamm):
            db.session.execute(text(sql))
        assert scalar(COUNT, t=hamm) == 0, name
        assert scalar("SELECT count(DISTINCT tenant_id) FROM memberships") <= 1, name
        with pytest.raises(DBAPIError) as caught:
            insert_membership(hamm)
        assert "row-level security" in str(caught.value.orig), name
        db.session.rollback()
    assert owner_count(pg_owner, hamm) == hamm_rows


def test_replayed_signature_of_another_transaction_is_worthless(pg_app, pg_owner):
    marl, hamm = tenant("marl").id, tenant("hamm").id
    stolen = captured_signature(hamm)
    with orm_scoping_disabled(), tenant_scope(marl):
        assert scalar(COUNT, t=marl) > 0
        db.session.execute(
            text(
                "SELECT set_config('app.tenant_id', :t, true), "
                "set_config('app.all_tenants', 'off', true), "
                "set_config('app.scope_sig', :s, true)"
            ),
            {"t": str(hamm), "s": stolen},
        )
        assert scalar(COUNT, t=hamm) == 0
        with pytest.raises(DBAPIError):
            insert_membership(hamm)
        db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "SET ROLE {owner}",
        "SET SESSION AUTHORIZATION {owner}",
        "SET ROLE postgres",
        "SELECT * FROM saas_rls.secret",
        "CREATE FUNCTION public.lift() RETURNS boolean LANGUAGE sql AS 'SELECT true'",
        "CREATE SCHEMA attacker",
        "ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON memberships",
        "CREATE OR REPLACE FUNCTION saas_rls.tenant() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
    ],
)
def test_role_and_schema_tricks_are_refused(pg_app, pg_owner, statement):
    sql = statement.format(owner=owner_name(pg_owner))
    with orm_scoping_disabled(), tenant_scope(tenant("marl")):
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(text(sql))
        message = str(caught.value.orig)
        assert any(
            word in message for word in ("permission denied", "must be", "does not exist")
        ), message
        db.session.rollback()


def test_a_function_of_its_own_runs_with_its_own_rights(pg_app, pg_owner):
    """The role may create temporary functions; they see what it sees, nothing more."""
    marl, hamm = tenant("marl").id, tenant("hamm").id
    with orm_scoping_disabled(), tenant_scope(marl):
        db.session.execute(
            text(
                "CREATE FUNCTION pg_temp.peek(t integer) RETURNS bigint LANGUAGE sql "
                "SECURITY DEFINER AS $$ "
                "SELECT set_config('app.all_tenants', 'on', true); "
                "SELECT count(*) FROM memberships WHERE tenant_id = t $$"
            )
        )
        assert scalar("SELECT pg_temp.peek(:t)", t=hamm) == 0
        assert scalar(COUNT, t=hamm) == 0
        db.session.rollback()


def test_the_apps_own_scopes_still_work(pg_app, pg_owner):
    """Control: with the app's signature, one tenant, and all tenants for platform code."""
    marl, hamm = tenant("marl").id, tenant("hamm").id
    with orm_scoping_disabled():
        with tenant_scope(marl):
            assert scalar(COUNT, t=marl) == owner_count(pg_owner, marl)
            assert scalar(COUNT, t=hamm) == 0
        with tenant_scope(hamm):  # a switch within the transaction is re-signed
            assert scalar(COUNT, t=hamm) == owner_count(pg_owner, hamm)
        with all_tenants():
            assert scalar(COUNT, t=hamm) == owner_count(pg_owner, hamm)
        db.session.rollback()


def test_tenant_query_keeps_its_index_as_runtime_role(pg_app):
    """The policy's checks are InitPlans: the figure lookup still uses its covering index."""
    with orm_scoping_disabled(), tenant_scope(tenant("marl")):
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            db.session.execute(
                text(
                    "EXPLAIN SELECT area_id, value FROM figure_values "
                    "WHERE tenant_id = :t AND metric_id = 1 AND period = '2020-01-01'"
                ),
                {"t": tenant("marl").id},
            ).scalars()
        )
        db.session.rollback()
    assert "ix_figure_values_tenant_id_metric_id_period" in plan, plan
    assert "InitPlan" in plan, plan


def test_alternating_tenants_over_a_small_pool_never_leak(pg_app, pg_owner):
    """Anchor A9 at the database: 200 alternating transactions on a pool of 2 connections
    see exactly their tenant's rows, and a new transaction starts with no scope at all."""
    marl, hamm = tenant("marl").id, tenant("hamm").id
    expected = {marl: owner_count(pg_owner, marl), hamm: owner_count(pg_owner, hamm)}
    engine = sa.create_engine(db.engine.url, pool_size=2, max_overflow=0)
    session = Session(engine)  # the app's session events apply to every session
    try:
        with orm_scoping_disabled():
            for n in range(200):
                current = (marl, hamm)[n % 2]
                with tenant_scope(current):
                    seen = session.execute(text("SELECT count(*) FROM memberships")).scalar()
                    assert seen == expected[current]
                session.commit()
                with engine.connect() as raw:  # no app: a connection as the pool hands it out
                    assert raw.execute(
                        text(
                            "SELECT coalesce(current_setting('app.tenant_id', true), ''), "
                            "coalesce(current_setting('app.scope_sig', true), '')"
                        )
                    ).one() == ("", "")
                    assert raw.execute(text("SELECT count(*) FROM memberships")).scalar() == 0
        assert engine.pool.size() == 2
    finally:
        session.close()
        engine.dispose()
