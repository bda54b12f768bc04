"""Login and logout under each tenant, ``/<tenant_slug>/login``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth.forms import LoginForm
from saas.auth.services import authenticate, end_session, start_session
from saas.core.db import db
from saas.core.extensions import limiter
from saas.core.forms import safe_next
from saas.core.permissions import AUTHENTICATED, public, require

bp = Blueprint("auth", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


def login_page(template: str, fallback: str) -> object:
    """Shared login handling for tenant and platform login pages."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            db.session.commit()  # keep the audit record of the failure
            flash(_("E-mail or password is not correct."), "error")
            return render_template(template, form=form), 401
        start_session(user, remember=bool(form.remember.data))
        db.session.commit()
        return redirect(safe_next(form.next.data, fallback))
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def login() -> object:
    return login_page("auth/login.html", url_for("dashboard.index"))


def logout_page(target: str) -> object:
    """Shared logout handling: revoke the login on the server, then go to ``target``."""
    end_session(current_user._get_current_object())
    db.session.commit()
    flash(_("You have been signed out."), "info")
    return redirect(target)


@bp.route("/logout", methods=["POST"])
@require(AUTHENTICATED)
def logout() -> object:
    return logout_page(url_for("public.index"))
