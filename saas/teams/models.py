"""Team and staff member models."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import ArchivableMixin, Model, TimestampMixin, VersionedMixin
from saas.core.tenancy import TenantModel, tenant_fk

STAFF_ROLES = {
    "stadtteilarbeit": _l("Community work / neighbourhood management"),
    "stadtteilkoordination": _l("District coordination"),
    "praeventionskoordination": _l("Prevention coordination"),
    "asd": _l("ASD social worker"),
    "leitung": _l("Management"),
}


class Team(TenantModel, VersionedMixin, ArchivableMixin, Model):
    """A team, usually the team of one office."""

    __tablename__ = "teams"
    __tenant_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("office_id", "offices"),
    )

    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    office_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.name


class StaffMember(TenantModel, VersionedMixin, ArchivableMixin, TimestampMixin, Model):
    """A person in a team with a role of the social-space work (no user account needed)."""

    __tablename__ = "staff_members"
    __tenant_args__ = (
        tenant_fk("team_id", "teams"),
        tenant_fk("carrier_id", "carriers"),
    )

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), default="asd")
    team_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    carrier_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    fte: Mapped[float | None] = mapped_column(Float, default=None)
    email: Mapped[str] = mapped_column(String(254), default="")

    def __str__(self) -> str:
        return self.name
