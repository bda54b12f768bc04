"""Authentication: credentials, second factor, login sessions and their revocation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from flask import current_app, g, has_request_context, request, session
from flask_babel import gettext
from flask_login import login_user, logout_user
from sqlalchemy import func, select, update

from saas.auth import throttle
from saas.auth.models import LoginSession, Membership, PasswordReset, RecoveryCode, User
from saas.auth.sealing import Unsealable, seal, sealed_with_current_key, unseal
from saas.core.audit import record_event
from saas.core.db import db, utcnow
from saas.core.operations import Invalid, operation
from saas.core.passwords import hash_password, needs_rehash, verify_password
from saas.core.permissions import AUTHENTICATED, PLATFORM_MANAGE, PUBLIC
from saas.core.signals import sessions_revoked
from saas.core.tenancy import all_tenants

#: flask-session keys that survive the rotation at login
KEPT_ON_LOGIN = ("locale", "pending_invitation", "_flashes")
RECOVERY_CODES = 10
RESET_MINUTES = 60
#: last_seen_at is written at most this often (one UPDATE per minute, not per request)
SEEN_RESOLUTION = timedelta(seconds=60)


def _me() -> User:
    """The signed-in user (the operations below act on the caller's own account)."""
    from flask_login import current_user

    return current_user._get_current_object()


def aware(moment: datetime) -> datetime:
    """SQLite drops the time zone of stored datetimes; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def find_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def user_by_id(user_id: object) -> User | None:
    return db.session.execute(select(User).where(User.id == user_id)).scalar_one_or_none()


def authenticate(email: str, password: str, *, purpose: str = "login") -> User | None:
    """The active user with these credentials, or None; records failures.

    Raises :class:`throttle.Locked` before checking anything when the account or the client
    is locked out. An unknown address costs the same argon2 verification as a known one.
    """
    throttle.check(email)
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or not ok:
        record_event(
            "login_failed",
            user_id=user.id if user else None,
            details={"email": email.strip().lower()[:254], "purpose": purpose},
        )
        throttle.failed(email, purpose=purpose, user_id=user.id if user else None)
        return None
    throttle.succeeded(email)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_password(user: User, password: str, *, purpose: str) -> bool:
    """Re-check the signed-in user's password (password change, second-factor reset)."""
    throttle.check(user.email)
    if verify_password(user.password_hash, password):
        throttle.succeeded(user.email)
        return True
    record_event("login_failed", user_id=user.id, details={"email": user.email, "purpose": purpose})
    throttle.failed(user.email, purpose=purpose, user_id=user.id)
    return False


# --- who needs a second factor ---------------------------------------------------------------


def is_admin(user: User) -> bool:
    """Platform admins and tenant admins of any municipality must use a second factor."""
    if user.is_platform_admin:
        return True
    with all_tenants():
        return (
            db.session.execute(
                select(Membership.id).where(
                    Membership.user_id == user.id,
                    Membership.role == "tenant_admin",
                    Membership.revoked_at.is_(None),
                )
            ).first()
            is not None
        )


def has_second_factor(user: User) -> bool:
    return bool(user.totp_secret and user.totp_enabled_at)


def must_enrol(user: User) -> bool:
    return not has_second_factor(user) and is_admin(user)


# --- TOTP and recovery codes -----------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Sozialraum")


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, made here (no third party sees the secret)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now ±1) whose code this is, if it is newer than ``last_step``."""
    code = "".join(code.split())
    if not (secret and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(utcnow().timestamp()) // totp.interval
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None


@operation(AUTHENTICATED)
def enrol_second_factor(secret: str, code: str) -> list[str] | None:
    """The signed-in user enrols ``secret``; the new recovery codes, or None for a wrong code."""
    from flask_login import current_user

    with all_tenants():
        return confirm_enrolment(current_user._get_current_object(), secret, code)


def confirm_enrolment(user: User, secret: str, code: str) -> list[str] | None:
    """Enrol ``secret`` if ``code`` is right; returns the new recovery codes (shown once)."""
    step = _matching_step(secret, code, None)
    if step is None:
        return None
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = seal(secret), utcnow(), step
    codes = _new_recovery_codes(user)
    record_event("second_factor_enrolled", user_id=user.id)
    return codes


def hash_code(code: str) -> str:
    normal = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(
        RecoveryCode.__table__.delete().where(RecoveryCode.__table__.c.user_id == user.id)
    )
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, one try per lockout count
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_code(raw)))
    return codes


def _open_secret(user: User) -> str:
    """The user's TOTP secret, or "" (no code matches) when no configured key opens it."""
    if not user.totp_secret:
        return ""
    try:
        return unseal(user.totp_secret)
    except Unsealable:
        record_event("second_factor_unsealable", user_id=user.id)
        return ""


