"""activities book only offerings of their office; one-time form tokens

An activity referenced an offering by ``(tenant_id, offering_id)`` only, so staff could book
an activity of one office on another office's offering. The key now includes the office:
``(tenant_id, office_id, offering_id) → offerings(tenant_id, office_id, id)``, with the
unique key it needs on offerings. Offerings without an office cannot be booked any more
(no activity row references one in the demo data; the upgrade checks and names any that do).

``form_tokens`` holds the claimed one-time form tokens (saas.core.idempotency), row-level
secured like every tenant table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

"""

import sqlalchemy as sa
from alembic import op

from saas.core.rls import enable_tenant_rls, grant_app_role

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    mismatched = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT a.id FROM activities a JOIN offerings o ON o.tenant_id = a.tenant_id "
                "AND o.id = a.offering_id WHERE o.office_id IS NULL OR o.office_id <> a.office_id"
            )
        )
        .scalars()
        .all()
    )
    if mismatched:
        raise RuntimeError(
            "activities booked on an offering of another office (fix them first): "
            + ", ".join(map(str, mismatched[:20]))
        )
    with op.batch_alter_table("offerings") as batch_op:
        batch_op.create_unique_constraint(
            "uq_offerings_tenant_id_office_id_id", ["tenant_id", "office_id", "id"]
        )
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_constraint(
            "fk_activities_tenant_id_offering_id_offerings", type_="foreignkey"
        )
        batch_op.create_foreign_key(
            "fk_activities_tenant_id_office_id_offering_id_offerings",
            "offerings",
            ["tenant_id", "office_id", "offering_id"],
            ["tenant_id", "office_id", "id"],
        )

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
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_constraint(
            "fk_activities_tenant_id_office_id_offering_id_offerings", type_="foreignkey"
        )
        batch_op.create_foreign_key(
            "fk_activities_tenant_id_offering_id_offerings",
            "offerings",
            ["tenant_id", "offering_id"],
            ["tenant_id", "id"],
        )
    with op.batch_alter_table("offerings") as batch_op:
        batch_op.drop_constraint("uq_offerings_tenant_id_office_id_id", type_="unique")
