"""one optimistic lock: version counters on rings, tenants and report templates

Every record edited on a page carries a version counter that SQLAlchemy checks and bumps on
each UPDATE (``version_id_col``). Comparison rings and local report variants used their
modification time instead, tenant settings had no guard at all. Report templates already
have a content ``version`` (one row per shared version), so their counter is
``lock_version``. Shared versions get a unique key of their own: ``(tenant_id, code,
version)`` never matched two shared rows because NULLs differ, so two platform admins saving
the next version at the same moment could both store it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, column in (
        ("comparison_rings", "version"),
        ("tenants", "version"),
        ("report_templates", "lock_version"),
    ):
        op.add_column(
            table, sa.Column(column, sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    op.create_index(
        "uq_report_templates_shared_code_version",
        "report_templates",
        ["code", "version"],
        unique=True,
        postgresql_where=sa.text("tenant_id IS NULL"),
        sqlite_where=sa.text("tenant_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_report_templates_shared_code_version", table_name="report_templates")
    with op.batch_alter_table("report_templates") as batch:
        batch.drop_column("lock_version")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("comparison_rings") as batch:
        batch.drop_column("version")
