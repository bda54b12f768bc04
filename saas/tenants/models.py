"""The tenant itself: one municipality's youth welfare office."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import IdMixin, Model, PublicIdMixin, VersionedMixin, db, utcnow

TENANT_STATUSES = ("setup", "active", "suspended")

#: Words a tenant may choose for its own organisation; shown on all its pages.
DEFAULT_VOCABULARY: dict[str, str] = {
    "office": "Stadtteilbüro",
    "offices": "Stadtteilbüros",
    "area": "Stadtteil",
    "areas": "Stadtteile",
}


class Tenant(IdMixin, PublicIdMixin, VersionedMixin, Model):
    """A municipality using the platform; platform-level, not tenant-scoped."""

    __tablename__ = "tenants"
    __audited__ = True

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(5), default="de")
    status: Mapped[str] = mapped_column(String(20), default="active")
    vocabulary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile_version: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def word(self, key: str) -> str:
        """The tenant's own word for an organisational term (office, area …)."""
        return (self.vocabulary or {}).get(key) or DEFAULT_VOCABULARY.get(key, key)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"

    @classmethod
    def find_active(cls, slug: str) -> Tenant | None:
        """The active tenant with this slug (call it with tenant scoping lifted)."""
        return db.session.execute(
            select(cls).where(cls.slug == slug, cls.status == "active")
        ).scalar_one_or_none()
