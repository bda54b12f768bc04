"""Principle model."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, Model, VersionedMixin
from saas.core.tenancy import TenantModel


class Principle(TenantModel, VersionedMixin, ArchivableMixin, Model):
    """A principle or strategic goal, ordered by ``position``."""

    __tablename__ = "principles"
    __tenant_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.title
