"""Reactions of the API to changes elsewhere (connected in ``create_app``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from saas.api.models import ApiToken
from saas.core.db import db, utcnow
from saas.core.signals import sessions_revoked
from saas.core.tenancy import all_tenants


@sessions_revoked.connect
def _sessions_revoked(_sender: Any, *, user_id: int, **_: Any) -> None:
    """Revoke every live API token of the user, in every tenant (a token is a session)."""
    with all_tenants():
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
