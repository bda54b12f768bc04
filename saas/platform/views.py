"""Platform admin pages under ``/platform/``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from saas.auth.views import login_page, logout_page
from saas.core.db import db
from saas.core.extensions import limiter
from saas.core.permissions import AUTHENTICATED, PLATFORM_MANAGE, public, require
from saas.core.tenancy import all_tenants
from saas.platform.onboarding import reactivate_tenant, suspend_tenant, tenant_by_id
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


def _tenant_name(tenant_id: int) -> str:
    tenant = tenant_by_id(tenant_id)
    return tenant.name if tenant is not None else f"#{tenant_id}"


@bp.route("/tenants/<int:tenant_id>/suspend", methods=["POST"])
@require(PLATFORM_MANAGE)
def suspend(tenant_id: int) -> ResponseReturnValue:
    if suspend_tenant(tenant_id):
        flash(
            _(
                "%(name)s is suspended; its pages cannot be reached until it is reactivated.",
                name=_tenant_name(tenant_id),
            ),
            "success",
        )
    return redirect(url_for("platform.index"))


@bp.route("/tenants/<int:tenant_id>/activate", methods=["POST"])
@require(PLATFORM_MANAGE)
def activate(tenant_id: int) -> ResponseReturnValue:
    if reactivate_tenant(tenant_id):
        flash(_("%(name)s is active again.", name=_tenant_name(tenant_id)), "success")
    return redirect(url_for("platform.index"))
