"""Main navigation, filtered by the current user's permissions.

An entry names its endpoint only: whether it is shown is decided by the permission the
endpoint's view declares (``@require``), so the menu can never promise a page the user would
be refused, nor hide one they may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from saas.core.permissions import has_permission


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    word: str | None = None  # tenant vocabulary key replacing the label


TENANT_NAV: tuple[NavItem, ...] = (
    NavItem("dashboard.index", _l("Dashboard")),
    NavItem("areas.index", _l("Areas"), word="areas"),
    NavItem("offices.index", _l("Offices"), word="offices"),
    NavItem("carriers.index", _l("Carriers")),
    NavItem("offerings.index", _l("Offerings")),
    NavItem("activities.index", _l("Activity log")),
    NavItem("figures.index", _l("Key figures")),
    NavItem("reports.index", _l("Reports")),
    NavItem("comparison.index", _l("Comparison")),
    NavItem("impact.index", _l("Impact")),
    NavItem("members.index", _l("Users")),
    NavItem("settings.index", _l("Settings")),
)

PLATFORM_NAV: tuple[NavItem, ...] = (
    NavItem("platform.index", _l("Municipalities")),
    NavItem("metrics.index", _l("Metric catalogue")),
    NavItem("report_templates.index", _l("Report templates")),
    NavItem("rings.index", _l("Comparison rings")),
    NavItem("accounts.list_accounts", _l("Accounts")),
)


def view_permission(endpoint: str) -> str | None:
    """The permission the endpoint's view declares; None when the endpoint is not installed."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "permission", None) if view is not None else None


def navigation() -> list[dict[str, Any]]:
    tenant = g.get("tenant")
    items = TENANT_NAV if tenant is not None else PLATFORM_NAV
    result = []
    for item in items:
        permission = view_permission(item.endpoint)
        if permission is None or not has_permission(permission):
            continue
        try:
            url = url_for(item.endpoint)
        except BuildError:  # area not installed
            continue
        label = tenant.word(item.word) if tenant is not None and item.word else str(item.label)
        result.append({"url": url, "label": label, "active": request.endpoint == item.endpoint})
    return result
