"""Login and logout under each tenant, ``/<tenant_slug>/login``."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from saas.auth import throttle
from saas.auth.forms import LoginForm
from saas.auth.models import User
from saas.auth.services import (
    authenticate,
    has_second_factor,
    log_in,
    log_out,
)
from saas.core.extensions import limiter
from saas.core.operations import keep_changes
from saas.core.permissions import AUTHENTICATED, public, require
from saas.core.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/<tenant_slug>", template_folder="templates")

#: the second-factor step must follow the password within this many seconds
SECOND_FACTOR_SECONDS = 300


def locked_page(template: str, form: Any, error: throttle.Locked) -> tuple[str, int]:
    """The answer of a locked account or client: the same for known and unknown addresses."""
    keep_changes()  # the 429 keeps the audit records of the failures and the lockout
    flash(error.message(), "error")
    return render_template(template, form=form), 429


def finish_login(user: User, *, remember: bool, target: str) -> Any:
    """Password (and second factor, if enrolled) passed: start the session and go on."""
    from saas.members.services import attach_pending_invitation

    user = log_in(user.id, remember=remember)
    attach_pending_invitation()
    # An admin without a second factor is sent to enrol by the gate (saas/auth/gate.py).
    return redirect(target)


def login_page(template: str, fallback: str) -> ResponseReturnValue:
    """Shared login handling for tenant and platform login pages."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "")
        except throttle.Locked as error:
            return locked_page(template, form, error)
        if user is None:
            keep_changes()  # the 401 keeps the audit record of the failure
            flash(_("E-mail or password is not correct."), "error")
            return render_template(template, form=form), 401
        target = safe_next(form.next.data, fallback)
        remember = bool(form.remember.data)
        if has_second_factor(user):
            session["second_factor"] = {
                "user_id": user.id,
                "remember": remember,
                "next": target,
                "at": int(time.time()),
            }
            return redirect(url_for("account.second_factor"))
        return finish_login(user, remember=remember, target=target)
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def login() -> ResponseReturnValue:
    return login_page("auth/login.html", url_for("dashboard.index"))


def logout_page(target: str) -> ResponseReturnValue:
    """Shared logout handling: revoke the login on the server, then go to ``target``."""
    log_out()
    flash(_("You have been signed out."), "info")
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@require(AUTHENTICATED)
def logout() -> ResponseReturnValue:
    return logout_page(url_for("public.index"))
