"""The search page (the header's search box sends here)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from saas.core.permissions import require
from saas.search.services import LIMIT, MIN_LENGTH, search

bp = Blueprint("search", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


@bp.route("/search")
@require("tenant.view")
def index() -> str:
    term = request.args.get("q", "")[:200]
    return render_template(
        "search/index.html",
        results=search(term),
        term=term,
        min_length=MIN_LENGTH,
        limit=LIMIT,
    )
