"""Activity model with principle and partner-carrier tags."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import Model, TimestampMixin, VersionedMixin
from saas.core.formatting import format_day
from saas.core.tenancy import TenantModel, tenant_fk

KINDS = {
    "group_session": _l("Group offering session"),
    "short_counselling": _l("Short counselling (case in the field)"),
    "network_meeting": _l("Network meeting"),
    "event": _l("Event"),
    "outreach": _l("Outreach work"),
    "other": _l("Other"),
}

AGE_BANDS = {
    "p_0_5": "0–5",
    "p_6_13": "6–13",
    "p_14_17": "14–17",
    "p_18_26": "18–26",
    "p_27_64": "27–64",
    "p_65_plus": "65+",
}


class Activity(TenantModel, VersionedMixin, TimestampMixin, Model):
    """One logged activity: no names or birth dates of families, only counts."""

    __tablename__ = "activities"
    #: the history names a changed column as the form does
    __field_labels__ = {
        band: _l("Participants aged %(band)s", band=ages) for band, ages in AGE_BANDS.items()
    }
    __scope__ = {"office": "office_id", "area": "area_id"}
    __tenant_args__ = (
        tenant_fk("office_id", "offices"),
        tenant_fk("area_id", "areas"),
        tenant_fk("offering_id", "offerings"),
    )

    date: Mapped[date] = mapped_column(Date, index=True)
    office_id: Mapped[int] = mapped_column(Integer, index=True)
    area_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    kind: Mapped[str] = mapped_column(String(30))
    offering_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    p_0_5: Mapped[int] = mapped_column(Integer, default=0)
    p_6_13: Mapped[int] = mapped_column(Integer, default=0)
    p_14_17: Mapped[int] = mapped_column(Integer, default=0)
    p_18_26: Mapped[int] = mapped_column(Integer, default=0)
    p_27_64: Mapped[int] = mapped_column(Integer, default=0)
    p_65_plus: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    synthetic: Mapped[bool] = mapped_column(default=False)

    @property
    def participants(self) -> int:
        return sum(getattr(self, band) or 0 for band in AGE_BANDS)

    @property
    def month(self) -> str:
        return self.date.strftime("%Y-%m")

    def __str__(self) -> str:
        return f"{format_day(self.date, get_locale())} {KINDS.get(self.kind, self.kind)}"


class ActivityPrinciple(TenantModel, Model):
    __tablename__ = "activity_principles"
    __tenant_args__ = (
        tenant_fk("activity_id", "activities", ondelete="CASCADE"),
        tenant_fk("principle_id", "principles"),
    )

    activity_id: Mapped[int] = mapped_column(Integer, index=True)
    principle_id: Mapped[int] = mapped_column(Integer, index=True)


class ActivityCarrier(TenantModel, Model):
    __tablename__ = "activity_carriers"
    __tenant_args__ = (
        tenant_fk("activity_id", "activities", ondelete="CASCADE"),
        tenant_fk("carrier_id", "carriers"),
    )

    activity_id: Mapped[int] = mapped_column(Integer, index=True)
    carrier_id: Mapped[int] = mapped_column(Integer, index=True)
