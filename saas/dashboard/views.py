"""Dashboard view: per role what there is to do, and for the management the trends."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, render_template
from flask_babel import get_locale

from saas.activities.models import KINDS
from saas.core.charts import sparkline
from saas.core.disclosure import tenant_threshold
from saas.core.formatting import format_fixed
from saas.core.permissions import current_membership, current_scope, has_permission, require
from saas.dashboard import services
from saas.periods.desk import last_month, period_label
from saas.protection.views import builds_in_background

bp = Blueprint("dashboard", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


@bp.route("/dashboard")
@require("tenant.view")
@builds_in_background
def index() -> Any:
    """Staff: this week's entries and the month still to submit; coordinators: what waits
    for approval and who has submitted; tenant admins and viewers: the key indicators'
    trends against the previous year and the comparison ring."""
    membership = current_membership()
    role = membership.role if membership is not None else ""
    today = date.today()
    month = last_month(today)
    logs = has_permission("activities.log")
    approves = has_permission("figures.approve")
    trends = (
        services.key_trends(today)
        if role in ("tenant_admin", "viewer") and current_scope() is None
        else None
    )
    return render_template(
        "dashboard/index.html",
        membership=membership,
        summary=services.dashboard_summary() if role == "tenant_admin" else None,
        week=services.this_week(today) if logs and not approves else None,
        month=month,
        complete=services.month_completeness(month) if role in ("staff", "coordinator") else None,
        waiting=services.waiting_for_approval() if approves else None,
        trends=trends,
        trend_legend=services.trend_legend(trends, tenant_threshold(g.tenant.settings or {}))
        if trends
        else [],
        sparkline=sparkline,
        signed=lambda value: format_fixed(value, 1, get_locale(), signed=True),
        kinds=KINDS,
        period_label=period_label,
        can_enter=has_permission("figures.enter"),
        can_configure=has_permission("config.manage"),
    )
