"""The cube's years built as a background job (:mod:`saas.jobs`), for a page that needs more
cold years than a request should build (:class:`~saas.protection.service.CubeInBackground`).

The job builds the years with the same :func:`~saas.protection.service.tenant_cube` a request
calls, so they land in the store shared through Redis, and then sends the user back to the
page, which now finds them there.
"""

from __future__ import annotations

from typing import Any

from saas.core.urls import safe_next
from saas.jobs.queue import progress, task
from saas.protection.service import tenant_cube


@task
def protect_years(years: list[int], next_url: str) -> dict[str, Any]:
    """Build the protected cube of ``years`` for the job's tenant; then back to ``next_url``."""
    if safe_next(next_url, "") != next_url:  # a path of this site only: no open redirect
        raise ValueError(f"not a local path: {next_url!r}")
    progress(0, len(years), "protecting", force=True)
    tenant_cube(years)
    progress(len(years), len(years), "protecting", force=True)
    return {"redirect": next_url}
