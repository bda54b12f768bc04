"""the office's commentary on a published report, per section

``report_commentaries`` holds what the youth office writes about a published snapshot
(what happened, why), one row per snapshot with a text per section. Row-level secured like
every tenant table; audited and optimistically locked like every edited record.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 03:00:00

"""

import sqlalchemy as sa
from alembic import op

from saas.core.rls import enable_tenant_rls, grant_app_role

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_commentaries",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "report_id"],
            ["published_reports.tenant_id", "published_reports.id"],
            name=op.f("fk_report_commentaries_tenant_id_report_id_published_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_report_commentaries_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_commentaries")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_report_commentaries_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "report_id",
            name=op.f("uq_report_commentaries_tenant_id_report_id"),
        ),
    )
    with op.batch_alter_table("report_commentaries") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_commentaries_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls("report_commentaries")
    grant_app_role()


def downgrade() -> None:
    with op.batch_alter_table("report_commentaries") as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_commentaries_tenant_id"))
    op.drop_table("report_commentaries")
