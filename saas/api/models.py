"""Personal API tokens: a user's key to the JSON API of one tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import Model, utcnow
from saas.core.tenancy import TenantModel


class ApiToken(TenantModel, Model):
    """One token of one user in one tenant; only the SHA-256 of the secret is stored.

    The token names no role of its own: every request reads the user's current membership
    (:func:`saas.api.services.authenticate`), so a changed role or a revoked membership
    takes effect at once. Creating and revoking are audited as every tenant row.
    """

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: hex SHA-256 of the whole secret (``sr_…``), looked up on every request
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the secret, so the owner can tell tokens apart on the page
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
