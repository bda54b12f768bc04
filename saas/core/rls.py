"""Row-level security and grants on PostgreSQL, called from migrations.

Every tenant table gets RLS ENABLEd and FORCEd with one policy that has **no escape setting**
the runtime role could write itself. The scope of a transaction (one tenant, or all tenants
for platform code) is set by :mod:`saas.core.tenancy` in two settings, ``app.tenant_id`` and
``app.all_tenants``, *together with a signature* ``app.scope_sig``: an HMAC-SHA256 over both
values, the backend's pid and the transaction's start time, keyed by a secret derived from the
app's ``SECRET_KEY``. The database holds the same key in ``saas_rls.secret``, readable by the
owner only; ``saas_rls.verified()`` (``SECURITY DEFINER``) checks the signature. A setting
written by SQL alone (``set_config``, ``SET``) carries no valid signature and so scopes to
nothing; a signature seen in one transaction is worthless in any other.

The policy calls the checks once per statement (``(SELECT saas_rls.tenant())`` is an InitPlan),
so the tenant comparison stays a cheap filter next to the index conditions of the query.

The application role may read and write tenant tables but only INSERT and SELECT the audit
log. On SQLite these are no-ops, except the audit log's append-only triggers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from alembic import op

SCHEMA = "saas_rls"
TENANT = f"tenant_id = (SELECT {SCHEMA}.tenant())"
ALL_TENANTS = f"(SELECT {SCHEMA}.all_tenants())"
#: platform audit rows (no tenant) may be written where no tenant is current
NO_TENANT = f"(tenant_id IS NULL AND (SELECT {SCHEMA}.tenant()) IS NULL)"
#: the message the signature covers, built the same way by the app (tenancy.scope_signature)
MESSAGE_SQL = (
    "coalesce(current_setting('app.tenant_id', true), '') || '|' || "
    "coalesce(current_setting('app.all_tenants', true), '') || '|' || "
    "pg_backend_pid()::text || '|' || "
    "((extract(epoch FROM transaction_timestamp()) * 1000000)::bigint)::text"
)
#: what the runtime role needs from its role (and what /healthz checks)
TRANSACTION_STAMP_SQL = (
    "SELECT pg_backend_pid(), (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint"
)


class RuntimeRoleMissing(RuntimeError):
    """Migrations refuse to run when the role they must grant rights to does not exist."""


def _dialect() -> str:
    return op.get_bind().dialect.name


def app_role() -> str:
    role = os.environ.get("SAAS_DB_APP_ROLE") or "sozialraum_app"
    if not role.replace("_", "").isalnum():
        raise ValueError(f"invalid role name {role!r}")
    return role


# -- the signed scope ------------------------------------------------------------------------


def derive_key(secret_key: str | bytes) -> bytes:
    """The RLS key: derived from SECRET_KEY, never the SECRET_KEY itself."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"sozialraum/rls-scope/v1", hashlib.sha256).digest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer keys (RFC 2104), so the database needs only sha256()."""
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def scope_signature(key: bytes, tenant_id: str, all_tenants: str, pid: int, stamp: int) -> str:
    message = f"{tenant_id}|{all_tenants}|{pid}|{stamp}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


