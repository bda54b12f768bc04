"""Metric definitions: what a key figure means and how it aggregates."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, IdMixin, Model, TimestampMixin, VersionedMixin

KINDS = {"stock": _l("stock (measured at a date)"), "flow": _l("flow (counted over a period)")}
TIME_AGGREGATIONS = {
    "last": _l("value at the end of the period"),
    "sum": _l("sum over the period"),
    "mean": _l("mean over the period"),
}
AREA_AGGREGATIONS = {"sum": _l("sum over areas"), "none": _l("not additive over areas")}
PERIODICITIES = {"month": _l("monthly"), "year": _l("yearly")}


class Metric(IdMixin, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A metric of the shared catalogue (``tenant_id`` empty) or a tenant-local one.

    Local metrics are never compared across tenants; which metrics a tenant may see is
    decided in :func:`saas.core.tenancy.shared_or_own`.
    """

    __tablename__ = "metrics"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, default=None
    )
    code: Mapped[str] = mapped_column(String(60))
    label_de: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(30), default="count")
    kind: Mapped[str] = mapped_column(String(10), default="flow")
    time_aggregation: Mapped[str] = mapped_column(String(10), default="sum")
    area_aggregation: Mapped[str] = mapped_column(String(10), default="sum")
    periodicity: Mapped[str] = mapped_column(String(10), default="month")
    includes_eb: Mapped[bool] = mapped_column(Boolean, default=False)
    includes_35a: Mapped[bool] = mapped_column(Boolean, default=False)
    #: code of the metric this one is a part of (checked: part ≤ total)
    part_of: Mapped[str | None] = mapped_column(String(60), default=None)
    help_type: Mapped[str | None] = mapped_column(String(20), default=None)
    group: Mapped[str] = mapped_column(String(40), default="other")
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    #: validation rules: {"min": 0, "max": …, "integer": true, "warn_factor": 3}
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def label(self) -> str:
        return self.label_en if str(get_locale() or "de") == "en" else self.label_de

    @property
    def is_local(self) -> bool:
        return self.tenant_id is not None

    @property
    def integer(self) -> bool:
        return bool((self.rules or {}).get("integer", self.unit in ("count", "cases", "persons")))

    @property
    def minimum(self) -> float | None:
        return (self.rules or {}).get("min", 0)

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"
