"""Figure values and import batches (period states: :mod:`saas.periods`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import Model, TimestampMixin, VersionedMixin
from saas.core.tenancy import TenantModel, tenant_fk
from saas.periods.models import PeriodStatus  # noqa: F401 - moved; kept for old imports


class FigureValue(TenantModel, VersionedMixin, TimestampMixin, Model):
    """One value of one metric for one area and period ('YYYY-MM' or 'YYYY')."""

    __tablename__ = "figure_values"
    __scope__ = {"area": "area_id"}
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "metric_id", "area_id", "period"),
        tenant_fk("area_id", "areas"),
        # reports read a tenant's metrics for a list of periods: equality (leakproof) index
        # conditions even under RLS; with area and value included, from the index alone
        Index(
            "ix_figure_values_tenant_id_metric_id_period",
            "tenant_id",
            "metric_id",
            "period",
            postgresql_include=["area_id", "value"],
        ),
    )
    __tenant_index__ = False

    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), index=True)
    area_id: Mapped[int] = mapped_column(Integer, index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40), default="manual")


class ImportBatch(TenantModel, TimestampMixin, Model):
    """An uploaded figures file: queued, checked (pending, its preview), invalid or applied.

    ``details`` holds the preview (or the row/column report, or the summary) as plain data;
    the file itself is dropped once the batch is applied or invalid, and an unapplied batch
    is deleted after ``SAAS_IMPORT_BATCH_HOURS``.

    Not audited: a batch is a working copy; what an import changes is audited on the figure
    values it writes (and a file that changes nothing leaves no trace, as before).
    """

    __tablename__ = "import_batches"
    __audited__ = False

    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
