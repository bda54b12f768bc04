"""The read-only JSON API (``/api/v1/``) and the page of one's API tokens.

Authentication
    ``Authorization: Bearer sr_…``, a personal token (:mod:`saas.api.services`). The token
    names the tenant; the client never does. Every request reads the token's user and
    membership afresh and checks the permission the web page of the same data needs:
    ``reports.run`` for the templates and running them, ``reports.view`` for the published
    snapshots; reports refuse local roles (:func:`~saas.core.permissions.ensure_unscoped`)
    as the pages do. The session cookie never signs anybody in here (the request's user is
    set to anonymous before anything reads it), so a browser cannot be made to call the API
    in its user's name, and there is nothing CSRF could abuse: every endpoint is a GET.

Answers
    JSON with language-independent keys; errors as ``{"error": {"code", "message"}}``, the
    message in the user's language (German unless the account chose English). The figures
    come from the builder the pages and the CSV/XLSX downloads use
    (:func:`saas.reports.operations.run`), disclosure control included: a withheld cell has
    no value (:mod:`saas.api.results`).

Long runs
    A run whose protected cube is large and cold is not built in the request (it would run
    into the worker timeout): as the page does (:mod:`saas.protection.views`), the cube goes
    to a background job and the answer is ``202`` with the job's address
    (``/api/v1/jobs/<id>``), which says when the run can be asked for again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from limits.errors import StorageError
from redis.exceptions import RedisError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from saas.api import openapi as spec
from saas.api import results, services
from saas.api.forms import ApiTokenForm
from saas.auth import throttle
from saas.auth.account import SECRET_FORM_LIMIT
from saas.auth.services import must_enrol
from saas.core.db import db, utcnow
from saas.core.extensions import limiter, login_manager
from saas.core.operations import Invalid, keep_changes
from saas.core.permissions import PUBLIC, ensure_unscoped, has_permission, require
from saas.core.tenancy import enter_request_tenant, get_or_404
from saas.reports import operations, store
from saas.reports.builder import area_levels
from saas.reports.definition import DefinitionError
from saas.reports.models import PublishedReport
from saas.reports.result import ReportResult
from saas.reports.views import _params as report_params  # the page's parameters, unchanged
from saas.reports.views import revised_years

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint(
    "api_tokens",
    __name__,
    url_prefix="/<tenant_slug>/account/api-tokens",
    template_folder="templates",
)

#: per client address; a script reading a year's reports needs a few dozen calls
RATE_LIMIT = "120 per minute"
limiter.limit(RATE_LIMIT)(bp)


class ApiError(Exception):
    """An answer with a status, a stable code and a message for the user."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> Any:
    return jsonify(error={"code": code, "message": message}), status


@bp.errorhandler(ApiError)
def _api_error(e: ApiError) -> Any:
    return error(e.status, e.code, e.message)


#: the answers of werkzeug's exceptions (abort() in shared loaders) in the API's words
HTTP_ERRORS: dict[int, tuple[str, Callable[[], str]]] = {
    400: ("bad_request", lambda: _("The request is not valid.")),
    401: ("unauthorized", lambda: _("Please send a valid API token.")),
    403: ("forbidden", lambda: _("You do not have permission to do this.")),
    404: ("not_found", lambda: _("This does not exist.")),
    405: ("method_not_allowed", lambda: _("The API only answers GET requests.")),
    429: ("too_many_requests", lambda: _("Too many requests. Please wait a minute.")),
}


def http_error(status: int) -> Any:
    """The JSON answer of an HTTP error status (also for the app's handlers on /api/)."""
    code, message = HTTP_ERRORS.get(status, ("error", lambda: _("The request failed.")))
    return error(status, code, message())


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException) -> Any:
    return http_error(e.code or 500)


@bp.errorhandler(500)
def _internal(_e: Exception) -> Any:
    with contextlib.suppress(Exception):  # the answer must be written whatever broke
        db.session.rollback()
    return http_error(500)


def _unavailable(_e: Exception) -> Any:
    """A required service (Redis for the rate limits) does not answer: 503, never a 500."""
    db.session.rollback()
    return error(
        503,
        "unavailable",
        _("A required service does not answer right now. Please try again in a few minutes."),
    )


for _unreachable in (StorageError, RedisError):
    bp.register_error_handler(_unreachable, _unavailable)


