"""Personal API tokens: created and revoked by their owner, checked on every API request.

A token is ``sr_`` and 43 random URL-safe characters (``secrets.token_urlsafe(32)``), shown
once when it is created; the database keeps its SHA-256 only, so a copy of the table opens
nothing. It belongs to one user in one tenant (the tenant whose page created it) and
carries no rights of its own: :func:`authenticate` reads the user's current membership on
every request, and the API checks the same permissions as the pages.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.api.models import ApiToken
from saas.auth.lookups import find_membership
from saas.auth.models import Membership, User
from saas.core.db import db, utcnow
from saas.core.operations import Invalid, operation
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant

#: recognisable in logs and by secret scanners
PREFIX = "sr_"
MAX_DAYS = 365
DEFAULT_DAYS = 90
MAX_NAME = 100


def digest(secret: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def aware(moment: datetime) -> datetime:
    """SQLite drops the time zone of stored datetimes; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def own_tokens() -> list[ApiToken]:
    """The signed-in user's tokens in the current tenant, newest first."""
    return list(
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == int(current_user.id))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        ).scalars()
    )


@operation("tenant.view")
def create_token(name: Any, days: Any, password: Any) -> tuple[ApiToken, str]:
    """A new token of the signed-in user in the current tenant, and its secret (shown once).

    ``password``: the user's own, checked as a password change checks it (throttled, a
    failure audited): a signed-in browser left open, or a stolen session cookie, must not
    be enough for a credential that lasts up to a year. Raises :class:`throttle.Locked`
    when the account or the client is locked out."""
    from saas.auth.services import check_password, user_by_id

    with all_tenants():
        user = user_by_id(int(current_user.id))
    # in the tenant's scope: a failure's audit record is the tenant's (row-level security
    # refuses a row without a tenant there)
    correct = user is not None and check_password(user, str(password or ""), purpose="api_token")
    if not correct:
        raise Invalid(_("The password is not correct."), field="password")
    name = str(name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(
            _("Please give the token a name of at most %(n)s characters.", n=MAX_NAME),
            field="name",
        )
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(
            _("A token is valid for 1 to %(n)s days.", n=MAX_DAYS),
            field="days",
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=int(current_user.id),
        name=name,
        token_hash=digest(secret),
        prefix=secret[:10],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


@operation("tenant.view")
def revoke_token(token_id: Any) -> ApiToken:
    """Revoke one of the signed-in user's tokens (at once, for every request after this)."""
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        token_id = 0
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == int(current_user.id))
    ).scalar_one_or_none()
    if token is None:
        raise Invalid(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


@dataclass(frozen=True)
class Caller:
    """Who an API request acts as: the token's user in the token's tenant."""

    token: ApiToken
    user: User
    tenant: Tenant
    membership: Membership


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    scheme, _space, value = (header or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > 200:
        return None
    return value


def authenticate(secret: str | None) -> Caller | None:
    """The caller of a token: None unless it exists, is neither revoked nor expired, its
    user is active and still a member of its tenant, and the tenant is active."""
    if not secret:
        return None
    with all_tenants():  # the token names the tenant; nothing else may
        token = db.session.execute(
            select(ApiToken).where(ApiToken.token_hash == digest(secret))
        ).scalar_one_or_none()
        if token is None or token.revoked_at is not None or aware(token.expires_at) <= utcnow():
            return None
        user = db.session.execute(
            select(User).where(User.id == token.user_id, User.is_active.is_(True))
        ).scalar_one_or_none()
        tenant = db.session.execute(
            select(Tenant).where(Tenant.id == token.tenant_id, Tenant.status == "active")
        ).scalar_one_or_none()
    if user is None or tenant is None:
        return None
    with tenant_scope(tenant):
        membership = find_membership(user.id)
    if membership is None:
        return None
    return Caller(token, user, tenant, membership)
