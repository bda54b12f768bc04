"""Reactions of the comparison to changes elsewhere (connected in ``create_app``)."""

from __future__ import annotations

from typing import Any

from saas.core.db import db
from saas.core.signals import period_transitioned


@period_transitioned.connect
def _republish(tenant: Any, *, scope: str, before: str, after: str, **_: Any) -> None:
    """The ring shows approved figures only: approving completes a year, reopening withdraws it."""
    if scope != "area" or "approved" not in (before, after):
        return
    from saas.comparison.services import refresh_publication

    db.session.flush()
    refresh_publication(tenant)
