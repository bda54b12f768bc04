"""The approval desk for key figures (per area) and activity months (per office).

Both desks show one period: its rows grouped by workflow state, the ones that need action
first, each with its numbers beside the previous period and the previous year and the
plausibility hints of :mod:`saas.periods.desk`; a filter by state, area and office (GET, no
JavaScript); single steps and "approve all checked" with one confirmation page. Every step
goes through the operations of :mod:`saas.periods.services`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from saas.activities.models import Activity
from saas.activities.services import month_expr, participants_expr
from saas.core.db import db
from saas.core.operations import Invalid
from saas.core.permissions import has_permission, require, scope_criteria
from saas.core.tenancy import get_or_404
from saas.core.urls import safe_next
from saas.core.workflow import workflow
from saas.figures.grid import PERIOD, grid_metrics
from saas.figures.models import FigureValue
from saas.figures.services import area_choices, load_area
from saas.offices.models import Office, OfficeArea
from saas.periods import desk
from saas.periods.services import Step, StepsRefused, approve_periods, transition_period

bp = Blueprint("periods", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


def _locale() -> str:
    return str(get_locale() or "de")


def _offices() -> list[tuple[int, str]]:
    """(id, name) of the offices in the user's scope."""
    return [
        (o.id, o.name)
        for o in db.session.execute(
            select(Office)
            .where(scope_criteria(Office), Office.archived_at.is_(None))
            .order_by(Office.name)
        ).scalars()
    ]


def _links(column: str, ids: Sequence[int]) -> dict[int, set[int]]:
    """Area → serving offices (``column="area_id"``) or office → served areas."""
    other = "office_id" if column == "area_id" else "area_id"
    found: dict[int, set[int]] = {}
    for key, value in db.session.execute(
        select(getattr(OfficeArea, column), getattr(OfficeArea, other)).where(
            getattr(OfficeArea, column).in_(list(ids))
        )
    ):
        found.setdefault(key, set()).add(value)
    return found


class Filters:
    """The desk's GET parameters: period, state, area, office."""

    def __init__(self, opening: Callable[[], str], yearly: bool) -> None:
        args = request.args
        period = args.get("period", "")
        valid = PERIOD.match(period) and (yearly or len(period) == 7)
        self.period: str = period if valid else opening()
        self.state: str = args.get("state", "") if args.get("state") in workflow().states else ""
        self.area: int | None = args.get("area", type=int)
        self.office: int | None = args.get("office", type=int)

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "period": self.period,
            "state": self.state,
            "area": self.area,
            "office": self.office,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


def _keep(row: desk.Row, filters: Filters, scope: str, *, by_state: bool = True) -> bool:
    if by_state and filters.state and row.state.name != filters.state:
        return False
    wanted = filters.office if scope == "area" else filters.area
    if wanted and wanted not in row.related:
        return False
    own = filters.area if scope == "area" else filters.office
    return not (own and row.ref_id != own)


def _figure(label: str, series: dict[str, float], period: str) -> desk.Figure:
    value = series.get(period)
    previous = series.get(desk.previous_period(period))
    year_ago = series.get(desk.year_before(period))
    history = [series.get(p) for p in desk.last_periods(period, desk.HISTORY)]
    return desk.Figure(
        label, value, previous, year_ago, desk.hints(value, year_ago, history, _locale())
    )


def _page(scope: str, rows: list[desk.Row], filters: Filters, refs: list[tuple[int, str]]) -> str:
    desk.attach_history(rows)
    shown = [row for row in rows if _keep(row, filters, scope)]
    months = (
        [filters.period, *desk.last_periods(filters.period, 11)[::-1]]
        if len(filters.period) == 7
        else [filters.period]
    )
    # completeness of the filtered areas or offices, whatever their state this month
    related = {row.ref_id for row in rows if _keep(row, filters, scope, by_state=False)}
    counted = [(i, n) for i, n in refs if i in related]
    return render_template(
        "periods/desk.html",
        scope=scope,
        filters=filters,
        groups=desk.grouped(shown, has_permission("figures.approve")),
        shown=len(shown),
        total=len(rows),
        has_approve=has_permission("figures.approve"),
        approvable=any(row.approvable for row in shown),
        flow=workflow(),
        areas=area_choices(),
        offices=_offices(),
        completeness=desk.completeness(scope, counted, months),
        period_label=desk.period_label,
        number=lambda v: desk.number(v, _locale()),
        previous=desk.previous_period(filters.period),
        following=desk.next_period(filters.period),
        thresholds={
            "year": int(desk.YEAR_THRESHOLD * 100),
            "difference": int(desk.MIN_DIFFERENCE),
            "z": int(desk.Z_THRESHOLD),
            "history": desk.HISTORY,
            "min": desk.MIN_HISTORY,
        },
    )


