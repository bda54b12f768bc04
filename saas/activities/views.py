"""Activity log pages: fast entry, filtered list, detail with history, monthly submission."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, literal, select

from saas.activities.forms import ActivityForm
from saas.activities.models import AGE_BANDS, KINDS, Activity, ActivityCarrier, ActivityPrinciple
from saas.activities.services import (
    ActivityValues,
    defaults,
    delete_activity,
    edit_activity,
    load_activity,
    log_activity,
    month_editable,
    month_expr,
    offering_choices,
    office_areas,
    office_choices,
    visible_activities,
)
from saas.areas.models import Area
from saas.carriers.models import Carrier
from saas.core.audit import history
from saas.core.crud import by_label, linked_ids, name_of, options, sort_order, sorted_by
from saas.core.db import db
from saas.core.fields import as_choices
from saas.core.idempotency import TOKEN_FIELD, claim, first_result, issue_token, remember
from saas.core.labels import word
from saas.core.operations import Conflict, Invalid
from saas.core.permissions import require, scope_criteria
from saas.offerings.models import Offering
from saas.offices.models import Office
from saas.principles.models import Principle

bp = Blueprint(
    "activities", __name__, url_prefix="/<tenant_slug>/activities", template_folder="templates"
)
PAGE_SIZE = 100


def _prepare(form: ActivityForm) -> None:
    form.office_id.label.text = word("office")
    form.area_id.label.text = word("area")
    form.office_id.choices = as_choices(office_choices())
    form.area_id.set_choices(
        [
            (a.id, str(a))
            for a in db.session.execute(
                select(Area)
                .where(scope_criteria(Area), Area.archived_at.is_(None))
                .order_by(Area.code)
            ).scalars()
        ]
    )
    form.offering_id.set_choices(offering_choices())
    form.principle_ids.choices = as_choices(
        options(Principle, label=lambda p: p.title, order_by="position")
    )
    form.carrier_ids.choices = as_choices(options(Carrier))


def _values(form: ActivityForm) -> ActivityValues:
    return ActivityValues(
        date=form.date.data,
        office_id=form.office_id.data,
        kind=form.kind.data,
        area_id=form.area_id.data,
        offering_id=form.offering_id.data,
        counts={band: form[band].data or 0 for band in AGE_BANDS},
        note=form.note.data or "",
        principle_ids=tuple(form.principle_ids.data or ()),
        carrier_ids=tuple(form.carrier_ids.data or ()),
    )


def _refused(form: ActivityForm, error: Invalid) -> None:
    target = form[error.field] if error.field and error.field in form else form.date
    target.errors = [*target.errors, error.message]


def _form_page(  # nosec B107 # the idempotency token of the form, not a password
    form: ActivityForm, activity: Activity | None, status: int = 200, token: str = ""
) -> Any:
    return render_template(
        "activities/form.html",
        form=form,
        activity=activity,
        bands=AGE_BANDS,
        office_areas=office_areas(),
        token_field=TOKEN_FIELD,
        token=token,
    ), status


#: without ``?sort=`` the log shows the newest first
DEFAULT_SORT = ("date", True)


def sort_columns() -> dict[str, Any]:
    """The log's sortable columns (``?sort=office``, ``?sort=-participants`` …) and what each
    orders by: the names and words it shows."""
    return {
        "date": Activity.date,
        "office": select(Office.name).where(Office.id == Activity.office_id).scalar_subquery(),
        "kind": by_label(Activity.kind, KINDS),
        # an activity without an offering shows "–" and sorts as an empty name, on both backends
        "offering": func.coalesce(
            select(Offering.name).where(Offering.id == Activity.offering_id).scalar_subquery(), ""
        ),
        "participants": sum((getattr(Activity, band) for band in AGE_BANDS), start=literal(0)),
    }


@bp.route("/")
@require("activities.log")
def index() -> str:
    args = request.args
    query = visible_activities()
    filters: dict[str, Any] = {
        "office": args.get("office", type=int),
        "month": args.get("month", ""),
        "kind": args.get("kind", ""),
        "offering": args.get("offering", type=int),
        "principle": args.get("principle", type=int),
    }
    if filters["office"]:
        query = query.where(Activity.office_id == filters["office"])
    if len(filters["month"]) == 7:
        query = query.where(month_expr(Activity.date) == filters["month"])
    if filters["kind"] in KINDS:
        query = query.where(Activity.kind == filters["kind"])
    if filters["offering"]:
        query = query.where(Activity.offering_id == filters["offering"])
    if filters["principle"]:
        query = query.where(
            Activity.id.in_(
                select(ActivityPrinciple.activity_id).where(
                    ActivityPrinciple.principle_id == filters["principle"]
                )
            )
        )
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(args.get("page", 1, type=int), 1)
    columns = sort_columns()
    sort = sort_order(columns, default=DEFAULT_SORT)
    activities = (
        db.session.execute(
            sorted_by(query, sort, columns)
            .order_by(Activity.date.desc(), Activity.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return render_template(
        "activities/index.html",
        activities=activities,
        filters=filters,
        sort=sort,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        kinds=KINDS,
        offices=office_choices(),
        offerings=offering_choices(include_archived=True),
        principles=options(Principle, label=lambda p: p.title, order_by="position"),
        name_of=name_of,
        Office=Office,
        Offering=Offering,
    )


@bp.route("/new", methods=["GET", "POST"])
@require("activities.log")
def new() -> Any:
    continued = request.args.get("next") == "1"
    form = ActivityForm(data=None if request.method == "POST" else defaults(continued))
    _prepare(form)
    token = request.form.get(TOKEN_FIELD, "") if request.method == "POST" else issue_token()
    if form.validate_on_submit():
        if not claim(token):
            done = first_result(token)
            if done:  # the same form sent again: it was stored once, show where it went
                return redirect(done)
            flash(
                _("This form has expired. Please check the entries and send it again."),
                "error",
            )
            return _form_page(form, None, 400, issue_token())
        try:
            log_activity(_values(form))
        except Invalid as error:
            _refused(form, error)
        else:
            if request.form.get("then") == "list":
                flash(_("The activity was saved."), "success")
                target = url_for("activities.index")
            else:
                flash(
                    _("The activity was saved. The next entry starts with the same values."),
                    "success",
                )
                target = url_for("activities.new", next="1")
            remember(token, target)
            return redirect(target)
    return _form_page(form, None, 400 if form.is_submitted() else 200, token)


@bp.route("/<int:object_id>")
@require("activities.log")
def detail(object_id: int) -> str:
    activity = load_activity(object_id)
    return render_template(
        "activities/detail.html",
        activity=activity,
        bands=AGE_BANDS,
        kinds=KINDS,
        editable=month_editable(activity.office_id, activity.date),
        principles=[
            name
            for i, name in options(
                Principle, label=lambda p: p.title, order_by="position", include_archived=True
            )
            if i in linked_ids(ActivityPrinciple, "activity_id", activity.id, "principle_id")
        ],
        carriers=[
            name
            for i, name in options(Carrier, include_archived=True)
            if i in linked_ids(ActivityCarrier, "activity_id", activity.id, "carrier_id")
        ],
        history=history("activities", activity.id),
        name_of=name_of,
        Office=Office,
        Offering=Offering,
        Area=Area,
    )


@bp.route("/<int:object_id>/edit", methods=["GET", "POST"])
@require("activities.log")
def edit(object_id: int) -> Any:
    activity = load_activity(object_id)
    form = ActivityForm(obj=activity)
    _prepare(form)
    if request.method == "GET":
        form.version.data = activity.version
        form.principle_ids.data = linked_ids(
            ActivityPrinciple, "activity_id", activity.id, "principle_id"
        )
        form.carrier_ids.data = linked_ids(
            ActivityCarrier, "activity_id", activity.id, "carrier_id"
        )
    elif form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else -1
        try:
            edit_activity(activity.id, version, _values(form))
        except Invalid as error:
            _refused(form, error)
        except Conflict:
            flash(
                _(
                    "Someone else saved this record while you were editing it. Your changes "
                    "were not saved yet. Compare both versions, adjust the form and save "
                    "again."
                ),
                "error",
            )
            form.version.data = activity.version
            return _form_page(form, activity, 409)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("activities.detail", object_id=activity.id))
    return _form_page(form, activity, 400 if form.is_submitted() else 200)


@bp.route("/<int:object_id>/delete", methods=["POST"])
@require("activities.log")
def delete(object_id: int) -> Any:
    try:
        delete_activity(object_id)
    except Invalid as error:
        flash(error.message, "error")
        return redirect(url_for("activities.detail", object_id=object_id))
    flash(_("The activity was deleted."), "success")
    return redirect(url_for("activities.index"))
