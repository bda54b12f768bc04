"""The account pages (``/account/``): second factor at login and its enrolment, password
change and reset, active sessions; and the platform admins' list of accounts."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.auth import throttle
from saas.auth.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EnrolForm,
    ResetForm,
    ResetRequestForm,
    SecondFactorForm,
)
from saas.auth.models import User
from saas.auth.services import (
    active_sessions,
    change_own_password,
    end_own_other_sessions,
    end_own_session,
    enrol_second_factor,
    has_second_factor,
    is_admin,
    new_totp_secret,
    open_password_reset,
    provisioning_uri,
    qr_svg,
    remaining_recovery_codes,
    remove_own_second_factor,
    request_password_reset,
    reset_password,
    session_handle,
    user_by_id,
    verify_second_factor,
)
from saas.auth.services import set_account_active as set_account_active_operation
from saas.core.db import db
from saas.core.extensions import limiter
from saas.core.operations import Invalid, keep_changes
from saas.core.permissions import AUTHENTICATED, PLATFORM_MANAGE, public, require
from saas.core.tenancy import all_tenants
from saas.core.urls import external_url

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")
admin_bp = Blueprint(
    "accounts", __name__, url_prefix="/platform/accounts", template_folder="templates"
)

SECRET_FORM_LIMIT = "10 per minute"  # noqa: S105  # nosec B105 - a rate, not a secret
SECOND_FACTOR_SECONDS = 300


#: the public handle of a login session on the page (never the token itself)
session_id = session_handle


def _locked(template: str, error: throttle.Locked, **context: Any) -> tuple[str, int]:
    keep_changes()  # the 429 keeps the audit records of the failures and the lockout
    flash(error.message(), "error")
    return render_template(template, **context), 429


# --- second factor at login ------------------------------------------------------------------


def _pending_user() -> tuple[User | None, dict[str, Any]]:
    pending = session.get("second_factor") or {}
    if not pending or time.time() - pending.get("at", 0) > SECOND_FACTOR_SECONDS:
        return None, {}
    with all_tenants():
        user = user_by_id(pending.get("user_id"))
    if user is None or not user.is_active or not has_second_factor(user):
        return None, {}
    return user, pending


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(SECRET_FORM_LIMIT, methods=["POST"])
@public
def second_factor() -> Any:
    from saas.auth.views import finish_login

    user, pending = _pending_user()
    if user is None:
        session.pop("second_factor", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("site.index"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            with all_tenants():
                used = verify_second_factor(user, form.code.data or "")
        except throttle.Locked as error:
            return _locked("auth/second_factor.html", error, form=form)
        if used is None:
            keep_changes()  # the 401 keeps the audit record of the failure
            form.code.errors.append(_("The code is not correct or was already used."))
            return render_template("auth/second_factor.html", form=form), 401
        session.pop("second_factor", None)
        if used == "recovery":
            flash(
                _(
                    "You signed in with a recovery code. %(count)d codes are left.",
                    count=remaining_recovery_codes(user),
                ),
                "info",
            )
        return finish_login(user, remember=pending.get("remember", False), target=pending["next"])
    return render_template("auth/second_factor.html", form=form), (
        400 if form.is_submitted() else 200
    )


# --- the account page ------------------------------------------------------------------------


def _me() -> User:
    return current_user._get_current_object()


@bp.route("/")
@require(AUTHENTICATED)
def index() -> str:
    user = _me()
    with all_tenants():
        logins = active_sessions(user)
        codes_left = remaining_recovery_codes(user) if has_second_factor(user) else 0
        admin = is_admin(user)
    return render_template(
        "auth/account.html",
        user=user,
        logins=logins,
        session_id=session_id,
        current_token=user.session_token,
        codes_left=codes_left,
        admin=admin,
        reset_form=ConfirmPasswordForm(),
    )


@bp.route("/sessions/<handle>/end", methods=["POST"])
@require(AUTHENTICATED)
def end_other_session(handle: str) -> Any:
    if end_own_session(handle):
        flash(_("The session was ended."), "success")
    return redirect(url_for("account.index"))


@bp.route("/sessions/end-others", methods=["POST"])
@require(AUTHENTICATED)
def end_other_sessions() -> Any:
    end_own_other_sessions()
    flash(_("All other sessions were ended."), "success")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(SECRET_FORM_LIMIT, methods=["POST"])
@require(AUTHENTICATED)
def password() -> Any:
    user = _me()
    form = ChangePasswordForm()
    form.policy_email = user.email
    if form.validate_on_submit():
        try:
            ok = change_own_password(form.current.data or "", form.password.data)
        except throttle.Locked as error:
            return _locked("auth/password.html", error, form=form)
        if not ok:
            keep_changes()  # the 401 keeps the audit record of the failure
            form.current.errors.append(_("The current password is not correct."))
            return render_template("auth/password.html", form=form), 401
        flash(_("Your password was changed. Your other sessions were ended."), "success")
        return redirect(url_for("account.index"))
    return render_template("auth/password.html", form=form), (400 if form.is_submitted() else 200)


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(SECRET_FORM_LIMIT, methods=["POST"])
@require(AUTHENTICATED)
def enrol() -> Any:
    user = _me()
    if has_second_factor(user):
        return redirect(url_for("account.index"))
    secret = session.get("enrol_secret") or new_totp_secret()
    session["enrol_secret"] = secret
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        codes = enrol_second_factor(secret, form.code.data or "")
        if codes is not None:
            session.pop("enrol_secret", None)
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors.append(_("The code is not correct. Check the time on your phone."))
        status = 400
    elif form.is_submitted():
        status = 400
    uri = provisioning_uri(secret, user.email)
    return render_template(
        "auth/enrol.html", form=form, qr=qr_svg(uri), secret=secret, uri=uri
    ), status


@bp.route("/two-factor/reset", methods=["POST"])
@limiter.limit(SECRET_FORM_LIMIT)
@require(AUTHENTICATED)
def reset_two_factor() -> Any:
    user = _me()
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            ok = remove_own_second_factor(form.current.data or "")
        except throttle.Locked as error:
            flash(
                _(
                    "Too many failed attempts. Please try again in %(minutes)d minutes.",
                    minutes=error.minutes,
                ),
                "error",
            )
            return redirect(url_for("account.index"))
        if ok:
            flash(_("The second factor was removed. Your other sessions were ended."), "success")
            if is_admin(user):
                return redirect(url_for("account.enrol"))
            return redirect(url_for("account.index"))
    flash(_("The current password is not correct."), "error")
    return redirect(url_for("account.index"))


# --- password reset by mail ------------------------------------------------------------------


def send_reset_mail(email: str, link: str) -> None:
    message = EmailMessage()
    message["Subject"] = "Passwort zurücksetzen – Sozialraum"
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email
    message.set_content(
        "Jemand hat für dieses Konto ein neues Passwort angefordert.\n\n"
        f"Mit diesem Link setzen Sie es neu (einmal nutzbar, 60 Minuten gültig):\n{link}\n\n"
        "Waren Sie das nicht, ignorieren Sie diese Nachricht; Ihr Passwort bleibt unverändert."
    )
    with smtplib.SMTP(
        current_app.config["SMTP_HOST"], current_app.config["SMTP_PORT"], timeout=10
    ) as smtp:
        smtp.send_message(message)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
@public
def reset_request() -> Any:
    if not current_app.config.get("SMTP_HOST"):
        return render_template("auth/reset_request.html", form=None)
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        # Requests spend the address's mail budget, not its login attempts: asking for links
        # cannot lock anybody out. Unknown addresses spend theirs alike (no account oracle).
        if not throttle.allow_mail(email):
            keep_changes()  # the 429 keeps the audit record of the refusal
            flash(
                _(
                    "Too many links were requested for this address. Please try again in"
                    " %(minutes)d minutes.",
                    minutes=current_app.config["SAAS_LOCKOUT_MINUTES"],
                ),
                "error",
            )
            return render_template("auth/reset_request.html", form=form), 429
        found = request_password_reset(email)
        if found is not None:
            # The token is committed by the commit point right after this view; it is only
            # used when the mail arrives, so no commit of its own is needed before sending.
            send_reset_mail(found[0], external_url("account.reset", token=found[1]))
        flash(
            _(
                "If an account exists for this address, we have sent it a link to choose a new"
                " password. The link is valid for 60 minutes."
            ),
            "info",
        )
        return redirect(url_for("account.reset_request"))
    return render_template("auth/reset_request.html", form=form), (
        400 if form.is_submitted() else 200
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(SECRET_FORM_LIMIT, methods=["POST"])
@public
def reset(token: str) -> Any:
    with all_tenants():
        pending = open_password_reset(token)
        user = user_by_id(pending.user_id) if pending else None
    if pending is None or user is None:
        return render_template(
            "errors/error.html",
            title=_("Link not valid"),
            message=_("This link is not valid any more. Please ask for a new one."),
        ), 404
    form = ResetForm()
    form.policy_email = user.email
    if form.validate_on_submit():
        if reset_password(token, form.password.data) is None:
            abort(404)
        flash(_("Your password was changed. Please sign in."), "success")
        return redirect(url_for("site.index"))
    return render_template("auth/reset.html", form=form), (400 if form.is_submitted() else 200)


# --- platform admins: accounts ---------------------------------------------------------------


@admin_bp.route("/")
@require(PLATFORM_MANAGE)
def list_accounts() -> str:
    with all_tenants():
        users = db.session.execute(select(User).order_by(User.email)).scalars().all()
    return render_template("auth/accounts.html", users=users)


@admin_bp.route("/<int:user_id>/active", methods=["POST"])
@require(PLATFORM_MANAGE)
def set_account_active(user_id: int) -> Any:
    active = request.form.get("active") == "1"
    try:
        user = set_account_active_operation(user_id, active)
    except Invalid as error:
        flash(error.message, "error")
    else:
        if user is None:
            abort(404)
        if active:
            flash(_("The account %(email)s is active again.", email=user.email), "success")
        else:
            flash(
                _(
                    "The account %(email)s was deactivated; its sessions were ended.",
                    email=user.email,
                ),
                "success",
            )
    return redirect(url_for("accounts.list_accounts"))