FUNCTIONS_SQL = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.secret ("
    " id integer PRIMARY KEY CHECK (id = 1), ipad bytea NOT NULL, opad bytea NOT NULL)",
    f"REVOKE ALL ON {SCHEMA}.secret FROM PUBLIC",
    # plpgsql, not sql: PL/pgSQL keeps its plans for the session, while a SQL function that
    # cannot be inlined is planned again on every call (≈ 1 ms per statement under RLS)
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.verified() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    DECLARE
      s record;
    BEGIN
      SELECT k.ipad, k.opad INTO s FROM {SCHEMA}.secret k WHERE k.id = 1;
      IF NOT FOUND THEN
        RETURN false;
      END IF;
      RETURN coalesce(current_setting('app.scope_sig', true) = encode(
        sha256(s.opad || sha256(s.ipad || convert_to({MESSAGE_SQL}, 'UTF8'))), 'hex'), false);
    END
    $fn$""",  # noqa: S608 - constants only  # nosec B608
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.tenant() RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    BEGIN
      IF {SCHEMA}.verified() THEN
        RETURN NULLIF(current_setting('app.tenant_id', true), '')::integer;
      END IF;
      RETURN NULL;
    END
    $fn$""",
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.all_tenants() RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    BEGIN
      RETURN {SCHEMA}.verified() AND current_setting('app.all_tenants', true) = 'on';
    END
    $fn$""",
]


def ensure_functions(bind: Any = None) -> None:
    """The schema ``saas_rls`` with the key table and the checks (idempotent)."""
    for sql in FUNCTIONS_SQL:
        if bind is None:
            op.execute(sql)
        else:
            bind.exec_driver_sql(sql)


def store_key(bind: Any, secret_key: str | bytes) -> None:
    ipad, opad = _pads(derive_key(secret_key))
    upsert = (
        # SCHEMA is a module constant, the values are bound parameters
        f"INSERT INTO {SCHEMA}.secret (id, ipad, opad) VALUES (1, %(i)s, %(o)s) "  # noqa: S608 # nosec B608
        "ON CONFLICT (id) DO UPDATE SET ipad = EXCLUDED.ipad, opad = EXCLUDED.opad"
    )
    bind.exec_driver_sql(
        upsert,
        {"i": ipad, "o": opad},
    )


# -- policies --------------------------------------------------------------------------------


def tenant_policy_sql(table: str) -> str:
    return (
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({ALL_TENANTS} OR {TENANT}) WITH CHECK ({ALL_TENANTS} OR {TENANT})"
    )


def audit_policies_sql(table: str = "audit_log") -> list[str]:
    return [
        f"CREATE POLICY audit_read ON {table} FOR SELECT USING ({ALL_TENANTS} OR {TENANT})",
        f"CREATE POLICY audit_insert ON {table} FOR INSERT "
        f"WITH CHECK ({ALL_TENANTS} OR {TENANT} OR {NO_TENANT})",
    ]


def enable_tenant_rls(table: str) -> None:
    """RLS enabled and forced, one policy for all commands."""
    if _dialect() != "postgresql":
        return
    ensure_functions()
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(tenant_policy_sql(table))


def enable_audit_rls(table: str = "audit_log") -> None:
    """Audit rows of a tenant are visible to it; platform rows (no tenant) only to platform code."""
    if _dialect() == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    if _dialect() != "postgresql":
        return
    ensure_functions()
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for sql in audit_policies_sql(table):
        op.execute(sql)
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )


# -- grants ----------------------------------------------------------------------------------

#: tables the runtime role must not touch at all (written by SECURITY DEFINER code only)
PRIVATE_TABLES = ("audit_chain_heads",)


def grant_app_role() -> None:
    """Kept for the migrations that call it; the grants are (re)applied by :func:`sync`."""


def require_app_role(bind: Any) -> None:
    """Refuse to migrate when the runtime role does not exist (its grants would be missing)."""
    if bind.dialect.name != "postgresql":
        return
    role = app_role()
    exists = bind.exec_driver_sql(
        "SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}
    ).scalar()
    if not exists:
        raise RuntimeRoleMissing(
            f"the runtime role {role!r} (SAAS_DB_APP_ROLE) does not exist in PostgreSQL: "
            "create it (deploy/postgres-init.sql) and run `flask db upgrade` again"
        )


def sync(bind: Any, secret_key: str | bytes) -> None:
    """Run at the end of every migration run: the key and the runtime role's rights.

    Idempotent, so an upgrade with nothing to apply still repairs missing grants.
    """
    if bind.dialect.name != "postgresql":
        return
    require_app_role(bind)
    role = app_role()
    ensure_functions(bind)
    store_key(bind, secret_key)
    tables = set(
        bind.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).scalars()
    )
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}",
        f"REVOKE ALL ON {SCHEMA}.secret FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    if "audit_log" in tables:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}")
    if "alembic_version" in tables:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}")
    statements += [f"REVOKE ALL ON {t} FROM {role}" for t in PRIVATE_TABLES if t in tables]
    for sql in statements:
        bind.exec_driver_sql(sql)


# -- the runtime connection's health -------------------------------------------------------


def runtime_problem(session: Any) -> str | None:
    """What keeps the runtime connection from working under RLS, or None (for /healthz).

    Checks that the role may use the tables (grants) and that the database accepts the app's
    signature (the key in the database matches SECRET_KEY).
    """
    from sqlalchemy import text

    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    missing = session.execute(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "AND c.relname NOT IN ('alembic_version', 'audit_chain_heads') "
            "AND NOT has_table_privilege(c.oid, 'SELECT')"
        )
    ).scalar()
    if missing:
        return "grants missing"
    try:
        verified = session.execute(text(f"SELECT {SCHEMA}.verified()")).scalar()
    except Exception:  # noqa: BLE001 - no schema, no usage: the same answer
        session.rollback()
        return "row-level security functions missing"
    if not verified:
        return "row-level security key does not match SECRET_KEY"
    return None
