"""Public start page of a tenant, ``/<tenant_slug>/``."""

from __future__ import annotations

from flask import Blueprint, render_template

from saas.core.permissions import public

bp = Blueprint("public", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


@bp.route("/")
@public
def index() -> str:
    return render_template("public/index.html")
