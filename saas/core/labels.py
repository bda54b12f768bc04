"""Translated labels for stored codes (roles, statuses, tables …), available in templates."""

from __future__ import annotations

from flask import Flask
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
    "office_areas": _l("office areas"),
    "carriers": _l("carriers"),
    "office_carriers": _l("office carriers"),
    "teams": _l("teams"),
    "staff_members": _l("staff members"),
    "principles": _l("principles"),
    "offerings": _l("offerings"),
    "offering_principles": _l("offering principles"),
    "memberships": _l("users"),
}


def label(mapping: dict[str, object], key: str | None) -> str:
    return str(mapping.get(key or "", key or ""))


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_label=lambda key: label(ROLE_LABELS, key),
        status_label=lambda key: label(STATUS_LABELS, key),
        action_label=lambda key: label(ACTION_LABELS, key),
        table_label=lambda key: label(TABLE_LABELS, key),
        count_label=lambda key: label(TABLE_LABELS, key),
    )
