"""Authentication: checking credentials, starting and revoking login sessions."""

from __future__ import annotations

from flask import g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from saas.auth.models import LoginSession, User
from saas.core.audit import record_event
from saas.core.db import db, utcnow
from saas.core.passwords import hash_password, needs_rehash, verify_password


def find_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; records failures."""
    user = find_user(email)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        record_event(
            "login_failed",
            user_id=user.id if user else None,
            details={"email": email.strip().lower()[:254]},
        )
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, *, remember: bool) -> LoginSession:
    """Log in with a fresh session: the old session cookie content is dropped (rotation)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login = LoginSession(user=user, user_agent=(request.user_agent.string or "")[:255])
    db.session.add(login)
    db.session.flush()
    user.session_token = login.token
    login_user(user, remember=remember)
    record_event("login", user_id=user.id)
    return login


def load_session(token: str) -> User | None:
    """The user of a live login session (Flask-Login's loader)."""
    login = db.session.execute(
        select(LoginSession).where(LoginSession.token == token, LoginSession.revoked_at.is_(None))
    ).scalar_one_or_none()
    if login is None or not login.user.is_active:
        return None
    login.user.session_token = login.token
    return login.user


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


def create_user(email: str, password: str | None, *, name: str = "", **fields: object) -> User:
    user = User(
        email=email.strip().lower(),
        name=name,
        password_hash=hash_password(password) if password else None,
        **fields,
    )
    db.session.add(user)
    return user
