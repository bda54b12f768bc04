"""Main navigation, filtered by the current user's permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from saas.core.permissions import PLATFORM_MANAGE, has_permission


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    permission: str
    word: str | None = None  # tenant vocabulary key replacing the label


TENANT_NAV: tuple[NavItem, ...] = (
    NavItem("dashboard.index", _l("Dashboard"), "tenant.view"),
    NavItem("areas.index", _l("Areas"), "tenant.view", word="areas"),
    NavItem("offices.index", _l("Offices"), "tenant.view", word="offices"),
    NavItem("carriers.index", _l("Carriers"), "tenant.view"),
    NavItem("offerings.index", _l("Offerings"), "tenant.view"),
    NavItem("activities.index", _l("Activity log"), "activities.log"),
    NavItem("figures.index", _l("Key figures"), "figures.enter"),
    NavItem("reports.index", _l("Reports"), "reports.view"),
    NavItem("comparison.index", _l("Comparison"), "reports.view"),
    NavItem("impact.index", _l("Impact"), "reports.view"),
    NavItem("members.index", _l("Users"), "users.manage"),
    NavItem("settings.index", _l("Settings"), "config.manage"),
)

PLATFORM_NAV: tuple[NavItem, ...] = (
    NavItem("platform.index", _l("Municipalities"), PLATFORM_MANAGE),
    NavItem("metrics.index", _l("Metric catalogue"), PLATFORM_MANAGE),
    NavItem("report_templates.index", _l("Report templates"), PLATFORM_MANAGE),
    NavItem("rings.index", _l("Comparison rings"), PLATFORM_MANAGE),
    NavItem("accounts.list_accounts", _l("Accounts"), PLATFORM_MANAGE),
)


def navigation() -> list[dict[str, Any]]:
    tenant = g.get("tenant")
    items = TENANT_NAV if tenant is not None else PLATFORM_NAV
    result = []
    for item in items:
        if not has_permission(item.permission):
            continue
        try:
            url = url_for(item.endpoint)
        except BuildError:  # area not installed
            continue
        label = tenant.word(item.word) if tenant is not None and item.word else str(item.label)
        result.append({"url": url, "label": label, "active": request.endpoint == item.endpoint})
    return result
