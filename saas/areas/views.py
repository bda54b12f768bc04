"""Area level and area pages, the tree view and population figures."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.areas.forms import AreaForm, AreaLevelForm, PopulationForm
from saas.areas.models import Area, AreaLevel
from saas.areas.services import (
    POPULATION_FIELDS,
    area_trees,
    populations,
    set_population,
    validate_parent,
)
from saas.core.crud import Column, Crud, name_of, options, tenant_word
from saas.core.fields import as_choices
from saas.core.permissions import require
from saas.core.tenancy import get_or_404
from saas.core.unique import ensure_code_free, unique_code

bp = Blueprint("areas", __name__, url_prefix="/<tenant_slug>/areas", template_folder="templates")
levels_bp = Blueprint("area_levels", __name__, url_prefix="/<tenant_slug>/area-levels")

levels = Crud(
    model=AreaLevel,
    form_class=AreaLevelForm,
    singular=_l("Area level"),
    plural=_l("Area levels"),
    columns=[
        Column("name", _l("Name")),
        Column("hierarchy", _l("Hierarchy")),
        Column("position", _l("Depth")),
        Column("code", _l("Code")),
    ],
    details=[
        Column("code", _l("Code")),
        Column("plural", _l("Name (plural)")),
        Column("hierarchy", _l("Hierarchy")),
        Column("position", _l("Depth")),
    ],
    order_by=("hierarchy", "position"),
    check=unique_code(AreaLevel),
).register(levels_bp)


def prepare_area(form: AreaForm, obj: Any) -> None:
    form.level_id.choices = as_choices(
        options(AreaLevel, label=lambda lvl: f"{lvl.name} ({lvl.hierarchy})", order_by="position")
    )
    form.parent_id.set_choices(
        [(i, n) for i, n in options(Area, label=str, order_by="code") if obj is None or i != obj.id]
    )


def check_area(values: dict[str, Any], area: Area | None) -> None:
    ensure_code_free(Area, values, area)
    validate_parent(values, area)


def area_context(area: Area) -> dict[str, Any]:
    return {"populations": populations(area), "population_form": PopulationForm()}


areas = Crud(
    model=Area,
    form_class=AreaForm,
    singular=tenant_word("area", "Area"),
    plural=tenant_word("areas", "Areas"),
    columns=[
        Column("name", _l("Name")),
        Column("code", _l("Code")),
        Column("level", _l("Level"), render=lambda a: a.level.name),
        Column("parent_id", _l("Part of"), render=lambda a: name_of(Area, a.parent_id)),
    ],
    details=[
        Column("code", _l("Code")),
        Column("level", _l("Level"), render=lambda a: f"{a.level.name} ({a.level.hierarchy})"),
        Column("parent_id", _l("Part of"), render=lambda a: name_of(Area, a.parent_id)),
        Column("area_km2", _l("Area in km²")),
        Column("notes", _l("Notes")),
        Column("streets", _l("Streets")),
    ],
    order_by=("code",),
    prepare_form=prepare_area,
    detail_context=area_context,
    detail_template="areas/detail.html",
    check=check_area,
).register(bp)


@bp.route("/tree")
@require("tenant.view")
def tree() -> str:
    return render_template("areas/tree.html", trees=area_trees())


@bp.route("/<int:object_id>/population", methods=["POST"])
@require("config.manage")
def add_population(object_id: int) -> Any:
    area = get_or_404(Area, object_id)
    form = PopulationForm()
    if form.validate_on_submit():
        set_population(area.id, **{key: form[key].data for key in POPULATION_FIELDS})
        flash(_("The population figure was saved."), "success")
        return redirect(areas.url("detail", object_id=area.id))
    return render_template(
        "areas/detail.html",
        **areas.context(
            obj=area, refs=[], history=[], populations=populations(area), population_form=form
        ),
    ), 400
