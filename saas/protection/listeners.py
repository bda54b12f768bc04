"""Reactions of the cube to changes elsewhere (connected in ``create_app``).

The cache is keyed by a digest of a year's figures, so a changed figure is never served a
stale pattern; dropping the tenant's entries here only keeps the memory small and makes the
next output recompute at once.
"""

from __future__ import annotations

from typing import Any

from saas.core.signals import figures_changed, period_transitioned
from saas.protection.service import forget


@figures_changed.connect
def _figures_changed(tenant: Any, **_: Any) -> None:
    forget(getattr(tenant, "id", None))


@period_transitioned.connect
def _period_transitioned(tenant: Any, **_: Any) -> None:
    forget(getattr(tenant, "id", None))
