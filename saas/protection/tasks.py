"""The cube's years built as a background job (:mod:`saas.jobs`), for a page that needs more
cold years than a request should build (:class:`~saas.protection.service.CubeInBackground`).

The job builds the years with the same :func:`~saas.protection.service.tenant_cube` a request
calls, so they land in the store shared through Redis, and then sends the user back to the
page, which now finds them there.
"""

from __future__ import annotations

from typing import Any

from saas.jobs.queue import progress, task
from saas.protection.service import tenant_cube


def local_path(url: str) -> bool:
    """Whether ``url`` is a path of this site (never another host: no open redirect)."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


@task
def protect_years(years: list[int], next_url: str) -> dict[str, Any]:
    """Build the protected cube of ``years`` for the job's tenant; then back to ``next_url``."""
    if not local_path(next_url):
        raise ValueError(f"not a local path: {next_url!r}")
    progress(0, len(years), "protecting", force=True)
    tenant_cube(years)
    progress(len(years), len(years), "protecting", force=True)
    return {"redirect": next_url}
