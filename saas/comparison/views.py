"""Comparison rings: platform pages under /platform/rings, a tenant's pages under
/<tenant_slug>/comparison (participation, the ring page from the publication table, exports).
"""

from __future__ import annotations

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
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.comparison import exports, operations
from saas.comparison.forms import ComparisonQueryForm, RingForm, indicator_label
from saas.comparison.models import ComparisonRing
from saas.comparison.services import (
    COMPARISON_INDICATORS,
    Comparison,
    active_rings,
    last_published,
    member_counts,
    own_participations,
    ring_members,
)
from saas.core.charts import NARROW_WIDTH
from saas.core.crud import Column, Crud
from saas.core.fields import as_choices
from saas.core.permissions import PLATFORM_MANAGE, has_permission, require
from saas.core.unique import unique_code
from saas.jobs.queue import JobsUnavailable, enabled, enqueue
from saas.jobs.views import unavailable_page

bp = Blueprint(
    "comparison", __name__, url_prefix="/<tenant_slug>/comparison", template_folder="templates"
)
rings_bp = Blueprint("rings", __name__, url_prefix="/platform/rings", template_folder="templates")

DEFAULT_INDICATORS = ("HZE_ECKWERT",)


# -- platform: the rings ---------------------------------------------------------------------


def _ring_detail(ring: ComparisonRing) -> dict[str, Any]:
    return {"members": ring_members(ring.id)}


rings = Crud(
    model=ComparisonRing,  # type: ignore[arg-type]
    form_class=RingForm,
    singular=_l("Comparison ring"),
    plural=_l("Comparison rings"),
    columns=[Column("name", _l("Name")), Column("code", _l("Code"))],
    details=[
        Column("code", _l("Code")),
        Column("name", _l("Name")),
        Column("description", _l("Description")),
    ],
    read_permission=PLATFORM_MANAGE,
    write_permission=PLATFORM_MANAGE,
    check=unique_code(ComparisonRing),
    detail_context=_ring_detail,
    detail_template="comparison/ring_detail.html",
    platform=True,
).register(rings_bp)


# -- tenant: participation -------------------------------------------------------------------


@bp.route("/")
@require("reports.view")
def index() -> str:
    tenant = g.tenant
    return render_template(
        "comparison/index.html",
        rings=active_rings(),
        joined=own_participations(),
        counts=member_counts(),
        published_at=last_published(tenant.id),
        can_manage=has_permission("config.manage"),
        can_publish=has_permission("reports.publish"),
    )


@bp.route("/<int:ring_id>/join", methods=["POST"])
@require("config.manage")
def join(ring_id: int) -> Any:
    ring = operations.join(ring_id)
    if ring is not None:
        flash(_("Your municipality now takes part in %(ring)s.", ring=ring.name), "success")
    return redirect(url_for("comparison.index"))


@bp.route("/<int:ring_id>/leave", methods=["POST"])
@require("config.manage")
def leave(ring_id: int) -> Any:
    ring = operations.leave(ring_id)
    if ring is not None:
        flash(_("Your municipality no longer takes part in %(ring)s.", ring=ring.name), "success")
    return redirect(url_for("comparison.index"))


@bp.route("/publish", methods=["POST"])
@require("reports.publish")
def publish() -> Any:
    if operations.publish():
        flash(_("Your approved figures were published for the comparison."), "success")
    else:
        flash(
            _("Nothing was published: take part in a ring and approve whole years first."), "error"
        )
    return redirect(url_for("comparison.index"))


# -- tenant: the ring page -------------------------------------------------------------------


def _query(ring_id: int) -> tuple[ComparisonRing, ComparisonQueryForm, Comparison]:
    """The ring (404 unless the tenant takes part), the query form and its comparison."""
    form = ComparisonQueryForm(formdata=request.args if request.args else None)
    form.indicators.choices = as_choices(
        [(code, indicator_label(code)) for code in COMPARISON_INDICATORS]
    )
    codes = [c for c in (form.indicators.data or []) if c in COMPARISON_INDICATORS]
    if not codes:
        codes = list(DEFAULT_INDICATORS)
        form.indicators.data = codes
    ring, comparison = operations.compare(
        ring_id,
        codes,
        (_year(form.year_from.data), _year(form.year_to.data)),
        per_1000=form.counts.data != "absolute",
    )
    form.year_from.choices = form.year_to.choices = as_choices(
        [(str(y), str(y)) for y in comparison.available_years]
    )
    if comparison.years:
        form.year_from.data, form.year_to.data = str(comparison.years[0]), str(comparison.years[-1])
    return ring, form, comparison


def _year(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@bp.route("/<int:ring_id>")
@require("reports.view")
def ring(ring_id: int) -> str:
    ring, form, comparison = _query(ring_id)
    locale = str(get_locale() or "de")
    legend = exports.flag_legend(comparison)
    return render_template(
        "comparison/ring.html",
        ring=ring,
        form=form,
        comparison=comparison,
        charts=exports.charts(comparison, locale, g.tenant.id),
        narrow_charts=exports.charts(comparison, locale, g.tenant.id, NARROW_WIDTH),
        fmt=lambda value, decimals: exports.format_value(value, decimals, locale),
        texts=lambda table: exports.cell_texts(table, locale),
        label=indicator_label,
        unit=exports.unit_label,
        reference_rows=lambda table: exports.references(table, comparison.years),
        reference_values=exports.reference_values,
        notes=exports.footnotes(comparison),
        legend=legend,
        meanings=dict(legend),
        export_args=request.args.to_dict(flat=False),
    )


@bp.route("/<int:ring_id>/export.<fmt>")
@require("reports.view")
def export(ring_id: int, fmt: str) -> Any:
    """The table of the page as CSV or XLSX: written here, or, when it has more values than
    ``SAAS_RING_EXPORT_JOB_CELLS`` and jobs are on, by a background job (the job page then
    offers the file), as the reports' and the figures' large exports."""
    if fmt not in exports.FORMATS:
        abort(404)
    ring, form, comparison = _query(ring_id)
    if enabled() and exports.cells(comparison) > current_app.config["SAAS_RING_EXPORT_JOB_CELLS"]:
        return _as_job(ring, comparison, fmt, per_1000=form.counts.data != "absolute")
    data = exports.export_comparison(comparison, fmt, str(get_locale() or "de"))
    return Response(
        data,
        mimetype=exports.MIMETYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename={exports.filename(ring, fmt)}"},
    )


def _as_job(ring: ComparisonRing, comparison: Comparison, fmt: str, *, per_1000: bool) -> Any:
    """Queue the export (:func:`saas.comparison.tasks.export_ring`) with the comparison's
    own choice of indicators and years; the user follows it on the job page."""
    try:
        job_id = enqueue(
            "saas.comparison.tasks.export_ring",
            {
                "ring_id": ring.id,
                "codes": [table.indicator.code for table in comparison.tables],
                "year_from": comparison.years[0] if comparison.years else None,
                "year_to": comparison.years[-1] if comparison.years else None,
                "per_1000": per_1000,
                "fmt": fmt,
            },
            title=_("Comparison %(ring)s as %(format)s", ring=ring.name, format=fmt.upper()),
            tenant_id=g.tenant.id,
            user_id=int(current_user.id),
            locale=str(get_locale() or "de"),
        )
    except JobsUnavailable:
        return unavailable_page("export")
    return redirect(url_for("jobs.show", job_id=job_id), code=303)
