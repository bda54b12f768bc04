"""metric catalogue: § 41 as a "darunter" line of §§ 27–35, age-band order rules

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:00:00

Destatis counts help for young adults (§ 41) inside the help types §§ 27–35; the shared
catalogue of 0004 listed it as a ninth part. This brings the labels and the validation rules
of existing catalogues to the seed of :mod:`saas.metrics.catalogue` (``rules["within"]``:
contained in the other parts; ``rules["at_most"]``: under-18 ≤ under-21). A fresh install
already has them from 0004; the update is then a no-op.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CODES = (
    "HZE_RUN_41",
    "HZE_NEW_41",
    "HZE_END_41",
    "POP_U18",
    "POP_U21",
)


def _table() -> sa.Table:
    return sa.table(
        "metrics",
        sa.column("tenant_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("label_de", sa.String),
        sa.column("label_en", sa.String),
        sa.column("rules", sa.JSON),
    )


def upgrade():
    from saas.metrics.catalogue import seed

    metrics = _table()
    for item in seed():
        if item["code"] not in CODES:
            continue
        op.execute(
            metrics.update()
            .where(metrics.c.tenant_id.is_(None), metrics.c.code == item["code"])
            .values(label_de=item["label_de"], label_en=item["label_en"], rules=item["rules"])
        )


def downgrade():
    metrics = _table()
    plain = {"min": 0, "integer": True, "warn_factor": 3}
    for prefix, de, en in (
        ("HZE_RUN_41", "Laufende Fälle", "Running cases"),
        ("HZE_NEW_41", "Begonnene Fälle", "New cases"),
        ("HZE_END_41", "Beendete Fälle", "Ended cases"),
    ):
        op.execute(
            metrics.update()
            .where(metrics.c.tenant_id.is_(None), metrics.c.code == prefix)
            .values(
                label_de=f"{de} § 41 Hilfe für junge Volljährige",
                label_en=f"{en} § 41 help for young adults",
                rules=plain,
            )
        )
    for code in ("POP_U18", "POP_U21"):
        op.execute(
            metrics.update()
            .where(metrics.c.tenant_id.is_(None), metrics.c.code == code)
            .values(rules=plain)
        )
