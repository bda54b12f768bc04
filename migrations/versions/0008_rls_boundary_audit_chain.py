"""RLS the runtime role cannot lift; a hash-chained audit log

* Every RLS policy reads the scope through ``saas_rls.tenant()`` / ``saas_rls.all_tenants()``,
  which accept ``app.tenant_id`` / ``app.all_tenants`` only with the app's signature over the
  backend and transaction (saas/core/rls.py); the old policies trusted the bare settings, so
  ``set_config('app.all_tenants', 'on')`` as the runtime role read every tenant.
* ``audit_log`` gets ``seq``, ``prev_hash`` and ``hash`` (one chain per tenant, 0 = platform),
  the heads table ``audit_chain_heads`` and, on PostgreSQL, a trigger that sets ``at`` to the
  database's time and chains each row. Existing rows are chained here, in (at, id) order.

Revision ID: 0008_rls
Revises: 0007
Create Date: 2026-12-01 22:00:00

"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from saas.core import rls
from saas.core.audit import (
    CHAIN_FUNCTION_SQL,
    CHAIN_TRIGGER_SQL,
    GENESIS,
    HASHED,
    HEADS_FUNCTION_SQL,
    row_hash,
)

revision = "0008_rls"
down_revision = "0007"
branch_labels = None
depends_on = None

LEGACY_TENANT = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
LEGACY_ALL = "current_setting('app.all_tenants', true) = 'on'"
LEGACY_NO_TENANT = (
    "(tenant_id IS NULL AND NULLIF(current_setting('app.tenant_id', true), '') IS NULL)"
)

audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    *(
        sa.column(name, sa.DateTime(timezone=True) if name == "at" else sa.String)
        for name in HASHED
        if name not in ("changes", "seq", "tenant_id", "user_id", "entity_id")
    ),
    sa.column("tenant_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("entity_id", sa.Integer),
    sa.column("changes", sa.Text),
    sa.column("seq", sa.BigInteger),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _tenant_policy_tables() -> list[str]:
    return list(
        op.get_bind()
        .exec_driver_sql(
            "SELECT tablename FROM pg_policies WHERE schemaname = 'public' "
            "AND policyname = 'tenant_isolation' ORDER BY tablename"
        )
        .scalars()
    )


def _sqlite_append_only(create: bool) -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
        if create:
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def _chain_existing_rows() -> dict[int, tuple[int, str]]:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            audit.c.id,
            *(audit.c[n] for n in HASHED if n not in ("seq", "changes")),
            sa.cast(audit.c.changes, sa.Text).label("changes"),
        ).order_by(audit.c.at, audit.c.id)
    ).mappings()
    heads: dict[int, tuple[int, str]] = {}
    for row in rows:
        chain = row["tenant_id"] or 0
        seq, prev = heads.get(chain, (0, GENESIS))
        values = {**row, "seq": seq + 1}
        if values["at"] is not None and values["at"].tzinfo is None:
            values["at"] = values["at"].replace(tzinfo=UTC)
        digest = row_hash(prev, values)
        conn.execute(
            audit.update()
            .where(audit.c.id == row["id"])
            .values(seq=seq + 1, prev_hash=prev, hash=digest)
        )
        heads[chain] = (seq + 1, digest)
    return heads


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_log_chain", ["tenant_id", "seq"], unique=False)
        batch_op.create_index(
            "ix_audit_log_entity", ["tenant_id", "entity", "entity_id"], unique=False
        )
    op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain_heads")),
    )

    if postgres:
        rls.ensure_functions()
        for table in _tenant_policy_tables():
            op.execute(f"DROP POLICY tenant_isolation ON {table}")
            op.execute(rls.tenant_policy_sql(table))
        op.execute("DROP POLICY IF EXISTS audit_read ON audit_log")
        op.execute("DROP POLICY IF EXISTS audit_insert ON audit_log")
        for sql in rls.audit_policies_sql():
            op.execute(sql)
        # the owner's data step: RLS (forced) would hide rows from a non-superuser owner
        op.execute("ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        _sqlite_append_only(create=False)

    heads = _chain_existing_rows()
    head_table = sa.table(
        "audit_chain_heads",
        sa.column("chain", sa.Integer),
        sa.column("seq", sa.BigInteger),
        sa.column("hash", sa.String),
    )
    if heads:
        op.bulk_insert(
            head_table,
            [{"chain": c, "seq": s, "hash": h} for c, (s, h) in sorted(heads.items())],
        )

    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        op.execute("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE audit_log ALTER COLUMN at SET DEFAULT now()")
        op.execute(CHAIN_FUNCTION_SQL)
        op.execute(CHAIN_TRIGGER_SQL)
        op.execute(HEADS_FUNCTION_SQL)
        op.execute(
            "CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION saas_rls.audit_chain()"
        )
    else:
        _sqlite_append_only(create=True)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_chain ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS saas_rls.audit_chain()")
        op.execute("DROP FUNCTION IF EXISTS saas_rls.audit_heads()")
        op.execute("DROP FUNCTION IF EXISTS saas_rls.audit_field(text)")
        op.execute("ALTER TABLE audit_log ALTER COLUMN at DROP DEFAULT")
        for table in _tenant_policy_tables():
            op.execute(f"DROP POLICY tenant_isolation ON {table}")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} "
                f"USING ({LEGACY_ALL} OR {LEGACY_TENANT}) "
                f"WITH CHECK ({LEGACY_ALL} OR {LEGACY_TENANT})"
            )
        op.execute("DROP POLICY IF EXISTS audit_read ON audit_log")
        op.execute("DROP POLICY IF EXISTS audit_insert ON audit_log")
        op.execute(
            f"CREATE POLICY audit_read ON audit_log FOR SELECT "
            f"USING ({LEGACY_ALL} OR {LEGACY_TENANT})"
        )
        op.execute(
            f"CREATE POLICY audit_insert ON audit_log FOR INSERT "
            f"WITH CHECK ({LEGACY_ALL} OR {LEGACY_TENANT} OR {LEGACY_NO_TENANT})"
        )
    op.drop_table("audit_chain_heads")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index("ix_audit_log_chain")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    if not postgres:  # the batch rebuilt the table without its triggers
        _sqlite_append_only(create=True)
