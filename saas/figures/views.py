"""Key figure pages: entry grid, file import with preview, export, period workflow.

A large file is checked and applied, a large export written, by a background job
(:mod:`saas.jobs`) when jobs are on; the page then goes to the job's progress page.

Views parse and answer; the operations of :mod:`saas.figures.services` and
:mod:`saas.periods.services` check permission and scope, validate and flush; the request's
commit point commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.core.audit import history
from saas.core.crud import name_of
from saas.core.db import db
from saas.core.operations import Conflict, Invalid, commit
from saas.core.permissions import require
from saas.core.tenancy import shared_or_own
from saas.core.workflow import workflow
from saas.figures.grid import PERIOD, apply_row_messages, fingerprint, format_value, grid_rows
from saas.figures.services import (
    apply_import_batch,
    area_choices,
    check_upload,
    load_area,
    load_figure,
    own_batch,
    purge_import_batches,
    receive_upload,
    save_figure_grid,
)
from saas.metrics.models import Metric
from saas.periods.services import is_editable, period_status

bp = Blueprint(
    "figures", __name__, url_prefix="/<tenant_slug>/figures", template_folder="templates"
)


def _locale() -> str:
    return str(get_locale() or "de")


def _default_period() -> str:
    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@bp.route("/")
@require("figures.enter")
def index() -> Any:
    area_id = request.args.get("area", type=int)
    period = request.args.get("period", "") or _default_period()
    if area_id and PERIOD.match(period):
        return redirect(url_for("figures.grid", area_id=area_id, period=period))
    return render_template("figures/index.html", areas=area_choices(), period=period)


@bp.route("/grid/<int:area_id>/<period>", methods=["GET", "POST"])
@require("figures.enter")
def grid(area_id: int, period: str) -> Any:
    area = load_area(area_id)
    if not PERIOD.match(period):
        abort(404)
    rows = grid_rows(area.id, period)
    editable = is_editable("area", area.id, period)
    status_code = 200
    conflict = False
    if request.method == "POST":
        entered = {
            r.metric.code: request.form.get(f"m_{r.metric.id}", "").strip()
            for r in rows
            if not r.readonly
        }
        for r in rows:
            r.entered = entered.get(r.metric.code, "")
        changed = {
            code: value
            for code, value in entered.items()
            if value and value != format_value(_stored(rows, code))
        }
        if not changed and request.form.get("fingerprint") == fingerprint(rows):
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("figures.grid", area_id=area.id, period=period))
        try:
            check = save_figure_grid(
                area.id,
                period,
                changed,
                started_from=request.form.get("fingerprint", ""),
                confirmed=bool(request.form.get("confirm")),
                locale=_locale(),
            )
        except Conflict:
            conflict = True
            status_code = 409
            flash(
                _(
                    "Someone else saved figures of this page while you were editing. Your "
                    "entries are kept below next to the saved values; check and save again."
                ),
                "error",
            )
        else:
            if check.ok and (not check.warnings or request.form.get("confirm")):
                flash(
                    _("The figures were saved: %(summary)s", summary=check.summary(_locale())),
                    "success",
                )
                return redirect(url_for("figures.grid", area_id=area.id, period=period))
            apply_row_messages(rows, check, list(changed))
            status_code = 400 if not check.ok else 200
            if check.ok:
                flash(_("Please check the marked values and confirm."), "info")
    status = period_status("area", area.id, period)
    return render_template(
        "figures/grid.html",
        area=area,
        period=period,
        rows=rows,
        editable=editable,
        fingerprint=fingerprint(grid_rows(area.id, period)) if conflict else fingerprint(rows),
        format_value=format_value,
        state=workflow().state(status.state if status else None),
        transitions=workflow().available(status.state if status else None),
        needs_confirm=any(r.warnings for r in rows) and not any(r.errors for r in rows),
        conflict=conflict,
    ), status_code


def _stored(rows: list[Any], code: str) -> float | None:
    for r in rows:
        if r.metric.code == code and r.value is not None:
            return r.value.value
    return None


@bp.route("/values/<int:object_id>")
@require("figures.enter")
def value(object_id: int) -> str:
    from saas.areas.models import Area

    figure = load_figure(object_id)
    metric = db.session.execute(select(Metric).where(Metric.id == figure.metric_id)).scalar_one()
    return render_template(
        "figures/value.html",
        figure=figure,
        metric=metric,
        area_name=name_of(Area, figure.area_id),
        format_value=format_value,
        history=history("figure_values", figure.id),
    )


# -- import: upload → check (here or in a job) → preview → "Übernehmen" → summary ---------


def _large(size: int, lines: int) -> bool:
    """Whether a file is checked in a background job (when jobs are on)."""
    config = current_app.config
    return size > config["SAAS_IMPORT_JOB_BYTES"] or lines > config["SAAS_IMPORT_JOB_ROWS"]


def _enqueue(task: str, params: dict[str, Any], title: str) -> Any:
    from saas.jobs.queue import enqueue

    job_id = enqueue(
        f"saas.figures.tasks.{task}",
        params,
        title=title,
        tenant_id=g.tenant.id,
        user_id=int(current_user.id),
        locale=_locale(),
    )
    return redirect(url_for("jobs.show", job_id=job_id), code=303)


def _import_page(status: int = 200, **context: Any) -> Any:
    context.setdefault("check", None)
    return render_template("figures/import.html", **context), status


@bp.route("/import", methods=["GET", "POST"])
@require("figures.enter")
def import_file() -> Any:
    from saas.core.uploads import UploadRateUnavailable, upload_refusal
    from saas.figures.importer import MAX_BYTES
    from saas.jobs.queue import JobsUnavailable, enabled, ping
    from saas.jobs.views import unavailable_page

    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Please choose a CSV or XLSX file."), "error")
        return _import_page(400)
    try:
        refused = upload_refusal("figures")
    except UploadRateUnavailable:
        return unavailable_page()
    if refused:
        flash(refused, "error")
        return _import_page(429)
    data = upload.read(MAX_BYTES + 1)
    if enabled() and len(data) <= MAX_BYTES and _large(len(data), data.count(b"\n")):
        try:
            ping()
            batch = receive_upload(upload.filename, data)
            commit()  # the worker must find the batch: it is stored before the job is queued
            return _enqueue(
                "check_file",
                {"batch_id": batch.id, "locale": _locale()},
                _("Checking %(name)s", name=batch.filename),
            )
        except JobsUnavailable:
            return unavailable_page()
    purge_import_batches()
    outcome = check_upload(upload.filename, data, locale=_locale())
    if outcome.batch is None:
        return _import_page(400, check=outcome.check)
    return redirect(url_for("figures.import_batch", batch_id=outcome.batch.id), code=303)


@bp.route("/import/<int:batch_id>")
@require("figures.enter")
def import_batch(batch_id: int) -> Any:
    from saas.figures.preview import period_label

    batch = own_batch(batch_id)
    return render_template(
        "figures/preview.html",
        batch=batch,
        details=batch.details or {},
        period_label=lambda p: period_label(p, _locale()),
    ), (400 if batch.status == "invalid" else 200)


@bp.route("/import/<int:batch_id>/apply", methods=["POST"])
@require("figures.enter")
def apply_batch(batch_id: int) -> Any:
    from saas.figures.preview import period_label
    from saas.jobs.queue import JobsUnavailable, enabled
    from saas.jobs.views import unavailable_page

    batch = own_batch(batch_id, "pending")
    choices = {
        int(name[len("conflict_") :]): value
        for name, value in request.form.items()
        if name.startswith("conflict_") and name[len("conflict_") :].isdigit()
    }
    choose_all = request.form.get("choose_all", "")
    counts = (batch.details or {}).get("counts", {})
    if enabled() and _large(len(batch.content), sum(counts.values())):
        try:
            return _enqueue(
                "apply_file",
                {
                    "batch_id": batch.id,
                    "choices": choices,
                    "choose_all": choose_all,
                    "locale": _locale(),
                },
                _("Importing %(name)s", name=batch.filename),
            )
        except JobsUnavailable:
            return unavailable_page()
    try:
        outcome = apply_import_batch(
            batch.id, choices=choices, choose_all=choose_all, locale=_locale()
        )
    except Invalid as error:
        flash(error.message, "error")
        return render_template(
            "figures/preview.html",
            batch=batch,
            details=batch.details or {},
            chosen=choices,
            choose_all=choose_all,
            period_label=lambda p: period_label(p, _locale()),
        ), 400
    if outcome.changed:
        flash(
            _(
                "The stored values changed since the preview. Nothing was written; please "
                "check the new preview."
            ),
            "error",
        )
    return redirect(url_for("figures.import_batch", batch_id=batch.id), code=303)


# -- export ----------------------------------------------------------------------------------


def _selection(args: Any) -> Any:
    from saas.figures.exporter import Selection

    areas = [int(a) for a in args.getlist("area") if a.isdigit()]
    metrics = [m for m in args.getlist("metric") if m]
    first, last = args.get("from", "").strip(), args.get("to", "").strip()
    for value in (first, last):
        if value and not PERIOD.match(value):
            abort(400)
    return Selection(
        area_ids=frozenset(areas) if areas else None,
        metric_codes=frozenset(metrics) if metrics else None,
        period_from=first,
        period_to=last,
    )


@bp.route("/export")
@require("figures.enter")
def export_page() -> str:
    from saas.metrics.models import Metric

    metrics = db.session.execute(
        select(Metric).where(shared_or_own(Metric)).order_by(Metric.code)
    ).scalars()
    return render_template(
        "figures/export.html",
        areas=area_choices(include_archived=True),
        metrics=[m for m in metrics if (m.rules or {}).get("source") != "activities"],
    )


@bp.route("/export.<fmt>")
@require("figures.enter")
def export(fmt: str) -> Any:
    from saas.figures.exporter import MIMETYPES, TooManyRows, count_rows, export_figures
    from saas.jobs.queue import JobsUnavailable, enabled
    from saas.jobs.views import unavailable_page

    if fmt not in ("csv", "xlsx"):
        abort(404)
    selection = _selection(request.args)
    template = request.args.get("template") == "1"
    if template and not (selection.period_from or selection.period_to):
        flash(_("A template needs a period range (from, to)."), "error")
        return redirect(url_for("figures.export_page"))
    if enabled() and (
        template or count_rows(selection) > current_app.config["SAAS_EXPORT_JOB_ROWS"]
    ):
        try:
            return _enqueue(
                "export_file",
                {
                    "fmt": fmt,
                    "area_ids": sorted(selection.area_ids) if selection.area_ids else None,
                    "metric_codes": sorted(selection.metric_codes)
                    if selection.metric_codes
                    else None,
                    "period_from": selection.period_from,
                    "period_to": selection.period_to,
                    "template": template,
                },
                _("Exporting key figures"),
            )
        except JobsUnavailable:
            return unavailable_page("export")
    try:
        content = export_figures(fmt, selection, template=template)
    except TooManyRows as error:
        flash(
            _(
                "The template would have more than %(limit)s lines. Please choose fewer areas, "
                "metrics or months.",
                limit=str(error),
            ),
            "error",
        )
        return redirect(url_for("figures.export_page"))
    return Response(
        content,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename=kennzahlen.{fmt}"},
    )
