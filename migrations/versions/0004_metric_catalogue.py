"""seed the shared metric catalogue

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:20:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (
    "code", "label_de", "label_en", "unit", "kind", "time_aggregation", "area_aggregation",
    "periodicity", "includes_eb", "includes_35a", "part_of", "help_type", "group", "position",
    "description", "rules",
)


def _table() -> sa.Table:
    return sa.table(
        "metrics",
        sa.column("tenant_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("archived_at", sa.DateTime(timezone=True)),
        *(sa.column(name, sa.JSON if name == "rules" else sa.String) for name in COLUMNS
          if name not in ("includes_eb", "includes_35a", "position")),
        sa.column("includes_eb", sa.Boolean),
        sa.column("includes_35a", sa.Boolean),
        sa.column("position", sa.Integer),
    )


def upgrade():
    from saas.metrics.catalogue import seed

    now = datetime.now(UTC)
    defaults = {
        "unit": "count", "kind": "flow", "time_aggregation": "sum", "area_aggregation": "sum",
        "periodicity": "month", "includes_eb": False, "includes_35a": False, "part_of": None,
        "help_type": None, "group": "other", "description": "", "rules": {},
    }
    rows = [
        {**defaults, **item, "tenant_id": None, "version": 1, "created_at": now,
         "updated_at": now, "archived_at": None}
        for item in seed()
    ]
    op.bulk_insert(_table(), rows)


def downgrade():
    op.execute(
        "DELETE FROM figure_values WHERE metric_id IN "
        "(SELECT id FROM metrics WHERE tenant_id IS NULL)"
    )
    op.execute("DELETE FROM metrics WHERE tenant_id IS NULL")
