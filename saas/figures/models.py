"""Figure values and import batches (period states: :mod:`saas.periods`)."""

from __future__ import annotations

from sqlalchemy import (
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
    """An uploaded figures file waiting for confirmation (warnings) or already applied."""

    __tablename__ = "import_batches"

    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
