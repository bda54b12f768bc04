"""Platform admin pages under ``/platform/``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from saas.auth.views import login_page, logout_page
from saas.core.db import db
from saas.core.extensions import limiter
from saas.core.permissions import AUTHENTICATED, PLATFORM_MANAGE, public, require
from saas.core.tenancy import all_tenants
from saas.tenants.models import Tenant

bp = Blueprint("platform", __name__, url_prefix="/platform", template_folder="templates")


@bp.route("/")
@require(PLATFORM_MANAGE)
def index() -> str:
    with all_tenants():
        tenants = db.session.execute(select(Tenant).order_by(Tenant.name)).scalars().all()
    return render_template("platform/index.html", tenants=tenants)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def login() -> ResponseReturnValue:
    return login_page("auth/login.html", url_for("platform.index"))


@bp.route("/logout", methods=["POST"])
@require(AUTHENTICATED)
def logout() -> ResponseReturnValue:
    return logout_page(url_for("site.index"))


def _tenant_or_404(tenant_id: int) -> Tenant:
    with all_tenants():
        tenant = db.session.execute(
            select(Tenant).where(Tenant.id == tenant_id)
        ).scalar_one_or_none()
    if tenant is None:
        abort(404)
    return tenant


@bp.route("/tenants/<int:tenant_id>/suspend", methods=["POST"])
@require(PLATFORM_MANAGE)
def suspend(tenant_id: int) -> ResponseReturnValue:
    tenant = _tenant_or_404(tenant_id)
    if tenant.status == "active":
        tenant.status = "suspended"
        db.session.commit()
        flash(
            _(
                "%(name)s is suspended; its pages cannot be reached until it is reactivated.",
                name=tenant.name,
            ),
            "success",
        )
    return redirect(url_for("platform.index"))


@bp.route("/tenants/<int:tenant_id>/activate", methods=["POST"])
@require(PLATFORM_MANAGE)
def activate(tenant_id: int) -> ResponseReturnValue:
    tenant = _tenant_or_404(tenant_id)
    if tenant.status == "suspended":
        tenant.status = "active"
        db.session.commit()
        flash(_("%(name)s is active again.", name=tenant.name), "success")
    return redirect(url_for("platform.index"))