@bp.url_value_preprocessor
def _no_session_user(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Before anything reads the user: nobody is signed in by the cookie (see above)."""
    g._login_user = login_manager.anonymous_user()


def _sign_in() -> None:
    """The token's user in the token's tenant for this request, else 401."""
    caller = services.authenticate(services.bearer(request.headers.get("Authorization")))
    if caller is None:
        raise ApiError(
            401,
            "unauthorized",
            _("The API token is missing, unknown, expired or revoked, or the account is inactive."),
        )
    g._login_user = caller.user
    enter_request_tenant(caller.tenant)
    g.membership = caller.membership
    if must_enrol(caller.user) and not current_app.config.get("SAAS_MFA_GRACE"):
        # as the pages' gate (saas.auth.gate): an admin without a second factor reaches
        # nothing until it is set up again
        raise ApiError(
            403,
            "second_factor_required",
            _("Administrators must use a second factor. Please set it up on your account page."),
        )


def api_view(permission: str) -> Callable[[F], F]:
    """Declare and enforce an endpoint's permission: 401 without a valid token, 403 without
    the permission (as :func:`saas.core.permissions.require` declares it for pages)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if permission != PUBLIC:
                _sign_in()
                if not has_permission(permission):
                    raise ApiError(403, "forbidden", _("You do not have permission to do this."))
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


# -- the document ----------------------------------------------------------------------------


@bp.route("/openapi.json")
@api_view(PUBLIC)
def openapi() -> Any:
    """The OpenAPI 3.1 document of every endpoint here (no token needed)."""
    return jsonify(spec.document())


# -- report templates and runs ---------------------------------------------------------------


@bp.route("/reports/templates")
@api_view("reports.run")
def templates() -> Any:
    ensure_unscoped()  # a report covers every area; local roles do not run them
    latest, variants = store.choices()
    return jsonify(templates=[results.template(t) for t in [*latest.values(), *variants]])


def _template(value: str | None) -> Any:
    """The template named by id or code, shared or the tenant's own, else 400/404."""
    value = (value or "").strip()
    if not value:
        raise ApiError(400, "missing_template", _("Please name a report template (template=…)."))
    if len(value) > 200 or not value.isprintable():
        shown = value[:40].encode("unicode_escape").decode("ascii")
        raise ApiError(404, "unknown_template", _("There is no report template %(t)s.", t=shown))
    found = None
    if value.isascii() and value.isdigit() and len(value) <= 9:
        latest, variants = store.choices()
        found = {t.id: t for t in [*latest.values(), *variants]}.get(int(value))
        if found is None:  # an older shared version may still be run, as on the page
            try:
                found = store.visible_template(value)
            except HTTPException:
                found = None
    elif not value.isdigit():
        found = store.find_by_code(value)
    if found is None:
        raise ApiError(404, "unknown_template", _("There is no report template %(t)s.", t=value))
    return found


def _run_params() -> dict[str, Any]:
    """The page's from/to/level (``year`` for one year), checked; else 400."""
    args = request.args.to_dict()
    if args.get("year"):
        if args.get("from") or args.get("to"):
            raise ApiError(
                400, "invalid_years", _("Please give either year or from and to, not both.")
            )
        args["from"] = args["to"] = args["year"]
    params, errors = report_params(args)
    if errors:
        raise ApiError(400, "invalid_years", " ".join(str(e) for e in errors))
    return params


@bp.route("/reports/run")
@api_view("reports.run")
def run_report() -> Any:
    ensure_unscoped()
    template = _template(request.args.get("template"))
    params = _run_params()
    levels = area_levels()
    if params["level"] is not None and params["level"] not in {lvl.code for lvl in levels}:
        raise ApiError(
            400,
            "unknown_level",
            _(
                "There is no area level %(level)s. Known levels: %(levels)s.",
                level=params["level"],
                levels=", ".join(lvl.code for lvl in levels),
            ),
        )
    from saas.jobs.queue import enabled
    from saas.protection.service import CubeInBackground, deferring

    try:
        if enabled():
            with deferring():
                result = operations.run(
                    template, params["from"], params["to"], params["level"], levels=levels
                )
        else:
            result = operations.run(
                template, params["from"], params["to"], params["level"], levels=levels
            )
    except DefinitionError as e:
        raise ApiError(
            400, "template_error", _("This template cannot be run: %(errors)s", errors=str(e))
        ) from e
    except CubeInBackground as pending:
        return _queue_protection(pending.years)
    return jsonify(results.report(result))


def _queue_protection(years: list[int]) -> Any:
    """The cube's cold years as a background job; 202 with the job's address."""
    from saas.jobs.queue import JobsUnavailable
    from saas.protection.views import enqueue_protection

    try:
        job_id = enqueue_protection(years)
    except JobsUnavailable:
        return error(
            503,
            "jobs_unavailable",
            _(
                "The statistical disclosure control of this report is computed in the "
                "background, and that service does not answer right now. Please try again "
                "in a few minutes or choose fewer years."
            ),
        )
    url = url_for("api.job", job_id=job_id)
    response = jsonify(
        job={"id": job_id, "status": "queued", "url": url},
        message=_(
            "The statistical disclosure control of these years is being computed. Ask the "
            "job's address until it is finished, then send this request again."
        ),
    )
    response.status_code = 202
    response.headers["Location"] = url
    return response


@bp.route("/jobs/<job_id>")
@api_view("reports.run")
def job(job_id: str) -> Any:
    from saas.jobs.queue import JobsUnavailable, job_state

    try:
        state = job_state(job_id, tenant_id=g.tenant.id, user_id=int(current_user.id))
    except JobsUnavailable:
        return error(
            503, "jobs_unavailable", _("The background service does not answer right now.")
        )
    if state is None:
        raise ApiError(404, "not_found", _("This job does not exist."))
    target = state.result.get("redirect") if state.status == "finished" else None
    return jsonify(
        id=state.id,
        status=state.status,
        done=state.done,
        total=state.total,
        percent=state.percent,
        error=state.error or None,
        result_url=target,
    )


# -- published snapshots ---------------------------------------------------------------------


@bp.route("/reports/published")
@api_view("reports.view")
def published_reports() -> Any:
    ensure_unscoped()
    reports = db.session.execute(
        select(PublishedReport).order_by(PublishedReport.published_at.desc()).limit(100)
    ).scalars()
    return jsonify(published=[results.published_summary(r) for r in reports])


@bp.route("/reports/published/<int(max=2147483647):report_id>")
@api_view("reports.view")
def published_report(report_id: int) -> Any:
    """A snapshot as it was stored (protected when it was built), with its revision note."""
    ensure_unscoped()
    report = get_or_404(PublishedReport, report_id)
    commentary = operations.commentary_of(report.id)
    result = ReportResult.from_dict(report.snapshot)
    return jsonify(
        **results.published_summary(report),
        revised_years=revised_years(result),
        commentary=[
            {"section": position, "text": text}
            for position, text in sorted((commentary.texts() if commentary else {}).items())
        ],
        report=results.report(result),
    )


# -- the owner's tokens ------------------------------------------------------------------------


def _token_page(form: ApiTokenForm, secret: str | None = None, status: int = 200) -> Any:
    return render_template(
        "api_tokens/index.html",
        form=form,
        tokens=services.own_tokens(),
        secret=secret,
        aware=services.aware,
        now=utcnow(),
        max_days=services.MAX_DAYS,
    ), status


@tokens_bp.route("/", methods=["GET", "POST"])
@limiter.limit(SECRET_FORM_LIMIT, methods=["POST"])
@require("tenant.view")
def index() -> Any:
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = services.create_token(
                form.name.data, form.days.data, form.password.data
            )
        except throttle.Locked as error:
            keep_changes()  # the 429 keeps the audit records of the failures and the lockout
            form.password.errors = [error.message()]
            return _token_page(form, status=429)
        except Invalid as e:
            if e.field == "password":
                keep_changes()  # the 401 keeps the audit record of the failure
            form[e.field or "name"].errors = [e.message]
        else:
            # shown on this answer only: it is neither stored nor put into the session
            return _token_page(ApiTokenForm(formdata=None), secret, 201)
    return _token_page(form, status=400 if form.is_submitted() else 200)


@tokens_bp.route("/<int(max=2147483647):token_id>/revoke", methods=["POST"])
@require("tenant.view")
def revoke(token_id: int) -> Any:
    try:
        services.revoke_token(token_id)
    except Invalid:
        abort(404)
    flash(_("The token was revoked. It no longer opens the API."), "success")
    return redirect(url_for("api_tokens.index"))