# -- key figures per area ---------------------------------------------------------------------


def _figure_periods() -> list[str]:
    return list(
        db.session.execute(
            select(FigureValue.period).where(scope_criteria(FigureValue)).distinct()
        ).scalars()
    )


def figure_rows(period: str) -> tuple[list[desk.Row], list[tuple[int, str]]]:
    """One row per area in scope for ``period`` with its enterable metrics."""
    areas = area_choices()
    ids = [i for i, _n in areas]
    metrics = [
        m
        for m in grid_metrics("year" if len(period) == 4 else "month")
        if (m.rules or {}).get("source") != "activities"
    ]
    periods = [*desk.last_periods(period, desk.HISTORY), period]
    series: dict[tuple[int, int], dict[str, float]] = {}
    if ids and metrics:
        for area_id, metric_id, p, value in db.session.execute(
            select(
                FigureValue.area_id, FigureValue.metric_id, FigureValue.period, FigureValue.value
            ).where(
                FigureValue.area_id.in_(ids),
                FigureValue.metric_id.in_([m.id for m in metrics]),
                FigureValue.period.in_(periods),
            )
        ):
            series.setdefault((area_id, metric_id), {})[p] = value
    known = desk.statuses("area", ids, [period])
    serving = _links("area_id", ids)
    rows = []
    for area_id, name in areas:
        rows.append(
            desk.Row(
                area_id,
                name,
                period,
                known.get((area_id, period)),
                link=url_for("figures.grid", area_id=area_id, period=period),
                figures=[
                    _figure(m.label, series.get((area_id, m.id), {}), period) for m in metrics
                ],
                related=serving.get(area_id, set()),
            )
        )
    return rows, areas


@bp.route("/figures/periods")
@require("figures.enter")
def figures() -> str:
    filters = Filters(lambda: desk.opening_period(_figure_periods()), yearly=True)
    rows, refs = figure_rows(filters.period)
    return _page("area", rows, filters, refs)


@bp.route("/figures/periods/<int:area_id>/<period>/<transition>", methods=["POST"])
@require("figures.enter")
def figure_step(area_id: int, period: str, transition: str) -> Any:
    area = load_area(area_id)
    if not PERIOD.match(period):
        abort(404)
    _step("area", area.id, area.name, period, transition)
    return redirect(safe_next(request.form.get("next"), url_for("periods.figures", period=period)))


# -- activity months per office ---------------------------------------------------------------


def _activity_months() -> list[str]:
    month = month_expr(Activity.date).label("month")
    return list(
        db.session.execute(select(month).where(scope_criteria(Activity)).group_by(month)).scalars()
    )


def office_rows(period: str) -> tuple[list[desk.Row], list[tuple[int, str]]]:
    """One row per office in scope for the month: activities and participants."""
    offices = _offices()
    ids = [i for i, _n in offices]
    months = [*desk.last_periods(period, desk.HISTORY), period]
    month_of = month_expr(Activity.date).label("month")
    counts: dict[int, dict[str, float]] = {}
    people: dict[int, dict[str, float]] = {}
    if ids:
        for office_id, month, n, p in db.session.execute(
            select(
                Activity.office_id,
                month_of,
                func.count().label("n"),
                func.sum(participants_expr()).label("p"),
            )
            .where(month_of.in_(months), Activity.office_id.in_(ids), scope_criteria(Activity))
            .group_by(Activity.office_id, month_of)
        ):
            counts.setdefault(office_id, {})[month] = n
            people.setdefault(office_id, {})[month] = p or 0
    known = desk.statuses("office", ids, [period])
    served = _links("office_id", ids)
    rows = []
    for office_id, name in offices:
        rows.append(
            desk.Row(
                office_id,
                name,
                period,
                known.get((office_id, period)),
                link=url_for("activities.index", office=office_id, month=period),
                figures=[
                    _figure(_("Activities"), counts.get(office_id, {}), period),
                    _figure(_("Participants"), people.get(office_id, {}), period),
                ],
                related=served.get(office_id, set()),
            )
        )
    return rows, offices


