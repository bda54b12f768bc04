"""one-time form tokens

``form_tokens`` holds the claimed one-time form tokens (saas.core.idempotency): a form sent
twice acts once. Row-level secured like every tenant table.

Revision ID: 0009
Revises: 0008_rls
Create Date: 2026-12-01 22:30:00

"""

import sqlalchemy as sa
from alembic import op

from saas.core.rls import enable_tenant_rls, grant_app_role

revision = "0009"
down_revision = "0008_rls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_form_tokens_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_tokens")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_form_tokens_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "token", name=op.f("uq_form_tokens_tenant_id_token")),
    )
    with op.batch_alter_table("form_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_form_tokens_tenant_id"), ["tenant_id"], unique=False)
    enable_tenant_rls("form_tokens")
    grant_app_role()


def downgrade() -> None:
    with op.batch_alter_table("form_tokens") as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_tokens_tenant_id"))
    op.drop_table("form_tokens")
