"""Report templates (shared and tenant-local, versioned) and published snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import get_locale
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import (
    ArchivableMixin,
    IdMixin,
    Model,
    TimestampMixin,
    VersionedMixin,
    utcnow,
)
from saas.core.tenancy import TenantModel, tenant_fk


class ReportTemplate(IdMixin, ArchivableMixin, TimestampMixin, Model):
    """One version of a report template.

    Shared templates have no tenant and a new row per version (code, version); a tenant's
    local variant has its tenant and remembers the shared version it was copied from.
    """

    __tablename__ = "report_templates"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code", "version"),)

    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, default=None
    )
    code: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title_de: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: {"sections": [{"type": "kpis|timeseries|bars|table|text", "title_de", "title_en",
    #:   "indicators": [...], "area_level": "...", "years": "all|last", "text_de", "text_en"}]}
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    based_on_code: Mapped[str | None] = mapped_column(String(80), default=None)
    based_on_version: Mapped[int | None] = mapped_column(Integer, default=None)
    #: optimistic-lock counter (``version`` above is the content version of shared rows)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012

    @property
    def title(self) -> str:
        return self.title_en if str(get_locale() or "de") == "en" else self.title_de

    @property
    def is_local(self) -> bool:
        return self.tenant_id is not None


# NULL tenant ids never collide in the key above: the shared versions need a key of their own
Index(
    "uq_report_templates_shared_code_version",
    ReportTemplate.code,
    ReportTemplate.version,
    unique=True,
    postgresql_where=ReportTemplate.tenant_id.is_(None),
    sqlite_where=ReportTemplate.tenant_id.is_(None),
)


class PublishedReport(TenantModel, Model):
    """A frozen snapshot of a report for the committee: later data changes do not alter it."""

    __tablename__ = "published_reports"

    template_code: Mapped[str] = mapped_column(String(80))
    template_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    #: parameters the report was run with (years, area level …)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: every number and text of the report as rendered, so it can be shown and exported again
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[int | None] = mapped_column(Integer, default=None)


class ReportCommentary(TenantModel, VersionedMixin, TimestampMixin, Model):
    """What the office writes about a published snapshot, per section: what happened, why.

    The numbers of a snapshot are frozen; its commentary is written before publishing and
    may be corrected afterwards (audited, with an optimistic lock). Every export of the
    snapshot prints it (:mod:`saas.reports.document`).
    """

    __tablename__ = "report_commentaries"
    __tenant_args__ = (
        tenant_fk("report_id", "published_reports"),
        UniqueConstraint("tenant_id", "report_id"),
    )

    report_id: Mapped[int] = mapped_column(Integer)
    #: [{"section": position in the report, "title": the section's title, "text": …}]
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_by: Mapped[int | None] = mapped_column(Integer, default=None)

    def texts(self) -> dict[int, str]:
        """The text per section position (empty texts left out)."""
        return {
            int(item["section"]): str(item["text"])
            for item in self.sections
            if str(item.get("text") or "").strip()
        }
