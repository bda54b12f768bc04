"""Carrier model."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, Model, PublicIdMixin, TimestampMixin, VersionedMixin
from saas.core.tenancy import TenantModel

CARRIER_TYPES = {
    "kommunal": _l("municipal (public)"),
    "awo": "AWO",
    "diakonie": "Diakonie",
    "caritas": "Caritas",
    "drk": "DRK",
    "paritaetischer": _l("Paritätischer"),
    "landschaftsverband": _l("regional association (Landschaftsverband)"),
    "other": _l("other independent carrier"),
}


class Carrier(TenantModel, PublicIdMixin, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A public or independent carrier (Träger)."""

    __tablename__ = "carriers"
    __tenant_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30), default="other")
    website: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.name
