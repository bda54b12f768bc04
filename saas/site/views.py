"""Health check, language switch and the root page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from saas.core.db import db, ping
from saas.core.extensions import talisman
from saas.core.i18n import LOCALES, remember_locale
from saas.core.permissions import public
from saas.core.rls import runtime_problem
from saas.core.tenancy import all_tenants
from saas.core.urls import safe_next
from saas.tenants.models import Tenant

bp = Blueprint("site", __name__, template_folder="templates")


@bp.route("/healthz")
@talisman(force_https=False)  # probes of load balancers speak plain HTTP inside the network
@public
def healthz() -> tuple[dict[str, str], int]:
    """The database and, when configured (always in production), Redis: the rate limits and
    login lockouts live there, so without it nobody can sign in."""
    result = {"status": "ok", "database": "ok"}
    try:
        ping()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        result.update(status="error", database="unreachable")
    else:
        problem = runtime_problem(db.session)  # grants and RLS key of the runtime role
        db.session.rollback()
        if problem:
            result.update(status="error", database=problem)
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
            result["redis"] = "ok"
        except redis.RedisError:
            result.update(status="error", redis="unreachable")
        finally:
            client.close()
    return result, 200 if result["status"] == "ok" else 503


@bp.route("/lang", methods=["POST"])
@public
def set_language() -> ResponseReturnValue:
    locale = request.form.get("locale")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            remember_locale(locale)
    return redirect(safe_next(request.form.get("next"), url_for("site.index")))


@bp.route("/")
@public
def index() -> str:
    with all_tenants():
        tenants = (
            db.session.execute(
                select(Tenant).where(Tenant.status == "active").order_by(Tenant.name)
            )
            .scalars()
            .all()
        )
    return render_template("site/index.html", tenants=tenants)
