"""Row-level security and grants on PostgreSQL, called from migrations.

Every tenant table gets RLS ENABLEd and FORCEd with a policy on the per-transaction setting
``app.tenant_id`` (written by :mod:`saas.core.tenancy`). The application role may read and
write tenant tables but only INSERT and SELECT the audit log. On SQLite these are no-ops,
except the audit log's append-only triggers.
"""

from __future__ import annotations

import os

from alembic import op

TENANT_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
ALL_TENANTS = "current_setting('app.all_tenants', true) = 'on'"


def _dialect() -> str:
    return op.get_bind().dialect.name


def app_role() -> str:
    role = os.environ.get("SAAS_DB_APP_ROLE") or "sozialraum_app"
    if not role.replace("_", "").isalnum():
        raise ValueError(f"invalid role name {role!r}")
    return role


def enable_tenant_rls(table: str) -> None:
    """RLS enabled and forced, one policy for all commands."""
    if _dialect() != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({ALL_TENANTS} OR {TENANT_MATCH}) "
        f"WITH CHECK ({ALL_TENANTS} OR {TENANT_MATCH})"
    )


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
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY audit_read ON {table} FOR SELECT USING ({ALL_TENANTS} OR {TENANT_MATCH})"
    )
    op.execute(
        f"CREATE POLICY audit_insert ON {table} FOR INSERT "
        f"WITH CHECK ({ALL_TENANTS} OR {TENANT_MATCH} OR (tenant_id IS NULL AND "
        "NULLIF(current_setting('app.tenant_id', true), '') IS NULL))"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )


def grant_app_role() -> None:
    """Give the runtime role what it needs and no more (idempotent; skipped if it is missing)."""
    if _dialect() != "postgresql":
        return
    role = app_role()
    op.execute(
        f"""
        DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role};
            REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role};
          END IF;
        END $$;
        """  # noqa: S608 - the role name is validated by app_role()
    )
