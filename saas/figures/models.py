"""Figure values, period workflow states and import batches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
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

from saas.core.db import TimestampMixin, VersionedMixin, db
from saas.core.tenancy import TenantModel, tenant_fk


class FigureValue(TenantModel, VersionedMixin, TimestampMixin, db.Model):
    """One value of one metric for one area and period ('YYYY-MM' or 'YYYY')."""

    __tablename__ = "figure_values"
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


class PeriodStatus(TenantModel, VersionedMixin, db.Model):
    """Workflow state of one period for one area (figures) or one office (activities)."""

    __tablename__ = "period_statuses"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "scope", "area_id", "office_id", "period"),
        tenant_fk("area_id", "areas"),
        tenant_fk("office_id", "offices"),
    )

    scope: Mapped[str] = mapped_column(String(10))  # "area" | "office"
    area_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    office_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    period: Mapped[str] = mapped_column(String(7), index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[int | None] = mapped_column(Integer, default=None)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ImportBatch(TenantModel, TimestampMixin, db.Model):
    """An uploaded figures file waiting for confirmation (warnings) or already applied."""

    __tablename__ = "import_batches"

    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
