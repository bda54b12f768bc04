"""Uniqueness of codes within the current tenant, checked before the database complains."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.db import db


def code_is_free(form: Any, obj: Any, model: type[Any], field: str = "code") -> bool:
    """Adds a field error and returns False when another row of this tenant has the code."""
    value = form[field].data
    query = select(model.id).where(getattr(model, field) == value)
    if obj is not None:
        query = query.where(model.id != obj.id)
    if db.session.execute(query).first() is not None:
        form[field].errors.append(_("This code is already in use."))
        return False
    return True
