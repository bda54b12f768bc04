"""figure values: index (tenant_id, period) in place of the one on tenant_id alone

Reports read one tenant's figures for a list of periods. With row-level security on, the
planner kept choosing the index on ``tenant_id`` alone and filtered every figure of the
tenant; the composite index serves both that lookup and the period list, so it replaces it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 13:00:00

"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_figure_values_tenant_id_period", "figure_values", ["tenant_id", "period"]
    )
    op.drop_index("ix_figure_values_tenant_id", table_name="figure_values")


def downgrade() -> None:
    op.create_index("ix_figure_values_tenant_id", "figure_values", ["tenant_id"])
    op.drop_index("ix_figure_values_tenant_id_period", table_name="figure_values")
