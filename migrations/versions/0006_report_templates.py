"""seed the shared report templates (version 1)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 12:00:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _table() -> sa.Table:
    return sa.table(
        "report_templates",
        sa.column("tenant_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("version", sa.Integer),
        sa.column("title_de", sa.String),
        sa.column("title_en", sa.String),
        sa.column("description", sa.Text),
        sa.column("definition", sa.JSON),
        sa.column("based_on_code", sa.String),
        sa.column("based_on_version", sa.Integer),
        sa.column("archived_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )


def _codes() -> list[str]:
    from saas.reports.library import LIBRARY

    return [item["code"] for item in LIBRARY]


def upgrade():
    from saas.reports.library import LIBRARY

    now = datetime.now(UTC)
    rows = [
        {
            "tenant_id": None,
            "code": item["code"],
            "version": 1,
            "title_de": item["title_de"],
            "title_en": item["title_en"],
            "description": item["description"],
            "definition": item["definition"],
            "based_on_code": None,
            "based_on_version": None,
            "archived_at": None,
            "created_at": now,
            "updated_at": now,
        }
        for item in LIBRARY
    ]
    op.bulk_insert(_table(), rows)


def downgrade():
    table = _table()
    op.execute(
        table.delete().where(table.c.tenant_id.is_(None), table.c.code.in_(_codes()))
    )
