"""Words shown for stored codes — roles, statuses, tables, fields — and the tenant's own words.

One lookup for every page, export and message: :func:`word` gives the current tenant's word
for an organisational term (``office`` → "Stadtteilbüro", "Stadtteilzentrum",
"Sozialraumbüro" …; ``area`` → "Stadtteil", "Sozialraum" …), so no text has to fall back on
the catalogue's generic "Büro" or "Gebiet". In templates it is the global ``word()``; in
Python ``from saas.core.labels import word``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "tenant_admin": _l("Tenant administrator"),
    "coordinator": _l("Coordinator"),
    "staff": _l("Staff"),
    "viewer": _l("Viewer"),
}

STATUS_LABELS = {
    "setup": _l("being set up"),
    "active": _l("active"),
    "suspended": _l("suspended"),
}

ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "login": _l("signed in"),
    "login_failed": _l("failed sign-in"),
    "logout": _l("signed out"),
}

TABLE_LABELS = {
    "areas": _l("areas"),
    "area_levels": _l("area levels"),
    "area_populations": _l("population figures"),
    "offices": _l("offices"),
    "carriers": _l("carriers"),
    "teams": _l("teams"),
    "staff_members": _l("staff members"),
    "principles": _l("principles"),
    "offerings": _l("offerings"),
    "offering_principles": _l("offering principles"),
    "memberships": _l("users"),
    "figure_values": _l("key figure values"),
    "period_statuses": _l("period states"),
    "activities": _l("activities"),
    "activity_principles": _l("principles of activities"),
    "activity_carriers": _l("partner carriers of activities"),
    "metrics": _l("metrics"),
    "import_batches": _l("imports"),
    "invitations": _l("invitations"),
    "publications": _l("publications"),
    "published_reports": _l("published reports"),
    "report_templates": _l("report templates"),
    "ring_participations": _l("comparison ring memberships"),
}

#: the generic words, for pages without a tenant (the platform's own pages)
GENERIC_WORDS = {
    "office": _l("Office"),
    "offices": _l("Offices"),
    "area": _l("Area"),
    "areas": _l("Areas"),
}

#: tables whose label is the tenant's own word for them
TABLE_WORDS = {"offices": "offices", "areas": "areas"}

#: tables whose label is a phrase around the tenant's words
TABLE_PHRASES = {
    "office_areas": _l("%(areas)s of the %(offices)s"),
    "office_carriers": _l("carrier assignments of the %(offices)s"),
}

#: labels of columns most tables share; a model adds its own in ``__field_labels__``
COMMON_FIELD_LABELS = {
    "name": _l("Name"),
    "code": _l("Code"),
    "date": _l("Date"),
    "note": _l("Note"),
    "title": _l("Title"),
    "description": _l("Description"),
    "position": _l("Position"),
    "archived_at": _l("Archived on"),
    "kind": _l("Kind"),
    "value": _l("Value"),
    "period": _l("Period"),
    "source": _l("Source"),
    "reason": _l("Reason"),
    "status": _l("Status"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "opened_on": _l("Opened on"),
    "closed_on": _l("Closed on"),
    "offering_id": _l("Offering"),
    "carrier_id": _l("Carrier"),
    "team_id": _l("Team"),
    "metric_id": _l("Metric"),
    "level_id": _l("Area level"),
}

#: columns whose label is the tenant's own word
FIELD_WORDS = {"office_id": "office", "area_id": "area", "parent_id": "area"}


def label(mapping: dict[str, object], key: str | None) -> str:
    return str(mapping.get(key or "", key or ""))


def word(key: str) -> str:
    """The current tenant's word for ``office``, ``offices``, ``area`` or ``areas``; the
    generic, translated word where there is no tenant (platform pages, CLI)."""
    tenant = g.get("tenant") if has_app_context() else None
    if tenant is not None:
        return str(tenant.word(key))
    return label(GENERIC_WORDS, key)


def table_label(key: str | None) -> str:
    """A table's name as readers say it: the tenant's word for offices and areas."""
    if key in TABLE_WORDS:
        return word(TABLE_WORDS[key])
    if key in TABLE_PHRASES:
        return str(TABLE_PHRASES[key]) % {w: word(w) for w in ("areas", "offices")}
    return label(TABLE_LABELS, key)


def _model_labels(entity: str) -> dict[str, Any]:
    from saas.core.db import Model

    for mapper in Model.registry.mappers:
        if getattr(mapper.local_table, "name", None) == entity:
            return dict(getattr(mapper.class_, "__field_labels__", {}))
    return {}


def field_label(entity: str | None, key: str) -> str:
    """What a column of ``entity`` (a table name) is called on its form, for the history:
    the model's ``__field_labels__``, then the tenant's words, then the common labels; the
    column's name only for a column nobody named."""
    own = _model_labels(entity or "")
    if key in own:
        return str(own[key])
    if key in FIELD_WORDS:
        return word(FIELD_WORDS[key])
    return label(COMMON_FIELD_LABELS, key)


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        word=word,
        role_label=lambda key: label(ROLE_LABELS, key),
        status_label=lambda key: label(STATUS_LABELS, key),
        action_label=lambda key: label(ACTION_LABELS, key),
        table_label=table_label,
        count_label=table_label,
        field_label=field_label,
    )
