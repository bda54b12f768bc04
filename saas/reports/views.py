"""A tenant's report pages under ``/<slug>/reports``.

Permissions
    ``reports.view`` (every role): the list and the published snapshots with their downloads
    — reading what the office presented is what viewers (committee members, controlling)
    are for.
    ``reports.run`` (coordinators, tenant admins): running a template on the current data,
    as HTML or as CSV/XLSX/PDF (the download shows nothing the page does not).
    ``reports.publish`` (coordinators, tenant admins): publishing a snapshot in the name of the
    office, and copying, editing and archiving tenant-local template variants — a variant
    changes what the office presents to its committee, so it needs the same right as
    publishing (``config.manage`` would lock out the coordinators who prepare the reports).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from saas.areas.models import AreaLevel
from saas.core.charts import NARROW_WIDTH
from saas.core.crud import conflict_page
from saas.core.db import db
from saas.core.operations import Conflict, Invalid
from saas.core.permissions import ensure_unscoped, has_permission, require
from saas.core.tenancy import get_or_404
from saas.core.versions import current_version
from saas.protection.service import figures_revisions
from saas.protection.views import builds_in_background
from saas.reports import operations, store
from saas.reports.builder import area_levels, latest_data_year, tenant_words
from saas.reports.definition import DefinitionError, dump
from saas.reports.document import Document
from saas.reports.exports import FORMATS, MIMETYPES, filename, render
from saas.reports.forms import TemplateForm
from saas.reports.models import PublishedReport, ReportTemplate
from saas.reports.result import ReportResult, chart_markup, current_locale, format_cell

bp = Blueprint(
    "reports", __name__, url_prefix="/<tenant_slug>/reports", template_folder="templates"
)

MIN_YEAR, MAX_YEAR, MAX_SPAN = 1990, 2100, 30


@bp.context_processor
def indicator_codes() -> dict[str, Any]:
    """The indicator codes a definition may name (help table of the editors)."""
    from saas.indicators.definitions import INDICATORS

    return {"indicators": INDICATORS}


#: the download buttons' names of the formats
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel (XLSX)", "pdf": "PDF", "docx": "Word (DOCX)"}


def _helpers() -> dict[str, Any]:
    return {
        "fmt": format_cell,
        "chart": chart_markup,
        "narrow_chart": lambda c: chart_markup(c, NARROW_WIDTH),  # the phones' layout
        "format_names": FORMAT_NAMES,
    }


def words(text: str) -> str:
    return tenant_words(text or "", g.tenant)


@bp.route("/")
@require("reports.view")
def index() -> str:
    latest = store.latest_shared()
    variants = [(t, store.newer_version(t, latest)) for t in store.local_variants()]
    published = list(
        db.session.execute(
            select(PublishedReport).order_by(PublishedReport.published_at.desc()).limit(100)
        ).scalars()
    )
    return render_template(
        "reports/index.html",
        shared=list(latest.values()),
        variants=variants,
        published=published,
        words=words,
        can_run=has_permission("reports.run"),
        can_publish=has_permission("reports.publish"),
    )


# -- parameters ------------------------------------------------------------------------------


def _last_default() -> int:
    """The last year with figures (or last year): the report's default end."""
    return latest_data_year() or date.today().year - 1


def _params(args: Any) -> tuple[dict[str, Any], list[str]]:
    """from/to/level of a request, with defaults; the messages of invalid values."""
    errors = []
    try:
        last = int(args.get("to") or _last_default())
        first = int(args.get("from") or last - 9)
    except ValueError:
        last_default = _last_default()
        return {"from": last_default - 9, "to": last_default, "level": None}, [
            _("Please enter the years as four-digit numbers.")
        ]
    if not (MIN_YEAR <= first <= MAX_YEAR and MIN_YEAR <= last <= MAX_YEAR):
        errors.append(
            _("The years must lie between %(min)s and %(max)s.", min=MIN_YEAR, max=MAX_YEAR)
        )
    elif first > last:
        errors.append(_("The first year must not lie after the last year."))
    elif last - first >= MAX_SPAN:
        errors.append(_("A report covers at most %(n)s years.", n=MAX_SPAN))
    level = args.get("level") or None
    return {"from": first, "to": last, "level": level}, errors


def _run(
    template: ReportTemplate, params: dict[str, Any], levels: list[AreaLevel] | None = None
) -> ReportResult:
    return operations.run(template, params["from"], params["to"], params["level"], levels=levels)


