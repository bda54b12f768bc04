"""figure values: a covering index (tenant_id, metric_id, period) in place of tenant_id alone

Reports read one tenant's metrics for a list of periods. With row-level security on, the
planner kept choosing the index on ``tenant_id`` alone and fetched every figure of the
tenant from the table; the composite index answers the lookup by equality conditions (an
index condition even under RLS) and, with ``area_id`` and ``value`` included, from the index
alone on PostgreSQL. It leads with ``tenant_id``, so it replaces that index.

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
        "ix_figure_values_tenant_id_metric_id_period",
        "figure_values",
        ["tenant_id", "metric_id", "period"],
        postgresql_include=["area_id", "value"],
    )
    op.drop_index("ix_figure_values_tenant_id", table_name="figure_values")


def downgrade() -> None:
    op.create_index("ix_figure_values_tenant_id", "figure_values", ["tenant_id"])
    op.drop_index("ix_figure_values_tenant_id_metric_id_period", table_name="figure_values")
