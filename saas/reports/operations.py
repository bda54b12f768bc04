"""Changes to reports: snapshots for the committee, local variants, shared template versions.

Pages and commands parse; these operations check the permission, apply the rules and flush
(the commit point commits). Edits name the version the user started from: a local variant
its lock counter, a shared template the content version it was based on. A mismatch, or a
race the database notices, is :class:`~saas.core.operations.Conflict`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.core import versions
from saas.core.audit import acting_user_id
from saas.core.db import db, utcnow
from saas.core.operations import Conflict, Invalid, operation
from saas.core.permissions import PLATFORM_MANAGE
from saas.core.tenancy import current_tenant_id
from saas.reports import store
from saas.reports.builder import run_report
from saas.reports.models import PublishedReport, ReportCommentary, ReportTemplate
from saas.reports.result import ReportResult


@operation("reports.run")
def run(
    template: ReportTemplate | int, first: int, last: int, level: str | None = None, **kw: Any
) -> ReportResult:
    """Compute a report on the tenant's data (nothing is stored).

    ``template`` is an id, or a template the caller already read through :mod:`store` (the
    run page lists them in one statement and should not read the chosen one again).
    """
    if not isinstance(template, ReportTemplate):
        template = store.visible_template(template)
    return run_report(template, range(first, last + 1), level, **kw)


def _published(report_id: Any) -> PublishedReport | None:
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        return None
    query = select(PublishedReport).where(PublishedReport.id == report_id)
    return db.session.execute(query).scalar_one_or_none()


def commentary_of(report_id: int) -> ReportCommentary | None:
    """The commentary of a published snapshot, if anybody wrote one."""
    query = select(ReportCommentary).where(ReportCommentary.report_id == report_id)
    return db.session.execute(query).scalar_one_or_none()


#: a section's commentary is a few paragraphs, not a document of its own
MAX_COMMENT = 6000


def _comment_sections(result: ReportResult, texts: dict[int, str]) -> list[dict[str, Any]]:
    """The commentary as stored: the non-empty texts with their section's position and title."""
    sections = []
    for index, section in enumerate(result.sections):
        text = (texts.get(index) or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_COMMENT:
            raise Invalid(
                _("A commentary may be at most %(n)s characters long.", n=MAX_COMMENT),
                field=f"comment-{index}",
            )
        if text:
            sections.append({"section": index, "title": section.title, "text": text})
    return sections


@operation("reports.publish")
def publish_report(
    template_id: Any,
    first: int,
    last: int,
    level: str | None,
    commentary: dict[int, str] | None = None,
) -> PublishedReport:
    """Freeze the report as it is now for the committee: later data changes do not alter it.

    ``commentary``: what the office writes per section (its position → text), kept with the
    snapshot."""
    template = store.visible_template(template_id)
    result = run_report(template, range(first, last + 1), level)
    sections = _comment_sections(result, commentary or {})
    report = PublishedReport(
        template_code=template.code,
        template_version=template.version,
        title=f"{result.title} {result.years_label}"[:300],
        params={
            "template_id": template.id,
            "local": template.is_local,
            "from": first,
            "to": last,
            "level": result.level,
        },
        snapshot=result.to_dict(),
        published_by=acting_user_id(),
    )
    db.session.add(report)
    versions.flush(report)
    if sections:
        db.session.add(
            ReportCommentary(report_id=report.id, sections=sections, updated_by=acting_user_id())
        )
        versions.flush(report)
    return report


@operation("reports.publish")
def edit_commentary(
    report_id: Any, texts: dict[int, str], expected_version: Any
) -> ReportCommentary:
    """Write or correct the commentary of a published snapshot, starting from
    ``expected_version`` (``0`` when it had none); its numbers stay as they are."""
    report = _published(report_id)
    if report is None:
        raise Invalid(_("This published report does not exist."))
    sections = _comment_sections(ReportResult.from_dict(report.snapshot), texts)
    commentary = commentary_of(report.id)
    if commentary is None:
        if versions.parse_version(expected_version) not in (0, None):
            raise Conflict(f"the commentary of report {report.id} was deleted meanwhile")
        commentary = ReportCommentary(report_id=report.id, sections=sections)
        commentary.updated_by = acting_user_id()
        db.session.add(commentary)
        versions.flush(commentary)  # two first edits at once: the unique key decides
        return commentary
    with versions.changing(commentary, expected_version):
        commentary.sections = sections
        commentary.updated_by = acting_user_id()
    return commentary


@operation("reports.publish")
def copy_template(template_id: Any) -> ReportTemplate:
    """A new local variant of a shared template (or of one of the tenant's variants)."""
    template = store.visible_template(template_id)
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise Invalid("a local variant needs a tenant")
    variant = store.copy_to_local(template, tenant_id)
    versions.flush(variant)
    return variant


def _texts(template: ReportTemplate, texts: dict[str, Any], definition: dict[str, Any]) -> None:
    template.title_de = (texts.get("title_de") or "").strip()
    template.title_en = (texts.get("title_en") or "").strip()
    template.description = texts.get("description") or ""
    template.definition = definition


@operation("reports.publish")
def edit_variant(
    template_id: int, texts: dict[str, Any], definition: dict[str, Any], expected_version: Any
) -> ReportTemplate:
    """Change one of the tenant's local variants, starting from ``expected_version``."""
    template = store.own_template(template_id)
    if template.archived_at is not None:
        raise Invalid(_("The local variant was archived."))
    with versions.changing(template, expected_version):
        _texts(template, texts, definition)
    return template


@operation("reports.publish")
def archive_variant(template_id: int) -> ReportTemplate:
    """Hide a local variant from the report pages (published snapshots stay)."""
    template = store.own_template(template_id)
    if template.archived_at is None:
        template.archived_at = utcnow()
        versions.flush(template)
    return template


@operation(PLATFORM_MANAGE)
def create_shared_template(
    code: str, texts: dict[str, Any], definition: dict[str, Any]
) -> ReportTemplate:
    """Version 1 of a new shared template."""
    if store.max_version(code):
        raise Invalid(_("This code is already in use."), field="code")
    template = ReportTemplate(tenant_id=None, code=code, version=1)
    _texts(template, texts, definition)
    db.session.add(template)
    versions.flush(template)
    return template


@operation(PLATFORM_MANAGE)
def save_shared_version(
    template_id: int, texts: dict[str, Any], definition: dict[str, Any], expected_version: Any
) -> ReportTemplate:
    """Store the next version of a shared template, based on ``expected_version``.

    Shared versions are never edited in place; the version the user started from must still
    be the latest, and the unique key of shared versions settles a race between two saves.
    """
    latest = store.versions(store.shared_template(template_id).code)[0]
    if latest.archived_at is not None:
        raise Invalid(_("The template was archived."))
    if versions.parse_version(expected_version) != latest.version:
        raise Conflict(f"template {latest.code} is at version {latest.version}", current=latest)
    created = ReportTemplate(tenant_id=None, code=latest.code, version=latest.version + 1)
    _texts(created, texts, definition)
    db.session.add(created)
    versions.flush(latest)
    return created


@operation(PLATFORM_MANAGE)
def set_shared_archived(template_id: int, archived: bool) -> ReportTemplate:
    """Archive (or restore) every version of a shared template."""
    template = store.shared_template(template_id)
    stamp = utcnow() if archived else None
    for version in store.versions(template.code):
        version.archived_at = stamp
    versions.flush(template)
    return template
