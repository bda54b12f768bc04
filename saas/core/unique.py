"""Uniqueness of codes within the current tenant, checked before the database complains."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.db import db
from saas.core.operations import Invalid


def code_taken(model: type[Any], value: Any, obj: Any = None, field: str = "code") -> bool:
    """Whether another row of this tenant already has ``value`` in ``field``."""
    query = select(model.id).where(getattr(model, field) == value)
    if obj is not None and obj.id is not None:
        query = query.where(model.id != obj.id)
    return db.session.execute(query).first() is not None


def ensure_code_free(
    model: type[Any], values: Mapping[str, Any], obj: Any = None, field: str = "code"
) -> None:
    """Raise :class:`Invalid` on ``field`` when another row of this tenant has the code."""
    if code_taken(model, values.get(field), obj, field):
        raise Invalid(_("This code is already in use."), field=field)


def unique_code(model: type[Any], field: str = "code") -> Any:
    """A :class:`saas.core.crud.Crud` ``check`` hook: the code is free."""

    def check(values: Mapping[str, Any], obj: Any) -> None:
        ensure_code_free(model, values, obj, field)

    return check


def code_is_free(form: Any, obj: Any, model: type[Any], field: str = "code") -> bool:
    """Form variant: adds a field error and returns False when the code is taken."""
    if code_taken(model, form[field].data, obj, field):
        form[field].errors.append(_("This code is already in use."))
        return False
    return True
