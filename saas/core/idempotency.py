"""One-time form tokens: a form submitted twice (double click, resent POST) acts once.

A page renders ``issue_token()`` into a hidden field ``idempotency_token``; the handler calls
:func:`claim` before it changes anything. The first claim of a token records it in the
``form_tokens`` table (inside the request's transaction) and returns True; every later claim
returns False, and the handler answers with :func:`first_result` — where the first submit
led. Two submits racing each other meet at the table's unique key: on PostgreSQL the second
INSERT waits for the first transaction and then fails; on SQLite the writer lock orders
them. A token is signed with the app's secret and bound to the user, so it cannot be made
up or used by someone else, and it expires after a day. When the first submit fails
validation (answered with an error status) its claim is rolled back with everything else,
so the corrected form can be sent with the same token.

Usage in a view::

    token = request.form.get(TOKEN_FIELD, "")
    if not claim(token):
        return redirect(first_result(token) or url_for(...))
    ...  # the operation
    remember(token, url)
    return redirect(url)
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, has_request_context
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import DateTime, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import Model, db, utcnow
from saas.core.tenancy import TenantModel

TOKEN_FIELD = "idempotency_token"  # noqa: S105 - a form field name, not a secret  # nosec B105
MAX_AGE = 24 * 3600
_SALT = "form-token"


class FormToken(TenantModel, Model):
    """A claimed form token and where its submit led."""

    __tablename__ = "form_tokens"
    __audited__ = False  # bookkeeping of the request, not a change of the tenant's data
    __tenant_args__ = (UniqueConstraint("tenant_id", "token"),)

    token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    result: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _user_id() -> int | None:
    from saas.core.audit import acting_user_id

    return acting_user_id() if has_request_context() else None


def issue_token() -> str:
    """A fresh signed token for one rendered form (nothing is stored until it is claimed)."""
    return _serializer().dumps([secrets.token_urlsafe(18), _user_id()])


def _nonce(token: str) -> str | None:
    """The token's random part if the signature, the user and the age are right."""
    try:
        nonce, user_id = _serializer().loads(token or "", max_age=MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if user_id != _user_id() or not isinstance(nonce, str):
        return None
    return nonce


def claim(token: str) -> bool:
    """True the first time a valid token is claimed; False for a repeat or a bad token."""
    nonce = _nonce(token)
    if nonce is None:
        return False
    if db.session.execute(select(FormToken.id).where(FormToken.token == nonce)).first():
        return False
    row = FormToken(token=nonce, user_id=_user_id())
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.add(row)  # SQLite: the writer lock orders concurrent submits
        db.session.flush()
        return True
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same token claimed by a request that committed meanwhile
        return False
    return True


def remember(token: str, result: str) -> None:
    """Record where the first submit of ``token`` led (the URL a repeat is sent to)."""
    nonce = _nonce(token)
    if nonce is None:
        return
    row = db.session.execute(select(FormToken).where(FormToken.token == nonce)).scalar_one_or_none()
    if row is not None:
        row.result = result[:500]
        db.session.flush()


def first_result(token: str) -> str | None:
    """Where the first submit of ``token`` led, or None (unknown, bad or still running)."""
    nonce = _nonce(token)
    if nonce is None:
        return None
    found = db.session.execute(
        select(FormToken.result).where(FormToken.token == nonce)
    ).scalar_one_or_none()
    return found or None
