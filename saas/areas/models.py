"""Area levels (named per hierarchy), areas as trees, population figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.db import ArchivableMixin, Model, TimestampMixin, VersionedMixin
from saas.core.tenancy import TenantModel, tenant_fk


class AreaLevel(TenantModel, VersionedMixin, ArchivableMixin, Model):
    """One level of one hierarchy, e.g. Hamm's Stadtbezirk (political) or Sozialraum (planning)."""

    __tablename__ = "area_levels"
    __tenant_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    plural: Mapped[str] = mapped_column(String(120), default="")
    hierarchy: Mapped[str] = mapped_column(String(60), default="main")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name


class Area(TenantModel, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A district, borough, social space or quarter; a node in its hierarchy's tree."""

    __tablename__ = "areas"
    __scope__ = {"area": "id"}  # object scope of local roles (saas.core.permissions)
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("level_id", "area_levels"),
        ForeignKeyConstraint(
            ["tenant_id", "parent_id"], ["areas.tenant_id", "areas.id"], name="fk_areas_parent"
        ),
    )

    level_id: Mapped[int] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    area_km2: Mapped[float | None] = mapped_column(Float, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: street names in the area, one per line, for "which office is mine" on the public pages
    streets: Mapped[str] = mapped_column(Text, default="")

    level: Mapped[AreaLevel] = relationship(
        primaryjoin="and_(AreaLevel.id == foreign(Area.level_id), "
        "AreaLevel.tenant_id == Area.tenant_id)",
        lazy="joined",
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AreaPopulation(TenantModel, Model):
    """Population of an area at a reference date, with its source."""

    __tablename__ = "area_populations"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "area_id", "reference_date"),
        tenant_fk("area_id", "areas", ondelete="CASCADE"),
    )

    area_id: Mapped[int] = mapped_column(Integer, index=True)
    reference_date: Mapped[date] = mapped_column(Date)
    total: Mapped[int | None] = mapped_column(Integer, default=None)
    under_18: Mapped[int | None] = mapped_column(Integer, default=None)
    under_21: Mapped[int | None] = mapped_column(Integer, default=None)
    source: Mapped[str] = mapped_column(String(200), default="")
