"""comparison publication: cells flagged revised, the history of published cells

``publications.revised`` marks a value that differs from one published earlier for the same
cell (the flag "r" of the ring page and its exports); ``publication_history`` remembers the
first value every cell showed, also across a withdrawn year. Row-level security as every
tenant table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 08:00:00

"""

import sqlalchemy as sa
from alembic import op

from saas.core.rls import enable_tenant_rls, grant_app_role

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revised", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "publication_history",
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("revised", sa.Boolean(), nullable=False),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_publication_history_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_history")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_publication_history_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "indicator",
            "year",
            "area_code",
            name=op.f("uq_publication_history_tenant_id_indicator_year_area_code"),
        ),
    )
    with op.batch_alter_table("publication_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publication_history_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls("publication_history")
    grant_app_role()


def downgrade() -> None:
    with op.batch_alter_table("publication_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_history_tenant_id"))
    op.drop_table("publication_history")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_column("revised")
