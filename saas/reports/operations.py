"""Changes to reports: snapshots for the committee, local variants, shared template versions.

Pages and commands parse; these operations check the permission, apply the rules and flush
(the commit point commits). Edits name the version the user started from: a local variant
its lock counter, a shared template the content version it was based on. A mismatch, or a
race the database notices, is :class:`~saas.core.operations.Conflict`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from saas.core import versions
from saas.core.audit import acting_user_id
from saas.core.db import db, utcnow
from saas.core.operations import Conflict, Invalid, operation
from saas.core.permissions import PLATFORM_MANAGE
from saas.core.tenancy import current_tenant_id
from saas.reports import store
from saas.reports.builder import run_report
from saas.reports.models import PublishedReport, ReportTemplate
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


@operation("reports.publish")
def publish_report(template_id: Any, first: int, last: int, level: str | None) -> PublishedReport:
    """Freeze the report as it is now for the committee: later data changes do not alter it."""
    template = store.visible_template(template_id)
    result = run_report(template, range(first, last + 1), level)
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
    return report


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
