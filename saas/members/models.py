"""Invitation model."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import Model, TimestampMixin
from saas.core.tenancy import TenantModel


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TenantModel, TimestampMixin, Model):
    """An invitation link for an e-mail address with a role; only the token's hash is stored."""

    __tablename__ = "invitations"
    __tenant_args__ = (UniqueConstraint("token_hash"),)

    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(30))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[int | None] = mapped_column(Integer, default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
