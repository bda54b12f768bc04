"""The one optimistic-lock mechanism: the version counter of the models.

Every versioned model (:class:`saas.core.db.VersionedMixin`) maps its ``version`` column as
SQLAlchemy's ``version_id_col``: each UPDATE says ``WHERE version = <the version read>`` and
bumps it, so of two transactions that read the same version only the first one's UPDATE
matches a row. An edit operation additionally compares the version the user *started from*
(a plain value from the form) with the stored one, before it changes anything.

Either way the loser gets :class:`~saas.core.operations.Conflict` carrying the current
object, which the conflict page shows side by side with what the user entered. A race the
database only notices while flushing — the second UPDATE waited for the first one's row lock
and then matched nothing — is the same conflict, never a 500: :func:`flush` turns it into
one, as :func:`saas.core.operations.commit` does at commit time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from saas.core.db import db
from saas.core.operations import Conflict


def parse_version(value: Any) -> int | None:
    """The version a form carried (a hidden field: text), or None when absent or garbled."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def current_version(obj: Any) -> int:
    """The value of the object's version counter (``version_id_col`` of its mapper)."""
    mapper = inspect(obj).mapper
    if mapper.version_id_col is None:
        raise TypeError(f"{mapper.class_.__name__} has no version counter")
    return int(getattr(obj, mapper.get_property_by_column(mapper.version_id_col).key))


def expect_version(obj: Any, expected: Any) -> None:
    """Raise :class:`Conflict` unless ``obj`` is still at the version the user started from."""
    if parse_version(expected) != current_version(obj):
        raise Conflict(f"{obj.__class__.__name__} {obj.id} changed meanwhile", current=obj)


def flush(obj: Any = None) -> None:
    """Flush; a stale version or a key taken meanwhile becomes :class:`Conflict`."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(str(error), current=obj) from error


@contextmanager
def changing(obj: Any, expected: Any) -> Iterator[Any]:
    """Check the expected version, apply the block's changes without autoflush, flush.

    The block may query (link tables, uniqueness) without flushing half an edit early; the
    one flush at the end is where a concurrent UPDATE shows up, as :class:`Conflict`.
    """
    expect_version(obj, expected)
    with db.session.no_autoflush:
        yield obj
    claim_version(obj)
    flush(obj)


def claim_version(obj: Any) -> None:
    """Make the next flush UPDATE ``obj`` (and so check and bump its version) even when the
    edit changed only rows that hang on it (links), so such edits cannot race either."""
    if db.session.is_modified(obj):
        return
    state = inspect(obj)
    version_key = state.mapper.get_property_by_column(state.mapper.version_id_col).key
    for attr in state.mapper.column_attrs:
        if attr.key in (version_key, "tenant_id") or attr.columns[0].primary_key:
            continue
        if attr.key in state.dict:
            flag_modified(obj, attr.key)
            return