def _as_job(task: str, params: dict[str, Any]) -> Any:
    """Queue a download (all but CSV) as a background job when jobs are on; else None."""
    from flask_login import current_user

    from saas.jobs.queue import JobsUnavailable, enabled, enqueue
    from saas.jobs.views import unavailable_page

    if params["fmt"] == "csv" or not enabled():
        return None
    try:
        job_id = enqueue(
            f"saas.reports.tasks.{task}",
            params,
            title=_("Report as %(format)s", format=params["fmt"].upper()),
            tenant_id=g.tenant.id,
            user_id=int(current_user.id),
            locale=current_locale(),
        )
    except JobsUnavailable:
        return unavailable_page("export")
    return redirect(url_for("jobs.show", job_id=job_id), code=303)


def _download(report: ReportResult | Document, fmt: str) -> Response:
    result = report.result if isinstance(report, Document) else report
    return Response(
        render(report, fmt),
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename(result, fmt)}"'},
    )


def _choices() -> tuple[list[ReportTemplate], list[ReportTemplate], dict[str, ReportTemplate]]:
    latest, variants = store.choices()
    return list(latest.values()), variants, latest


# -- running ---------------------------------------------------------------------------------


@bp.route("/run")
@require("reports.run")
@builds_in_background
def run() -> Any:
    ensure_unscoped()  # a report covers every area; local roles do not run them
    shared, variants, latest = _choices()
    params, errors = _params(request.args)
    template = result = None
    levels = area_levels()
    if request.args.get("template"):
        listed = {str(t.id): t for t in [*shared, *variants]}  # read already, all visible
        template = listed.get(request.args["template"]) or store.visible_template(
            request.args["template"]
        )
        if not errors:
            try:
                result = _run(template, params, levels)
            except DefinitionError as error:
                errors = [_("This template cannot be run: %(errors)s", errors=str(error))]
    for message in errors:
        flash(message, "error")
    return render_template(
        "reports/run.html",
        shared=shared,
        variants=variants,
        template=template,
        newer=store.newer_version(template, latest) if template is not None else None,
        params=params,
        levels=levels,
        result=result,
        query={"template": template.id if template else None, **params},
        can_publish=has_permission("reports.publish"),
        formats=FORMATS,
        **_helpers(),
    ), (400 if errors else 200)


@bp.route("/run/export.<fmt>")
@require("reports.run")
@builds_in_background
def export(fmt: str) -> Any:
    ensure_unscoped()
    if fmt not in FORMATS:
        abort(404)
    template = store.visible_template(request.args.get("template"))
    params, errors = _params(request.args)
    if errors:
        abort(400)
    job = _as_job(
        "export_run",
        {
            "template_id": template.id,
            "first": params["from"],
            "last": params["to"],
            "level": params["level"],
            "fmt": fmt,
        },
    )
    if job is not None:
        return job
    try:
        result = _run(template, params)
    except DefinitionError:
        abort(400)
    return _download(result, fmt)


def _comments(form: Any) -> dict[int, str]:
    """The commentary fields of a form (``comment-<section position>``)."""
    texts = {}
    for name, value in form.items():
        position = name.removeprefix("comment-")
        if name.startswith("comment-") and position.isdigit():
            texts[int(position)] = value
    return texts


@bp.route("/run/publish", methods=["GET", "POST"])
@require("reports.publish")
def publish() -> Any:
    """GET: the report with a commentary field per section; POST: publish it with them."""
    ensure_unscoped()
    values = request.form if request.method == "POST" else request.args
    template = store.visible_template(values.get("template"))
    params, errors = _params(values)
    if errors:
        for message in errors:
            flash(message, "error")
        return redirect(url_for("reports.run", template=template.id))
    comments = _comments(request.form)
    if request.method == "POST":
        try:
            report = operations.publish_report(
                template.id, params["from"], params["to"], params["level"], comments
            )
        except DefinitionError:
            abort(400)
        except Invalid as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(
                _("The report was published. Later data changes do not alter this snapshot."),
                "success",
            )
            return redirect(url_for("reports.published", report_id=report.id))
    try:
        result = _run(template, params)
    except DefinitionError:
        abort(400)
    return render_template(
        "reports/publish.html",
        template=template,
        result=result,
        comments=comments,
        comment_form="publish-form",
        **_helpers(),
    ), (400 if request.method == "POST" else 200)


# -- published snapshots ---------------------------------------------------------------------


@bp.route("/published/<int:report_id>")
@require("reports.view")
def published(report_id: int) -> str:
    ensure_unscoped()
    report = get_or_404(PublishedReport, report_id)
    commentary = operations.commentary_of(report.id)
    result = ReportResult.from_dict(report.snapshot)
    return render_template(
        "reports/published.html",
        report=report,
        result=result,
        revised=revised_years(result),
        comments=commentary.texts() if commentary else {},
        can_publish=has_permission("reports.publish"),
        formats=FORMATS,
        **_helpers(),
    )


