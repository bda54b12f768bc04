"""Office model with the areas it serves and the carriers involved."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, Model, PublicIdMixin, TimestampMixin, VersionedMixin
from saas.core.tenancy import TenantModel, tenant_fk


class Office(TenantModel, PublicIdMixin, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A neighbourhood office; opening and closing dates drive the impact analysis."""

    __tablename__ = "offices"
    __scope__ = {"office": "id"}  # object scope of local roles (saas.core.permissions)
    __tenant_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    opened_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: shown in the public directory and its open data (address, opening hours, the office's
    #: own phone and e-mail); on unless the tenant takes an office off
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class OfficeArea(TenantModel, Model):
    """An area served by an office."""

    __tablename__ = "office_areas"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "office_id", "area_id"),
        tenant_fk("office_id", "offices", ondelete="CASCADE"),
        tenant_fk("area_id", "areas"),
    )

    office_id: Mapped[int] = mapped_column(Integer, index=True)
    area_id: Mapped[int] = mapped_column(Integer, index=True)


class OfficeCarrier(TenantModel, Model):
    """A carrier involved in running an office."""

    __tablename__ = "office_carriers"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "office_id", "carrier_id"),
        tenant_fk("office_id", "offices", ondelete="CASCADE"),
        tenant_fk("carrier_id", "carriers"),
    )

    office_id: Mapped[int] = mapped_column(Integer, index=True)
    carrier_id: Mapped[int] = mapped_column(Integer, index=True)
