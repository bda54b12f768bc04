"""Loading report templates from the mixed platform table (shared rows + tenant variants).

``report_templates`` is not a tenant table: shared templates have no tenant. Every query here
goes through :func:`saas.core.tenancy.shared_or_own`, :func:`own_rows` or :func:`shared_rows`,
so a tenant never sees another tenant's local variant (it answers 404 like a missing id).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from flask import abort
from sqlalchemy import func, select

from saas.core.db import db
from saas.core.tenancy import own_rows, shared_or_own, shared_rows
from saas.reports.models import ReportTemplate


def visible_template(template_id: Any, *, archived: bool = False) -> ReportTemplate:
    """A shared template (any version) or one of the tenant's own variants, else 404."""
    try:
        template_id = int(template_id)
    except (TypeError, ValueError):
        abort(404)
    query = select(ReportTemplate).where(
        ReportTemplate.id == template_id, shared_or_own(ReportTemplate)
    )
    if not archived:
        query = query.where(ReportTemplate.archived_at.is_(None))
    template = db.session.execute(query).scalar_one_or_none()
    if template is None:
        abort(404)
    return template


def own_template(template_id: int) -> ReportTemplate:
    """One of the current tenant's local variants, else 404 (shared rows too)."""
    template = db.session.execute(
        select(ReportTemplate).where(ReportTemplate.id == template_id, own_rows(ReportTemplate))
    ).scalar_one_or_none()
    if template is None:
        abort(404)
    return template


def shared_template(template_id: int) -> ReportTemplate:
    """A shared template row (platform pages), else 404."""
    template = db.session.execute(
        select(ReportTemplate).where(ReportTemplate.id == template_id, shared_rows(ReportTemplate))
    ).scalar_one_or_none()
    if template is None:
        abort(404)
    return template


def _latest(templates: Iterable[ReportTemplate]) -> dict[str, ReportTemplate]:
    latest: dict[str, ReportTemplate] = {}
    for template in templates:
        if template.code not in latest or template.version > latest[template.code].version:
            latest[template.code] = template
    return dict(sorted(latest.items(), key=lambda item: item[1].title_de.lower()))


def latest_shared(*, include_archived: bool = False) -> dict[str, ReportTemplate]:
    """The latest version of every shared template, by code (one query)."""
    query = select(ReportTemplate).where(shared_rows(ReportTemplate))
    if not include_archived:
        query = query.where(ReportTemplate.archived_at.is_(None))
    return _latest(db.session.execute(query).scalars())


def choices() -> tuple[dict[str, ReportTemplate], list[ReportTemplate]]:
    """What a tenant can run, in one query: :func:`latest_shared` and :func:`local_variants`."""
    rows = list(
        db.session.execute(
            select(ReportTemplate).where(
                shared_or_own(ReportTemplate), ReportTemplate.archived_at.is_(None)
            )
        ).scalars()
    )
    variants = sorted((t for t in rows if t.is_local), key=lambda t: t.title_de.lower())
    return _latest(t for t in rows if not t.is_local), variants


def versions(code: str) -> list[ReportTemplate]:
    """Every version of a shared template, newest first."""
    return list(
        db.session.execute(
            select(ReportTemplate)
            .where(shared_rows(ReportTemplate), ReportTemplate.code == code)
            .order_by(ReportTemplate.version.desc())
        ).scalars()
    )


def max_version(code: str) -> int:
    return (
        db.session.execute(
            select(func.max(ReportTemplate.version)).where(
                shared_rows(ReportTemplate), ReportTemplate.code == code
            )
        ).scalar_one_or_none()
        or 0
    )


def local_variants() -> list[ReportTemplate]:
    """The current tenant's active local variants."""
    return list(
        db.session.execute(
            select(ReportTemplate)
            .where(own_rows(ReportTemplate), ReportTemplate.archived_at.is_(None))
            .order_by(ReportTemplate.title_de)
        ).scalars()
    )


def newer_version(template: ReportTemplate, latest: dict[str, ReportTemplate]) -> Any:
    """The shared template's latest version if it is newer than the one a variant copied."""
    if not template.is_local or not template.based_on_code:
        return None
    current = latest.get(template.based_on_code)
    if current is not None and current.version > (template.based_on_version or 0):
        return current
    return None


def find_by_code(code: str) -> ReportTemplate | None:
    """The tenant's own active variant with this code, else the latest shared version."""
    own = db.session.execute(
        select(ReportTemplate).where(
            own_rows(ReportTemplate),
            ReportTemplate.code == code,
            ReportTemplate.archived_at.is_(None),
        )
    ).scalar_one_or_none()
    return own if own is not None else latest_shared().get(code)


def copy_to_local(template: ReportTemplate, tenant_id: int) -> ReportTemplate:
    """A new local variant of ``template`` for the tenant (not yet committed)."""
    base_code = template.based_on_code if template.is_local else template.code
    base_version = template.based_on_version if template.is_local else template.version
    taken = set(
        db.session.execute(select(ReportTemplate.code).where(own_rows(ReportTemplate))).scalars()
    )
    stem = f"{base_code}-lokal"[:72]
    code, n = stem, 2
    while code in taken:
        code, n = f"{stem}-{n}", n + 1
    variant = ReportTemplate(
        tenant_id=tenant_id,
        code=code,
        version=1,
        title_de=f"{template.title_de} (lokale Fassung)"[:200],
        title_en=f"{template.title_en or template.title_de} (local variant)"[:200],
        description=template.description,
        definition=copy.deepcopy(template.definition),
        based_on_code=base_code,
        based_on_version=base_version,
    )
    db.session.add(variant)
    return variant
