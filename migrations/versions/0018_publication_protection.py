"""comparison publication: what each publication of a year showed and withheld of the cube

``publication_protection`` keeps, per tenant and year, every distinct protection record of a
comparison publication (withheld cells, shown cells with their values, the atoms they were
built from), so the protected cube withholds again what a ring once saw withheld (as the
reports' published snapshots). Row-level security as every tenant table.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 01:30:00

"""

import sqlalchemy as sa
from alembic import op

from saas.core.rls import enable_tenant_rls, grant_app_role

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_protection",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_publication_protection_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_protection")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_publication_protection_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "year",
            "digest",
            name=op.f("uq_publication_protection_tenant_id_year_digest"),
        ),
    )
    with op.batch_alter_table("publication_protection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publication_protection_tenant_id"), ["tenant_id"], unique=False
        )
    enable_tenant_rls("publication_protection")
    grant_app_role()


def downgrade() -> None:
    with op.batch_alter_table("publication_protection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_protection_tenant_id"))
    op.drop_table("publication_protection")
