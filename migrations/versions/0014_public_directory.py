"""public directory: publish flags, stable open-data ids, offering details, street lists

* ``public`` on offices (on by default: an office with its address and opening hours is meant
  to be found) and on offerings (off until the tenant publishes them);
* ``public_id``, a random UUID per office, offering, carrier and tenant: the id of the HSDS
  open data, which must stay the same when a name, code or row is edited;
* offerings get ``dates`` (not weekly), ``place`` and ``costs``; areas a street list.

Existing rows get their UUIDs here. PostgreSQL fills them with ``gen_random_uuid()`` while
adding the column (DDL, so row-level security does not hide rows from the owner); SQLite
cannot add a column with a volatile default, so it adds the column empty and fills it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 02:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PUBLIC_ID_TABLES = ("tenants", "offices", "offerings", "carriers")

#: a version-4 UUID in SQLite's SQL (random hex, version nibble 4, variant 8–b)
SQLITE_UUID4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || "
    "lower(hex(randomblob(6)))"
)


def _add_public_id(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            table,
            sa.Column(
                "public_id",
                sa.String(36),
                nullable=False,
                server_default=sa.text("gen_random_uuid()::text"),
            ),
        )
        op.alter_column(table, "public_id", server_default=None)
        op.create_index(f"ix_{table}_public_id", table, ["public_id"], unique=True)
        return
    # SQLite: no table rebuild (a batch would drop and copy tables other rows point at, which
    # the foreign keys refuse on a database with data): a NOT NULL column with an empty
    # default, filled row by row, and a unique index.
    op.add_column(
        table, sa.Column("public_id", sa.String(36), nullable=False, server_default="")
    )
    op.execute(f"UPDATE {table} SET public_id = {SQLITE_UUID4}")  # noqa: S608 - constants
    op.create_index(f"ix_{table}_public_id", table, ["public_id"], unique=True)


def upgrade() -> None:
    for table in PUBLIC_ID_TABLES:
        _add_public_id(table)
    op.add_column(
        "offices",
        sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "offerings",
        sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("offerings", sa.Column("dates", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "offerings", sa.Column("place", sa.String(300), nullable=False, server_default="")
    )
    op.add_column(
        "offerings", sa.Column("costs", sa.String(300), nullable=False, server_default="")
    )
    op.add_column("areas", sa.Column("streets", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("streets")
    with op.batch_alter_table("offerings") as batch:
        for column in ("costs", "place", "dates", "public"):
            batch.drop_column(column)
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("public")
    for table in reversed(PUBLIC_ID_TABLES):
        op.drop_index(f"ix_{table}_public_id", table)
        op.drop_column(table, "public_id")