def revised_years(result: ReportResult) -> list[int]:
    """The years whose figures changed since the snapshot was built (its revision)."""
    recorded = {
        int(year): entry.get("revision", "")
        for year, entry in (result.protection.get("years") or {}).items()
    }
    if not recorded:
        return []
    current = figures_revisions(recorded)
    return sorted(year for year, revision in recorded.items() if current.get(year) != revision)


def _document(report: PublishedReport) -> Document:
    """A snapshot with its commentary, as every export prints it."""
    commentary = operations.commentary_of(report.id)
    return Document(
        ReportResult.from_dict(report.snapshot),
        commentary.texts() if commentary else {},
        report.published_at,
    )


@bp.route("/published/<int:report_id>/export.<fmt>")
@require("reports.view")
def published_export(report_id: int, fmt: str) -> Any:
    ensure_unscoped()
    if fmt not in FORMATS:
        abort(404)
    report = get_or_404(PublishedReport, report_id)
    job = _as_job("export_published", {"report_id": report.id, "fmt": fmt})
    if job is not None:
        return job
    return _download(_document(report), fmt)


@bp.route("/published/<int:report_id>/commentary", methods=["GET", "POST"])
@require("reports.publish")
def commentary(report_id: int) -> Any:
    """Write or correct the office's commentary of a snapshot (its numbers stay frozen)."""
    ensure_unscoped()
    report = get_or_404(PublishedReport, report_id)
    stored = operations.commentary_of(report.id)
    saved = stored.texts() if stored else {}
    stamp = str(current_version(stored)) if stored else "0"
    comments, status, changed = saved, 200, False
    if request.method == "POST":
        comments = _comments(request.form)
        try:
            operations.edit_commentary(report.id, comments, request.form.get("stamp"))
        except Conflict:
            db.session.rollback()
            stored = operations.commentary_of(report.id)
            saved = stored.texts() if stored else {}
            stamp = str(current_version(stored)) if stored else "0"
            flash(
                _(
                    "Someone else changed the commentary meanwhile. Their text is shown above "
                    "each field, yours in it: save again to keep yours."
                ),
                "error",
            )
            status, changed = 409, True
        except Invalid as error:
            db.session.rollback()
            flash(error.message, "error")
            status = 400
        else:
            flash(_("The commentary was saved."), "success")
            return redirect(url_for("reports.published", report_id=report.id))
    return render_template(
        "reports/commentary.html",
        report=report,
        result=ReportResult.from_dict(report.snapshot),
        comments=comments,
        saved=saved if changed else None,
        stamp=stamp,
        comment_form="commentary-form",
        **_helpers(),
    ), status


# -- local variants --------------------------------------------------------------------------


@bp.route("/templates/<int:template_id>/copy", methods=["POST"])
@require("reports.publish")
def copy(template_id: int) -> Any:
    variant = operations.copy_template(template_id)
    flash(_("A local variant was created. Adjust it to your needs."), "success")
    return redirect(url_for("reports.edit", template_id=variant.id))


def _texts(form: TemplateForm) -> dict[str, Any]:
    return {name: form[name].data for name in ("title_de", "title_en", "description")}


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@require("reports.publish")
def edit(template_id: int) -> Any:
    template = store.own_template(template_id)
    if template.archived_at is not None:
        abort(404)
    form = TemplateForm(obj=template)
    if request.method == "GET":
        form.definition.data = dump(template.definition)
        form.stamp.data = str(current_version(template))
    elif form.validate_on_submit():
        definition = form.parsed_definition(current_locale())
        if definition is not None:
            try:
                operations.edit_variant(template.id, _texts(form), definition, form.stamp.data)
            except Conflict:
                db.session.rollback()
                return template_conflict(form, store.own_template(template_id))
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("reports.run", template=template.id))
    status = 400 if form.is_submitted() else 200
    return render_template("reports/edit.html", form=form, template=template), status


def template_conflict(form: TemplateForm, current: ReportTemplate, **version: Any) -> Any:
    """The conflict page for a report template: the user's texts beside the saved ones."""
    stored = TemplateForm(formdata=None, obj=current)
    stored.definition.data = dump(current.definition)
    return conflict_page(
        form,
        stored,
        current,
        ["title_de", "title_en", "description", "definition"],
        action=request.path,
        cancel=request.path,
        version_field="stamp",
        **version,
    )


@bp.route("/templates/<int:template_id>/archive", methods=["POST"])
@require("reports.publish")
def archive(template_id: int) -> Any:
    operations.archive_variant(template_id)
    flash(_("The local variant was archived."), "success")
    return redirect(url_for("reports.index"))
