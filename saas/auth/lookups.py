"""Lookups that the layers below auth need; the app factory hands them to saas.core."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.auth.models import Membership, User
from saas.core.db import db


def find_membership(user_id: int) -> Membership | None:
    """The user's active membership in the current tenant."""
    return db.session.execute(
        select(Membership).where(Membership.user_id == user_id, Membership.revoked_at.is_(None))
    ).scalar_one_or_none()


def user_label(user_id: int | None) -> str:
    """Name or e-mail of a user for history tables; one query per request."""
    if user_id is None:
        return str(_l("system"))
    cache: dict[int, str] = g.setdefault("user_labels", {})
    if user_id not in cache:
        row = db.session.execute(select(User.name, User.email).where(User.id == user_id)).first()
        cache[user_id] = (row.name or row.email) if row else f"#{user_id}"
    return cache[user_id]
