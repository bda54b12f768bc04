"""Key figure pages: entry grid, file import with confirmation, export, period workflow.

Views parse and answer; the operations of :mod:`saas.figures.services` and
:mod:`saas.periods.services` check permission and scope, validate and flush; the request's
commit point commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.audit import history
from saas.core.crud import name_of
from saas.core.db import db
from saas.core.operations import Conflict
from saas.core.permissions import require
from saas.core.workflow import workflow
from saas.figures.grid import PERIOD, apply_row_messages, fingerprint, format_value, grid_rows
from saas.figures.services import (
    area_choices,
    confirm_import,
    import_figures,
    load_area,
    load_figure,
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


@bp.route("/import", methods=["GET", "POST"])
@require("figures.enter")
def import_file() -> Any:
    from saas.figures.importer import MAX_BYTES

    if request.method == "GET":
        return render_template("figures/import.html", check=None)
    batch_id = request.form.get("batch", type=int)
    if batch_id:  # confirmation of a file with warnings
        outcome = confirm_import(batch_id, locale=_locale())
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Please choose a CSV or XLSX file."), "error")
            return render_template("figures/import.html", check=None), 400
        outcome = import_figures(upload.filename, upload.read(MAX_BYTES + 1), locale=_locale())
    check = outcome.check
    if outcome.applied:
        flash(_("Import finished: %(summary)s", summary=check.summary(_locale())), "success")
        return render_template("figures/import.html", check=check, done=True)
    return render_template("figures/import.html", check=check, batch=outcome.batch), (
        200 if check.ok else 400
    )


@bp.route("/export.<fmt>")
@require("figures.enter")
def export(fmt: str) -> Response:
    from saas.figures.exporter import export_figures

    if fmt not in ("csv", "xlsx"):
        abort(404)
    mimetype = (
        "text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        export_figures(fmt),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=kennzahlen.{fmt}"},
    )
