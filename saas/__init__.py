"""Sozialraum: one Flask deployment serving many youth welfare offices."""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

# Before numpy is first imported: one OpenBLAS thread unless the deployment says otherwise.
# The protected cube's linear algebra (saas/protection/: QR decompositions of a few hundred
# rows) only spins threads on the two shared cores — RV Saarbrücken's largest block took
# 0.6-1 s of CPU per decomposition with them and 0.04 s with one.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from flask import Flask, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from saas.config import ROOT, ConfigError, load_config
from saas.core import audit, i18n, operations, permissions, tenancy
from saas.core.db import db
from saas.core.extensions import babel, csrf, limiter, login_manager, migrate, talisman
from saas.core.labels import register_labels
from saas.core.navigation import navigation
from saas.tenants.models import Tenant


def _blueprints() -> list[Any]:
    """Every blueprint of the app, in one explicit list."""
    from saas.activities.views import bp as activities
    from saas.api.views import bp as api
    from saas.api.views import tokens_bp as api_tokens
    from saas.areas.views import bp as areas
    from saas.areas.views import levels_bp as area_levels
    from saas.auth.account import admin_bp as accounts
    from saas.auth.account import bp as account
    from saas.auth.views import bp as auth
    from saas.carriers.views import bp as carriers
    from saas.comparison.views import bp as comparison
    from saas.comparison.views import rings_bp as rings
    from saas.dashboard.views import bp as dashboard
    from saas.figures.views import bp as figures
    from saas.impact.views import bp as impact
    from saas.jobs.views import bp as jobs
    from saas.members.views import bp as members
    from saas.metrics.views import bp as metrics
    from saas.metrics.views import local_bp as local_metrics
    from saas.offerings.views import bp as offerings
    from saas.offices.views import bp as offices
    from saas.periods.views import bp as periods
    from saas.platform.views import bp as platform
    from saas.platform.wizard import bp as onboarding
    from saas.principles.views import bp as principles
    from saas.public.views import bp as public
    from saas.reports.platform_views import bp as report_templates
    from saas.reports.views import bp as reports
    from saas.search.views import bp as search
    from saas.settings.views import bp as settings
    from saas.site.views import bp as site
    from saas.teams.views import bp as teams
    from saas.teams.views import staff_bp as staff

    return [
        site,
        account,
        accounts,
        onboarding,
        platform,
        auth,
        dashboard,
        public,
        settings,
        members,
        area_levels,
        areas,
        offices,
        carriers,
        teams,
        staff,
        principles,
        offerings,
        activities,
        figures,
        periods,
        search,
        metrics,
        local_metrics,
        reports,
        report_templates,
        rings,
        comparison,
        impact,
        jobs,
        api_tokens,
        api,
    ]


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    try:
        app.config.from_mapping(load_config())
    except ConfigError as error:
        # One line, no traceback: the operator must see why at once. Exit status 3 is
        # gunicorn's "worker failed to boot", which stops the master instead of respawning.
        print(f"Sozialraum refuses to start: {error}", file=sys.stderr)
        raise SystemExit(3) from None
    if test_config:
        app.config.update(test_config)
    (ROOT / "instance").mkdir(exist_ok=True)
    hops = app.config.get("SAAS_PROXY_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    production = app.config["SAAS_ENV"] == "production"
    talisman.init_app(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy={
            "default-src": "'self'",
            "img-src": "'self' data:",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    _init_login(app)
    from saas.auth import gate, throttle

    throttle.init_app(app)
    tenancy.init_app(app, find_active_tenant=Tenant.find_active)
    audit.install_session_events()
    i18n.init_app(app)
    register_labels(app)
    _init_lookups(app)
    _init_request_hooks(app)
    gate.init_app(app)
    _init_errors(app)

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    operations.init_app(app)
    _init_listeners()

    from saas.cli import register_cli

    register_cli(app)
    operations.init_cli(app)
    return app


def _init_listeners() -> None:
    """Connect the receivers of higher packages to the signals of lower ones."""
    from saas.api import listeners as api  # noqa: F401 - connects on import
    from saas.comparison import listeners  # noqa: F401 - connects on import
    from saas.protection import listeners as protection  # noqa: F401 - connects on import


def _init_lookups(app: Flask) -> None:
    """Hand core the queries on higher packages' tables it needs (core imports none of them)."""
    from saas.areas.services import area_parents
    from saas.auth.lookups import find_membership, user_label
    from saas.offices.services import areas_served_by

    permissions.init_app(
        find_membership=find_membership,
        areas_served_by=areas_served_by,
        area_parents=area_parents,
    )
    app.add_template_global(user_label)


def _init_login(app: Flask) -> None:
    from saas.auth.services import load_session

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load(token: str) -> Any:
        with tenancy.all_tenants():
            return load_session(token)


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isalnum() else audit.new_request_id()

    @app.after_request
    def _echo_request_id(response: Any) -> Any:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "navigation": navigation,
            "current_locale": str(get_locale() or "de"),
            "my_tenants": _my_tenants,
        }


def _my_tenants() -> list[Any]:
    from saas.auth.models import Membership

    if not current_user.is_authenticated:
        return []
    with tenancy.all_tenants():
        return list(
            db.session.execute(
                select(Tenant)
                .join(Membership, Membership.tenant_id == Tenant.id)
                .where(
                    Membership.user_id == current_user.id,
                    Membership.revoked_at.is_(None),
                    Tenant.status == "active",
                )
                .order_by(Tenant.name)
            ).scalars()
        )


#: form fields never echoed back on the conflict page
_HIDDEN_FIELDS = ("csrf_token", "version", "stamp", "idempotency_token")


def _entered() -> list[tuple[str, list[str]]]:
    """The fields of the posted form, as entered (no tokens, no passwords)."""
    if request.method != "POST":
        return []
    return [
        (name, [value for value in request.form.getlist(name) if value])
        for name in request.form
        if name not in _HIDDEN_FIELDS and "password" not in name
    ]


def _init_errors(app: Flask) -> None:
    def page(status: int, title: str, message: str) -> Any:
        if request.path.startswith("/api/"):  # the JSON API answers in JSON, also here
            from saas.api.views import http_error

            return http_error(status)
        return render_template("errors/error.html", title=title, message=message), status

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> tuple[str, int]:
        return page(
            400,
            _("The form has expired"),
            _("Please go back, reload the page and send the form again. Nothing was saved."),
        )

    @app.errorhandler(operations.Denied)
    def _denied(_e: operations.Denied) -> tuple[str, int]:
        return page(403, _("Access denied"), _("You do not have permission to do this."))

    @app.errorhandler(operations.Conflict)
    def _conflict(_e: operations.Conflict) -> tuple[str, int]:
        # a race the database noticed at commit: the page cannot compare versions any more,
        # but it gives back what the user entered, so nothing typed is lost
        return render_template("errors/conflict.html", entered=_entered()), 409

    @app.errorhandler(403)
    def _forbidden(_e: Exception) -> tuple[str, int]:
        return page(403, _("Access denied"), _("You do not have permission to do this."))

    @app.errorhandler(404)
    def _not_found(_e: Exception) -> tuple[str, int]:
        return page(404, _("Page not found"), _("This page does not exist."))

    @app.errorhandler(405)
    def _method_not_allowed(e: Exception) -> Any:
        if request.path.startswith("/api/"):
            from saas.api.views import http_error

            return http_error(405)
        return e  # werkzeug's own answer, as before

    @app.errorhandler(413)
    def _too_large(_e: Exception) -> tuple[str, int]:
        return page(413, _("File too large"), _("The upload is too large. Nothing was saved."))

    @app.errorhandler(429)
    def _too_many(_e: Exception) -> tuple[str, int]:
        return page(429, _("Too many attempts"), _("Please wait a minute and try again."))
