"""Shared report templates under ``/platform/report-templates`` (platform admins only).

A shared template is never edited in place: saving creates a new row with the next version,
so published snapshots and tenants' local variants keep naming the version they used, and
tenants see that a newer version exists. Archiving hides every version of a template from
the tenants' report pages (published snapshots stay readable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.core.crud import field_errors, sort_order
from saas.core.db import db
from saas.core.operations import Conflict, Invalid
from saas.core.permissions import PLATFORM_MANAGE, require
from saas.reports import operations, store
from saas.reports.definition import dump
from saas.reports.forms import NewTemplateForm, TemplateForm
from saas.reports.models import ReportTemplate
from saas.reports.result import current_locale
from saas.reports.views import indicator_codes, template_conflict

bp = Blueprint(
    "report_templates",
    __name__,
    url_prefix="/platform/report-templates",
    template_folder="templates",
)


bp.context_processor(indicator_codes)


#: what each sortable column of the list orders by (?sort=code, ?sort=-changed …)
SORT_KEYS: dict[str, Callable[[ReportTemplate], Any]] = {
    "title": lambda t: t.title.casefold(),
    "code": lambda t: t.code,
    "version": lambda t: t.version,
    "changed": lambda t: t.created_at,
}


@bp.route("/")
@require(PLATFORM_MANAGE)
def index() -> str:
    show_archived = request.args.get("archived") == "1"
    latest = store.latest_shared(include_archived=True)
    templates = [t for t in latest.values() if show_archived or t.archived_at is None]
    sort = sort_order(SORT_KEYS)
    if sort is not None:  # a few dozen rows, already loaded: sorted here, ties by title
        templates.sort(key=SORT_KEYS[sort[0]], reverse=sort[1])
    return render_template(
        "report_templates/index.html",
        templates=templates,
        show_archived=show_archived,
        sort=sort,
    )


@bp.route("/<int:template_id>")
@require(PLATFORM_MANAGE)
def detail(template_id: int) -> str:
    template = store.shared_template(template_id)
    all_versions = store.versions(template.code)
    return render_template(
        "report_templates/detail.html",
        template=template,
        versions=all_versions,
        latest=all_versions[0],
        definition=dump(template.definition),
    )


def _texts(form: TemplateForm) -> dict[str, Any]:
    return {name: form[name].data for name in ("title_de", "title_en", "description")}


@bp.route("/new", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def new() -> Any:
    form = NewTemplateForm()
    if request.method == "GET":
        form.definition.data = dump(
            {"sections": [{"type": "text", "title_de": "…", "text_de": "…"}]}
        )
    elif form.validate_on_submit():
        definition = form.parsed_definition(current_locale())
        if definition is not None:
            try:
                template = operations.create_shared_template(
                    form.code.data, _texts(form), definition
                )
            except Invalid as error:
                field_errors(form, error)
            else:
                flash(_("The report template was created."), "success")
                return redirect(url_for("report_templates.detail", template_id=template.id))
    status = 400 if form.is_submitted() else 200
    return render_template("report_templates/form.html", form=form, template=None), status


@bp.route("/<int:template_id>/new-version", methods=["GET", "POST"])
@require(PLATFORM_MANAGE)
def new_version(template_id: int) -> Any:
    """Copy the latest version into the form; saving stores it as the next version."""
    template = store.shared_template(template_id)
    latest = store.versions(template.code)[0]
    if latest.archived_at is not None:
        abort(404)
    form = TemplateForm(obj=latest)
    if request.method == "GET":
        form.definition.data = dump(latest.definition)
        form.stamp.data = str(latest.version)
    elif form.validate_on_submit():
        definition = form.parsed_definition(current_locale())
        if definition is not None:
            try:
                created = operations.save_shared_version(
                    template_id, _texts(form), definition, form.stamp.data
                )
            except Conflict:
                db.session.rollback()
                latest = store.versions(template.code)[0]
                return template_conflict(form, latest, version=str(latest.version))
            flash(_("Version %(version)s was saved.", version=created.version), "success")
            return redirect(url_for("report_templates.detail", template_id=created.id))
    status = 400 if form.is_submitted() else 200
    return render_template("report_templates/form.html", form=form, template=latest), status


def _set_archived(template_id: int, archived: bool) -> Any:
    template = operations.set_shared_archived(template_id, archived)
    flash(
        _("The template was archived.") if archived else _("The template is active again."),
        "success",
    )
    return redirect(url_for("report_templates.detail", template_id=template.id))


@bp.route("/<int:template_id>/archive", methods=["POST"])
@require(PLATFORM_MANAGE)
def archive(template_id: int) -> Any:
    return _set_archived(template_id, True)


@bp.route("/<int:template_id>/restore", methods=["POST"])
@require(PLATFORM_MANAGE)
def restore(template_id: int) -> Any:
    return _set_archived(template_id, False)
