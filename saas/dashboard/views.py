"""Dashboard view."""

from __future__ import annotations

from flask import Blueprint, render_template

from saas.core.permissions import current_membership, require
from saas.dashboard.services import dashboard_summary

bp = Blueprint("dashboard", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


@bp.route("/dashboard")
@require("tenant.view")
def index() -> str:
    return render_template(
        "dashboard/index.html", summary=dashboard_summary(), membership=current_membership()
    )
