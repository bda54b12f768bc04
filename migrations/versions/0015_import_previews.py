"""import previews: an import batch keeps its preview, report or summary as plain data

The preview of a file checked in the background (new, changed and conflicting values with
their names) is shown without checking the file a second time; it lives with the batch. The
table has row-level security already (0001).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("details")
