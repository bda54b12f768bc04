"""Impact analysis pages: all offices, one office with charts and tables, exports, costs.

The pages need ``reports.run`` (coordinators and tenant admins), like running a report on
the current figures: the analysis reads unapproved figures and small areas' cases, which
viewers — who read published reports — and staff do not get. A membership limited to
offices sees its own offices' analyses only. The served and comparison groups are nodes of
the tenant's protected cube (:mod:`saas.impact.disclosure`): what it withholds is withheld
on the page and in the exports alike (:mod:`saas.impact.exports`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from saas.core.charts import NARROW_WIDTH, WIDTH, Series, line_chart
from saas.core.db import db
from saas.core.labels import word
from saas.core.operations import Conflict
from saas.core.permissions import ensure_in_scope, has_permission, in_scope, require
from saas.core.tenancy import get_or_404
from saas.impact import exports
from saas.impact.forms import RESET_LABEL, CostsForm
from saas.impact.services import (
    DEFAULT_COSTS,
    TYPE_LABELS,
    WINDOW_DEFAULT,
    WINDOW_MAX,
    WINDOW_MIN,
    ImpactResult,
    analyse_all,
    analyse_office,
    configured_costs,
    effective_costs,
    save_costs,
)
from saas.offices.models import Office
from saas.protection.views import builds_in_background

bp = Blueprint("impact", __name__, url_prefix="/<tenant_slug>/impact", template_folder="templates")
PERMISSION = "reports.run"


def _locale() -> str:
    return str(get_locale() or "de")


def _options() -> tuple[int, bool]:
    """Window (1–5, default 3; anything else falls back to the default) and approved only."""
    window = request.args.get("window", type=int)
    if window is None or not WINDOW_MIN <= window <= WINDOW_MAX:
        window = WINDOW_DEFAULT
    return window, request.args.get("approved") == "1"


def _matched() -> bool:
    """Compare with the matched comparison areas (``comparison=matched``); any other value
    of the parameter, or none, compares with all never-served areas."""
    return request.args.get("comparison") == "matched"


def _limit() -> int:
    return exports.threshold(g.tenant.settings)


@bp.route("/")
@require(PERMISSION)
@builds_in_background
def index() -> Any:
    window, approved_only = _options()
    # a local role sees the analyses of its own offices (each compares with the rest)
    results = [
        r
        for r in analyse_all(window, approved_only=approved_only)
        if in_scope(office_id=r.office_id)
    ]
    cells = {r.office_id: exports.overview_cells(r) for r in results}
    used = exports.flags([], *(c for found in cells.values() for c in found.values()))
    return render_template(
        "impact/index.html",
        results=results,
        cells=cells,
        legend=(legend := exports.flag_legend(used, _limit())),
        meanings=dict(legend),
        caveat=exports.caveat(),
        window=window,
        windows=range(WINDOW_MIN, WINDOW_MAX + 1),
        approved_only=approved_only,
        fmt=exports.format_number,
        locale=_locale(),
        can_edit_costs=has_permission("config.manage"),
    )


def _chart(result: ImpactResult, width: int = WIDTH) -> Any:
    """The trends of both groups, indexed to the opening year; ``width`` the drawing's
    width (:data:`NARROW_WIDTH`: the layout the page shows on phones)."""
    if not result.ok or not result.years:
        return None
    years = [row.year for row in result.years]
    treated, control = exports.group_labels()
    return line_chart(
        _("HzE rate indexed to the opening year (%(year)s = 100)", year=result.opening_year),
        [str(y) for y in years],
        [
            Series(treated, [row.treated.index for row in result.years]),
            Series(control, [row.control.index for row in result.years]),
        ],
        description=_(
            "Line chart of the HzE rate per 1,000 under-21s in the %(areas)s served by "
            "%(office)s and in the comparison %(areas)s, each indexed to %(year)s = 100. The "
            "table below holds the same values.",
            areas=word("areas"),
            office=result.office_name,
            year=result.opening_year,
        ),
        locale=_locale(),
        mark_x=years.index(result.opening_year) if result.opening_year in years else None,
        mark_label=_("Opening %(date)s", date=result.opened_on.strftime("%m/%Y"))
        if result.opened_on
        else "",
        width=width,
    )


def _event_chart(result: ImpactResult, width: int = WIDTH) -> Any:
    """The event study: the effect by year relative to the opening with its 95 % interval;
    ``width`` as for :func:`_chart`."""
    u = result.uncertainty
    if u is None or result.opening_year is None:
        return None
    labels = [f"{y - result.opening_year:+d} ({y})" for y in u.event_years]
    return line_chart(
        _("Effect by year relative to the opening (‰ points, year before the opening = 0)"),
        labels,
        [
            Series(_("Effect"), [e.estimate for e in u.events]),
            Series(
                _("%(level)s interval, lower end", level="95 %"),
                [e.low for e in u.events],
                reference=True,
            ),
            Series(
                _("%(level)s interval, upper end", level="95 %"),
                [e.high for e in u.events],
                reference=True,
            ),
        ],
        description=_(
            "Line chart of the gap between the served and the comparison %(areas)s in each "
            "year, minus the gap in the year before the opening, with the 95 %% interval. "
            "Before the opening the line should stay near zero. The event study table holds "
            "the same values.",
            areas=word("areas"),
        ),
        locale=_locale(),
        mark_x=u.event_years.index(result.opening_year),
        mark_label=_("Opening %(date)s", date=result.opened_on.strftime("%m/%Y"))
        if result.opened_on
        else "",
        width=width,
    )


@bp.route("/<int:office_id>")
@require(PERMISSION)
@builds_in_background
def office(office_id: int) -> Any:
    obj = get_or_404(Office, office_id)
    ensure_in_scope(obj)
    window, approved_only = _options()
    matched = _matched()
    result = analyse_office(obj, window=window, approved_only=approved_only, matched=matched)
    tables = exports.analysis_tables(result, _locale(), _limit())
    key_figures = exports.overview_cells(result)
    used = exports.flags(tables, *key_figures.values())
    return render_template(
        "impact/office.html",
        matched=matched,
        matching=exports.matching_text(result),
        office=obj,
        result=result,
        chart=_chart(result),
        event_chart=_event_chart(result),
        narrow_chart=_chart(result, NARROW_WIDTH),  # the phones' layouts (app.css shows one)
        narrow_event_chart=_event_chart(result, NARROW_WIDTH),
        verdict=exports.verdict(result, _locale()),
        tables=tables,
        cells=key_figures,
        legend=(legend := exports.flag_legend(used, _limit())),
        meanings=dict(legend),
        limit=_limit(),
        caveat=exports.caveat(),
        window=window,
        windows=range(WINDOW_MIN, WINDOW_MAX + 1),
        approved_only=approved_only,
        fmt=exports.format_number,
        locale=_locale(),
        can_edit_costs=has_permission("config.manage"),
    )


@bp.route("/<int:office_id>/export.<fmt>")
@require(PERMISSION)
@builds_in_background
def export(office_id: int, fmt: str) -> Any:
    if fmt not in exports.FORMATS:
        abort(404)
    obj = get_or_404(Office, office_id)
    ensure_in_scope(obj)
    window, approved_only = _options()
    matched = _matched()
    result = analyse_office(obj, window=window, approved_only=approved_only, matched=matched)
    build = exports.to_csv if fmt == "csv" else exports.to_xlsx
    filename = f"wirkungsanalyse-{obj.code}-{window}j{'-matched' if matched else ''}.{fmt}"
    return Response(
        build(result, _locale(), _limit()),
        mimetype=exports.MIMETYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.route("/costs", methods=["GET", "POST"])
@require("config.manage")
def costs() -> Any:
    tenant = g.tenant
    own = configured_costs(tenant)
    form = CostsForm(
        data={
            f"cost_{s}": exports.format_number(
                v, "eur" if float(v).is_integer() else "amount", _locale()
            )
            for s, v in own.items()
        }
    )
    english = _locale().startswith("en")
    for suffix, (de, en) in TYPE_LABELS.items():
        form.field_for(suffix).label.text = en if english else de
    status = 200
    version = request.form.get("version") if request.method == "POST" else tenant.version
    if request.method == "POST" and form.validate_on_submit():
        try:
            if request.form.get("reset"):
                save_costs({}, version)
            else:
                amounts = form.amounts()
                if amounts is None:
                    status = 400
                    flash(_("Please correct the marked amounts. Nothing was saved."), "error")
                else:
                    save_costs(amounts, version)
        except Conflict:
            db.session.rollback()
            status, version = 409, tenant.version
            flash(
                _(
                    "Someone else changed the cost assumptions meanwhile; the saved values are "
                    "shown as current. Your entries are kept in the form: save again to "
                    "replace them."
                ),
                "error",
            )
        if status == 200:
            flash(_("The cost assumptions were saved."), "success")
            return redirect(url_for("impact.costs"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "impact/costs.html",
        form=form,
        defaults=DEFAULT_COSTS,
        current=effective_costs(tenant),
        fmt=exports.format_number,
        locale=_locale(),
        reset_label=RESET_LABEL,
        version=version,
    ), status
