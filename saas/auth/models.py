"""Global user accounts, per-tenant memberships with roles, and server-side login sessions."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.db import IdMixin, Model, TimestampMixin, utcnow
from saas.core.tenancy import TenantModel

ROLES = ("tenant_admin", "coordinator", "staff", "viewer")


class User(IdMixin, TimestampMixin, UserMixin, Model):
    """One person, one account (unique e-mail), memberships in any number of tenants."""

    __tablename__ = "users"
    __audited__ = True

    #: token of the server-side login session this request runs under (not a column)
    if TYPE_CHECKING:
        session_token: str | None = None
    else:
        session_token = None

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    #: the TOTP secret once the second factor is enrolled, sealed (saas.auth.sealing: a Fernet
    #: token under a key derived from SECRET_KEY); None: not enrolled
    totp_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: the last accepted TOTP time step: a code is accepted once only
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)

    def get_id(self) -> str | None:
        # Flask-Login stores this in the session and remember cookie: the revocable
        # login-session token, never the bare user id.
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TenantModel, TimestampMixin, Model):
    """A user's role in one tenant, optionally limited to some offices or areas (local roles)."""

    __tablename__ = "memberships"
    __tenant_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    #: ids of offices / areas the role is limited to; empty means the whole tenant
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def office_ids(self) -> list[int]:
        return list((self.scope or {}).get("offices", []))

    @property
    def area_ids(self) -> list[int]:
        return list((self.scope or {}).get("areas", []))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class LoginSession(Model):
    """A server-side login: its token is what the cookies carry, so logout can revoke it."""

    __tablename__ = "login_sessions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_session_token)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(IdMixin, Model):
    """A one-time recovery code of the second factor; only its hash is stored."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class PasswordReset(IdMixin, Model):
    """A mailed password-reset link: single use, expiring; only the token's hash is stored."""

    __tablename__ = "password_resets"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