def reseal_second_factors() -> tuple[int, int]:
    """Seal every enrolled secret again with the current key: (sealed again, unopenable)."""
    done = broken = 0
    for user in db.session.execute(select(User).where(User.totp_secret.is_not(None))).scalars():
        token = user.totp_secret or ""
        if sealed_with_current_key(token):
            continue
        try:
            user.totp_secret = seal(unseal(token))
            done += 1
        except Unsealable:
            broken += 1
    return done, broken


def verify_second_factor(user: User, code: str) -> str | None:
    """``"totp"`` or ``"recovery"`` when the code is accepted (and used up), else None."""
    throttle.check(user.email)
    secret = _open_secret(user)
    step = _matching_step(secret, code, user.totp_last_step)
    if step is not None:
        # Conditional update: of two requests with the same code only one wins.
        won = db.session.execute(
            update(User)
            .where(
                User.id == user.id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # a CursorResult (DML)
        if won:
            user.totp_last_step = step
            if user.totp_secret and not sealed_with_current_key(user.totp_secret):
                user.totp_secret = seal(secret)  # after a SECRET_KEY rotation
            throttle.succeeded(user.email)
            return "totp"
    else:
        won = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == hash_code(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # a CursorResult (DML)
        if won:
            record_event("recovery_code_used", user_id=user.id)
            throttle.succeeded(user.email)
            return "recovery"
    record_event("second_factor_failed", user_id=user.id, details={"email": user.email})
    throttle.failed(user.email, purpose="second_factor", user_id=user.id)
    return None


def remaining_recovery_codes(user: User) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def reset_second_factor(user: User, *, keep_token: str | None = None) -> None:
    """Remove the second factor and its recovery codes; ends the user's other sessions."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(
        RecoveryCode.__table__.delete().where(RecoveryCode.__table__.c.user_id == user.id)
    )
    revoke_sessions(user, keep_token=keep_token)
    record_event("second_factor_reset", user_id=user.id)


@operation(AUTHENTICATED)
def remove_own_second_factor(current_password: str) -> bool:
    """The signed-in user removes the second factor after re-entering the password.

    False for a wrong password (its audit record is written); raises :class:`throttle.Locked`
    when the account or the client is locked out. Ends the user's other sessions.
    """
    user = _me()
    with all_tenants():
        if not check_password(user, current_password, purpose="second_factor_reset"):
            return False
        reset_second_factor(user, keep_token=user.session_token)
    return True


# --- login sessions --------------------------------------------------------------------------


@operation(PUBLIC)
def log_in(user_id: int, *, remember: bool) -> User:
    """Sign in the account whose password (and second factor) the caller has just checked."""
    with all_tenants():
        user = user_by_id(user_id)
    if user is None or not user.is_active:
        raise LookupError(user_id)
    start_session(user, remember=remember)
    return user


def start_session(user: User, *, remember: bool) -> LoginSession:
    """Log in with a fresh session: the old session cookie content is dropped (rotation)."""
    kept = {key: session[key] for key in KEPT_ON_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login = LoginSession(user=user, user_agent=(request.user_agent.string or "")[:255])
    db.session.add(login)
    db.session.flush()
    user.session_token = login.token
    login_user(user, remember=remember)
    record_event("login", user_id=user.id)
    return login


def session_expired(login: LoginSession, now: datetime) -> bool:
    config = current_app.config
    lifetime = timedelta(hours=config["SAAS_SESSION_LIFETIME_HOURS"])
    idle = timedelta(minutes=config["SAAS_SESSION_IDLE_MINUTES"])
    last = aware(login.last_seen_at or login.created_at)
    return aware(login.created_at) + lifetime <= now or last + idle <= now


def load_session(token: str) -> User | None:
    """The user of a live login session (Flask-Login's loader); ends a timed-out one."""
    login = db.session.execute(
        select(LoginSession).where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
    ).scalar_one_or_none()
    if login is None or not login.user.is_active:
        return None
    now = utcnow()
    if session_expired(login, now):
        login.revoked_at = now  # committed by the commit point; expiry is checked anew anyway
        return None
    if login.last_seen_at is None or aware(login.last_seen_at) + SEEN_RESOLUTION <= now:
        login.last_seen_at = now
    login.user.session_token = login.token
    return login.user


def active_sessions(user: User) -> list[LoginSession]:
    now = utcnow()
    logins = db.session.execute(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .order_by(LoginSession.created_at.desc())
    ).scalars()
    return [login for login in logins if not session_expired(login, now)]


def revoke_sessions(user: User, *, keep_token: str | None = None) -> int:
    """End every live session of ``user`` on the server (except ``keep_token``)."""
    condition = [LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)]
    if keep_token:
        condition.append(LoginSession.token != keep_token)
    # the API's tokens are sessions too: a clean-up that leaves them would leave a year-long
    # credential minted with a stolen cookie (saas.api.listeners revokes them)
    sessions_revoked.send(None, user_id=user.id)
    return db.session.execute(
        update(LoginSession)
        .where(*condition)
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult (DML)


def session_handle(login: LoginSession) -> str:
    """A public handle of a login session for the page (never the token itself)."""
    return hashlib.sha256(login.token.encode()).hexdigest()[:16]


@operation(AUTHENTICATED)
def end_own_session(handle: str) -> bool:
    """End another live session of the signed-in user by its handle; False if none matched."""
    user = _me()
    with all_tenants():
        for login in active_sessions(user):
            if session_handle(login) == handle and login.token != user.session_token:
                login.revoked_at = utcnow()
                record_event("session_ended", user_id=user.id)
                return True
    return False


@operation(AUTHENTICATED)
def end_own_other_sessions() -> int:
    """End every other live session of the signed-in user; how many were ended."""
    user = _me()
    with all_tenants():
        count = revoke_sessions(user, keep_token=user.session_token)
        record_event("session_ended", user_id=user.id, details={"count": count})
    return count


@operation(AUTHENTICATED)
def log_out() -> None:
    """The signed-in user logs out (the login is revoked on the server)."""
    end_session(_me())


def end_session(user: User) -> None:
    """Log out and revoke the login on the server, so a copied cookie stops working."""
    token = getattr(user, "session_token", None)
    if token:
        login = db.session.execute(
            select(LoginSession).where(LoginSession.token == token)
        ).scalar_one_or_none()
        if login is not None and login.revoked_at is None:
            login.revoked_at = utcnow()
    record_event("logout", user_id=user.id)
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    g.pop("membership", None)


# --- accounts and passwords ------------------------------------------------------------------


@operation(PLATFORM_MANAGE)
def create_user(email: str, password: str | None, *, name: str = "", **fields: object) -> User:
    """A new account (CLI, demo loader). Callers check the password policy."""
    return add_user(email, password, name=name, **fields)


def add_user(email: str, password: str | None, *, name: str = "", **fields: object) -> User:
    """The step that adds an account (also of an accepted invitation)."""
    user = User(
        email=email.strip().lower(),
        name=name,
        password_hash=hash_password(password) if password else None,
        **fields,
    )
    db.session.add(user)
    return user


def change_password(user: User, password: str, *, keep_token: str | None = None) -> None:
    """Set a new password and end every other session of the account."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    revoke_sessions(user, keep_token=keep_token)
    record_event("password_changed", user_id=user.id)


@operation(AUTHENTICATED)
def change_own_password(current_password: str, new_password: str) -> bool:
    """The signed-in user changes the password; ends the user's other sessions.

    False for a wrong current password (its audit record is written); raises
    :class:`throttle.Locked` when the account or the client is locked out. Callers check the
    password policy.
    """
    user = _me()
    with all_tenants():
        if not check_password(user, current_password, purpose="password_change"):
            return False
        change_password(user, new_password, keep_token=user.session_token)
    return True


@operation(PLATFORM_MANAGE)
def set_account_active(user_id: int, active: bool) -> User | None:
    """A platform admin (de)activates an account; None for an unknown one.

    Raises :class:`Invalid` for the admin's own account (nobody locks themselves out).
    """
    with all_tenants():
        user = user_by_id(user_id)
        if user is None:
            return None
        if has_request_context() and user.id == getattr(_me(), "id", None):
            raise Invalid(gettext("You cannot deactivate your own account."))
        set_active(user, active)
    return user


def set_active(user: User, active: bool) -> None:
    """Deactivate (ending its sessions at once) or reactivate an account."""
    user.is_active = active
    if not active:
        revoke_sessions(user)
    record_event("account_activated" if active else "account_deactivated", user_id=user.id)


def _reset_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@operation(PUBLIC)
def request_password_reset(email: str) -> tuple[str, str] | None:
    """(address, token) of a reset for an active account; None (after the same work) else."""
    with all_tenants():
        user = find_user(email)
        if user is None or not user.is_active:
            verify_password(None, "")  # the same work for an unknown address
            return None
        return user.email, new_password_reset(user)


def new_password_reset(user: User) -> str:
    """A single-use reset token valid for an hour (older open ones of the user end)."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_reset_hash(token),
            expires_at=utcnow() + timedelta(minutes=RESET_MINUTES),
        )
    )
    record_event("password_reset_requested", user_id=user.id)
    return token


def open_password_reset(token: str) -> PasswordReset | None:
    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == _reset_hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or aware(reset.expires_at) <= utcnow():
        return None
    return reset


@operation(PUBLIC)
def reset_password(token: str, password: str) -> User | None:
    """Set a new password with a reset link's token; None when the token is not (any more)
    valid. Public: the user is not signed in, the single-use token is the secret."""
    with all_tenants():
        reset = open_password_reset(token)
        if reset is None:
            return None
        return use_password_reset(reset, password)


def use_password_reset(reset: PasswordReset, password: str) -> User | None:
    """Spend the token (once, even under concurrent requests) and set the password."""
    won = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult (DML)
    if not won:
        return None
    user = user_by_id(reset.user_id)
    if user is None or not user.is_active:
        return None
    change_password(user, password)
    return user
