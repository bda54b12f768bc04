"""Workflow state of a period: per area (key figures) or per office (activity log)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import Model, VersionedMixin
from saas.core.tenancy import TenantModel, tenant_fk


class PeriodStatus(TenantModel, VersionedMixin, Model):
    """Workflow state of one period for one area (figures) or one office (activities)."""

    __tablename__ = "period_statuses"
    __scope__ = {"office": "office_id", "area": "area_id"}
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
