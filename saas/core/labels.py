"""Translated labels for stored codes (roles, statuses …), available in templates."""

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
    "active": _l("active"),
    "suspended": _l("suspended"),
}

COUNT_LABELS: dict[str, object] = {}


def label(mapping: dict[str, object], key: str | None) -> str:
    return str(mapping.get(key or "", key or ""))


def register_labels(app: Flask) -> None:
    app.jinja_env.globals["role_label"] = lambda key: label(ROLE_LABELS, key)
    app.jinja_env.globals["status_label"] = lambda key: label(STATUS_LABELS, key)
    app.jinja_env.globals["count_label"] = lambda key: label(COUNT_LABELS, key)
