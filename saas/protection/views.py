"""Pages whose protected cube is large and cold send it to a background job.

:func:`builds_in_background` wraps a view: inside it :func:`tenant_cube` builds cold years
itself only while they are small (``SAAS_CUBE_REQUEST_ATOMS``), so no request runs into the
worker timeout (RV Saarbrücken's ten years take minutes). Larger ones become a job that builds
them and then sends the user back to the page (``jobs/show`` with its progress). Without
background jobs (development, tests), and for a form sent (POST), the request builds them
as before: the job's way back is a GET of the page, which would lose what was entered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from saas.jobs.queue import JobsUnavailable, enabled, enqueue
from saas.jobs.views import unavailable_page
from saas.protection.service import CubeInBackground, deferring

F = TypeVar("F", bound=Callable[..., Any])

TASK = "saas.protection.tasks.protect_years"


def builds_in_background(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD") or not enabled():
            return view(*args, **kwargs)  # a form sent is never answered by a job page
        try:
            with deferring():
                return view(*args, **kwargs)
        except CubeInBackground as pending:
            return _queue(pending.years)

    return wrapped  # type: ignore[return-value]


def enqueue_protection(years: list[int]) -> str:
    """The cube's cold years of the current request as a background job of the signed-in
    user, which sends them back to this request's address when done; the job's id. Raises
    :class:`JobsUnavailable` without a queue."""
    return enqueue(
        TASK,
        {"years": years, "next_url": request.full_path.rstrip("?")},
        title=_("Statistical disclosure control for %(count)s years", count=len(years)),
        tenant_id=g.tenant.id,
        user_id=int(current_user.id),
        locale=str(get_locale() or "de"),
    )


def _queue(years: list[int]) -> Any:
    try:
        job_id = enqueue_protection(years)
    except JobsUnavailable:
        return unavailable_page("protection")
    return redirect(url_for("jobs.show", job_id=job_id), code=303)
