"""Comparison rings, tenants' participation, the protected publication table and what each
publication showed and withheld of the protected cube."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, IdMixin, Model, TimestampMixin, VersionedMixin, utcnow
from saas.core.tenancy import TenantModel


class ComparisonRing(IdMixin, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A benchmarking ring defined by platform admins (e.g. "NRW Städte", "Alle")."""

    __tablename__ = "comparison_rings"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.name


class RingParticipation(TenantModel, TimestampMixin, Model):
    """A tenant's opt-in to one ring (the row exists while it participates)."""

    __tablename__ = "ring_participations"
    __tenant_args__ = (UniqueConstraint("tenant_id", "ring_id"),)

    ring_id: Mapped[int] = mapped_column(ForeignKey("comparison_rings.id"), index=True)


class Publication(IdMixin, Model):
    """Pre-aggregated, disclosure-controlled yearly indicator values of one tenant.

    The only source of comparison pages: written from approved figures when a tenant's
    publication is refreshed, never containing a suppressed count.
    """

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("tenant_id", "indicator", "year", "area_code"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    #: "" for the whole tenant, else the code of a published area
    area_code: Mapped[str] = mapped_column(String(60), default="")
    numerator: Mapped[float | None] = mapped_column(Float, default=None)
    denominator: Mapped[float | None] = mapped_column(Float, default=None)
    value: Mapped[float | None] = mapped_column(Float, default=None)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the value differs from one published earlier for the same cell (flag "r")
    revised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublishedValue(TenantModel, Model):
    """Every cell a tenant has published for the comparison, with the first value it showed.

    Kept when a year is withdrawn (reopened) or the tenant leaves its rings, so a value
    published again later and different from it is flagged revised ("r"), as in the reports.
    Once a cell has shown two different values it stays revised: any value then differs from
    one published before.
    """

    __tablename__ = "publication_history"
    __tenant_args__ = (UniqueConstraint("tenant_id", "indicator", "year", "area_code"),)

    indicator: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    area_code: Mapped[str] = mapped_column(String(60), default="")
    #: the first value shown (None while the cell was only ever withheld)
    value: Mapped[float | None] = mapped_column(Float, default=None)
    revised: Mapped[bool] = mapped_column(Boolean, default=False)
    first_published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublishedProtection(TenantModel, Model):
    """What one publication of a year showed and withheld of the tenant's protected cube.

    Written by every refresh that publishes the year with a pattern or figures not recorded
    yet, and kept when the year is withdrawn or the tenant leaves its rings: the other
    municipalities have read it. Registered with the cube (:mod:`saas.protection.service`),
    so a later publication, report or page withholds again what it withheld and counts what
    it showed as known to every reader.
    """

    __tablename__ = "publication_protection"
    __tenant_args__ = (UniqueConstraint("tenant_id", "year", "digest"),)

    year: Mapped[int] = mapped_column(Integer)
    #: a digest of ``record`` (the same publication is recorded once)
    digest: Mapped[str] = mapped_column(String(64))
    #: {"revision", "withheld": [[family, node]], "shown": [[family, node, value]],
    #: "atoms": [[atom type, data area, value]]}, nodes as area ids (None: the municipality)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
