"""The job page: progress while it runs, then the result (a page to go on to, or a file).

It refreshes itself every two seconds without JavaScript (``<meta http-equiv="refresh">``
inside ``<noscript>``); with JavaScript a small script of our own origin (the CSP allows
``'self'``) asks ``…/status`` every second and moves the bar. Only the user who started a job,
in its tenant, sees it; any other id answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.core.permissions import AUTHENTICATED, require
from saas.core.tenancy import current_tenant_id
from saas.jobs.queue import JobState, JobsUnavailable, job_state, load_file

bp = Blueprint("jobs", __name__, url_prefix="/<tenant_slug>/jobs", template_folder="templates")

#: the phases a task reports, in the words of the page
PHASES = {
    "": _l("Waiting for a free worker"),
    "reading": _l("Reading the file"),
    "checking": _l("Checking rows"),
    "comparing": _l("Comparing with the stored values"),
    "saving": _l("Saving values"),
    "writing": _l("Writing the file"),
    "protecting": _l("Applying statistical disclosure control"),
}


def unavailable_page(work: str = "import") -> tuple[str, int]:
    """The answer when Redis does not answer: a message, never a 500. ``work`` says what was
    to run in the background: ``"import"`` (a large file sent), ``"export"`` (a download),
    ``"protection"`` (the disclosure control of a page), ``"job"`` (a job's page or file)."""
    messages = {
        "import": _(
            "Large files are processed in the background, and that service does not answer "
            "right now. Nothing was changed. Please try again in a few minutes or split the "
            "file into smaller ones."
        ),
        "export": _(
            "Downloads are prepared in the background, and that service does not answer "
            "right now. Nothing was changed. Please try again in a few minutes."
        ),
        "job": _(
            "The background service does not answer right now, so this job's state cannot "
            "be shown. The work is kept. Please reload this page in a few minutes."
        ),
        "protection": _(
            "The statistical disclosure control of this page is computed in the background, "
            "and that service does not answer right now. Nothing was changed. Please try again "
            "in a few minutes or choose fewer years."
        ),
    }
    return render_template(
        "errors/error.html",
        title=_("Background processing unavailable"),
        message=messages[work],
    ), 503


def _state(job_id: str) -> JobState:
    state = job_state(job_id, tenant_id=current_tenant_id(), user_id=int(current_user.id))
    if state is None:
        abort(404)
    return state


def _next_url(state: JobState) -> str | None:
    return state.result.get("redirect") if state.status == "finished" else None


@bp.route("/<job_id>")
@require(AUTHENTICATED)
def show(job_id: str) -> Any:
    try:
        state = _state(job_id)
    except JobsUnavailable:
        return unavailable_page("job")
    target = _next_url(state)
    if target:
        return redirect(target, code=303)
    return render_template("jobs/show.html", job=state, phase=PHASES.get(state.phase, state.phase))


@bp.route("/<job_id>/status")
@require(AUTHENTICATED)
def status(job_id: str) -> Any:
    try:
        state = _state(job_id)
    except JobsUnavailable:
        return jsonify(status="unavailable"), 503
    return jsonify(
        status=state.status,
        percent=state.percent,
        done=state.done,
        total=state.total,
        phase=str(PHASES.get(state.phase, state.phase)),
        next=_next_url(state) or url_for("jobs.show", job_id=state.id),
    )


@bp.route("/<job_id>/download")
@require(AUTHENTICATED)
def download(job_id: str) -> Any:
    try:
        state = _state(job_id)
        info = state.result.get("file") if state.status == "finished" else None
        content = load_file(state.id) if info else None
    except JobsUnavailable:
        return unavailable_page("job")
    if not info or content is None:
        abort(404)
    name = str(info.get("filename", "download")).replace('"', "")
    return Response(
        content,
        mimetype=str(info.get("mimetype", "application/octet-stream")),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
