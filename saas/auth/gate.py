"""Per-request account rules: trusted hosts, the admins' second factor, no caching of pages
behind a login, and clear answers when the rate-limit store is down or the app fails."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth import throttle
from saas.core.urls import host_allowed

#: what an admin without a second factor may still reach (production: nothing else)
ENROLMENT_ENDPOINTS = frozenset(
    {
        "account.enrol",
        "auth.logout",
        "platform.logout",
        "site.set_language",
        "site.healthz",
        "static",
    }
)


def init_app(app: Flask) -> None:
    @app.before_request
    def _trusted_host() -> Any:
        # Probes speak to the container's own address; every other page only under the
        # configured names, so no generated link or redirect can take a forged Host.
        if request.endpoint != "site.healthz" and not host_allowed(request.host):
            return render_template(
                "errors/error.html",
                title=_("Unknown address"),
                message=_("This server does not answer to this address."),
            ), 400
        return None

    @app.before_request
    def _second_factor_gate() -> Any:
        if request.endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
            return None
        from saas.auth.services import must_enrol

        if not must_enrol(current_user):
            return None
        if app.config.get("SAAS_MFA_GRACE"):
            g.second_factor_grace = True
            return None
        return redirect(url_for("account.enrol"))

    @app.after_request
    def _no_store(response: Any) -> Any:
        # Social data must not stay in a shared browser's or proxy's cache after logout:
        # no page of the app is stored (static files are).
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    @app.context_processor
    def _account_globals() -> dict[str, Any]:
        return {"second_factor_grace": g.get("second_factor_grace", False)}

    def unavailable(_error: Exception) -> tuple[str, int]:
        from saas.core.db import db

        db.session.rollback()
        return render_template(
            "errors/error.html",
            title=_("Sign-in is unavailable"),
            message=_(
                "Signing in is not possible at the moment because a required service does"
                " not answer. Nothing was changed. Please try again in a few minutes."
            ),
        ), 503

    from limits.errors import StorageError
    from redis.exceptions import RedisError

    for error in (throttle.Unavailable, StorageError, RedisError):
        app.register_error_handler(error, unavailable)

    @app.errorhandler(500)
    def _internal(error: Exception) -> tuple[str, int]:
        from saas.core.db import db

        with contextlib.suppress(Exception):  # the page must render whatever broke
            db.session.rollback()
        return render_template("errors/500.html", request_id=g.get("request_id", "")), 500
