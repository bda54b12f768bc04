"""Offering model and its principle tags."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, Model, PublicIdMixin, TimestampMixin, VersionedMixin
from saas.core.tenancy import TenantModel, tenant_fk


class Offering(TenantModel, PublicIdMixin, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A recurring low-threshold offering of an office."""

    __tablename__ = "offerings"
    __scope__ = {"office": "office_id"}
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("office_id", "offices"),
        tenant_fk("carrier_id", "carriers"),
    )

    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    target_groups: Mapped[str] = mapped_column(String(300), default="")
    age_min: Mapped[int | None] = mapped_column(Integer, default=None)
    age_max: Mapped[int | None] = mapped_column(Integer, default=None)
    #: weekly schedule: list of {"day": 0-6, "start": "HH:MM", "end": "HH:MM"}
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    office_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    carrier_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    #: dates that are not weekly, one per line, e.g. "Sommerferien 2026, Mo–Fr 10–15 Uhr"
    dates: Mapped[str] = mapped_column(Text, default="")
    #: where it takes place when not at the office itself
    place: Mapped[str] = mapped_column(String(300), default="")
    #: what it costs, e.g. "kostenlos" or "2 € je Termin"; empty: not stated
    costs: Mapped[str] = mapped_column(String(300), default="")
    #: listed in the public directory; off until the tenant publishes the offering
    public: Mapped[bool] = mapped_column(Boolean, default=False)

    def __str__(self) -> str:
        return self.name


class OfferingPrinciple(TenantModel, Model):
    """A principle an offering serves."""

    __tablename__ = "offering_principles"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "offering_id", "principle_id"),
        tenant_fk("offering_id", "offerings", ondelete="CASCADE"),
        tenant_fk("principle_id", "principles"),
    )

    offering_id: Mapped[int] = mapped_column(Integer, index=True)
    principle_id: Mapped[int] = mapped_column(Integer, index=True)
