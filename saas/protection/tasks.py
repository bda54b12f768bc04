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
from saas.protection.service import tenant_cube, workers


@task
def protect_years(years: list[int], next_url: str) -> dict[str, Any]:
    """Build the protected cube of ``years`` for the job's tenant; then back to ``next_url``."""
    if safe_next(next_url, "") != next_url:  # a path of this site only: no open redirect
        raise ValueError(f"not a local path: {next_url!r}")
    years = sorted(set(years))
    # as many years at a time as worker processes build at once (each year's cube depends on
    # that year alone), so the page shows each finished batch without losing the parallelism
    step = max(1, workers())
    progress(0, len(years), "protecting", force=True)
    for start in range(0, len(years), step):
        tenant_cube(years[start : start + step])
        progress(min(start + step, len(years)), len(years), "protecting", force=True)
    return {"redirect": next_url}