@bp.route("/activities/months")
@require("activities.log")
def months() -> str:
    filters = Filters(lambda: desk.opening_period(_activity_months()), yearly=False)
    rows, refs = office_rows(filters.period)
    return _page("office", rows, filters, refs)


@bp.route("/activities/months/<int:office_id>/<period>/<transition>", methods=["POST"])
@require("activities.log")
def month_step(office_id: int, period: str, transition: str) -> Any:
    office = get_or_404(Office, office_id)
    if not PERIOD.match(period) or len(period) != 7:
        abort(404)
    _step("office", office.id, office.name, period, transition)
    return redirect(safe_next(request.form.get("next"), url_for("periods.months", period=period)))


# -- steps ------------------------------------------------------------------------------------


def _step(scope: str, ref_id: int, name: str, period: str, transition: str) -> None:
    try:
        state = transition_period(scope, ref_id, period, transition, request.form.get("reason", ""))
    except Invalid as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "%(name)s, %(period)s: %(state)s",
                name=name,
                period=desk.period_label(period),
                state=workflow().state(state).title,
            ),
            "success",
        )


def _checked() -> list[Step]:
    steps = []
    for value in request.form.getlist("row"):
        ref, _sep, rest = value.partition(":")
        period, _sep, version = rest.rpartition(":")
        if ref.isdigit() and PERIOD.match(period) and version.isdigit():
            steps.append(Step(int(ref), period, int(version) or None))
    return steps


def _approve(scope: str, endpoint: str) -> Any:
    """The confirmation page of "approve all checked", then the approval of all or none."""
    steps = _checked()
    back = safe_next(request.form.get("next"), url_for(endpoint))
    if not steps:
        flash(_("Please check at least one row."), "error")
        return redirect(back)
    if len({s.period for s in steps}) > 1:
        flash(_("Please approve one month at a time."), "error")
        return redirect(back)
    rows, _refs = (figure_rows if scope == "area" else office_rows)(steps[0].period)
    wanted = {(s.ref_id, s.period): s for s in steps}
    listed = [row for row in rows if (row.ref_id, row.period) in wanted]
    refusals: dict[Step, str] = {}
    status = 200
    if request.form.get("confirm"):
        try:
            approve_periods(scope, steps)
        except StepsRefused as error:
            refusals, status = error.refusals, 409
            flash(error.message, "error")
        except Invalid as error:
            flash(error.message, "error")
            return redirect(back)
        else:
            flash(_("%(count)s rows were approved.", count=len(steps)), "success")
            return redirect(back)
    by_key = {(s.ref_id, s.period): reason for s, reason in refusals.items()}
    found = {(r.ref_id, r.period) for r in listed}
    missing = [s for s in steps if (s.ref_id, s.period) not in found]
    return render_template(
        "periods/confirm.html",
        scope=scope,
        rows=listed,
        steps=steps,
        missing=missing,
        refusals=by_key,
        back=back,
        action=request.path,
        period_label=desk.period_label,
        number=lambda v: desk.number(v, _locale()),
    ), status


@bp.route("/figures/periods/approve", methods=["POST"])
@require("figures.approve")
def figures_approve() -> Any:
    return _approve("area", "periods.figures")


@bp.route("/activities/months/approve", methods=["POST"])
@require("figures.approve")
def months_approve() -> Any:
    return _approve("office", "periods.months")
