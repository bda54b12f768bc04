"""Principle pages; the list is ordered and entries can be moved up and down."""

from __future__ import annotations

from flask import Blueprint, abort, redirect
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from saas.core.crud import Column, Crud
from saas.core.permissions import require
from saas.core.unique import unique_code
from saas.principles.forms import PrincipleForm
from saas.principles.models import Principle
from saas.principles.services import DIRECTIONS, move_principle

bp = Blueprint(
    "principles", __name__, url_prefix="/<tenant_slug>/principles", template_folder="templates"
)

crud = Crud(
    model=Principle,
    form_class=PrincipleForm,
    singular=_l("Principle"),
    plural=_l("Principles and goals"),
    columns=[
        Column("title", _l("Title")),
        Column("position", _l("Position")),
        Column("code", _l("Code")),
    ],
    details=[
        Column("code", _l("Code")),
        Column("description", _l("Description")),
        Column("position", _l("Position")),
    ],
    order_by=("position", "id"),
    list_template="principles/list.html",
    check=unique_code(Principle),
).register(bp)


@bp.route("/<int:object_id>/move/<direction>", methods=["POST"])
@require("config.manage")
def move(object_id: int, direction: str) -> ResponseReturnValue:
    """Swap a principle with its neighbour and renumber the list 1…n."""
    if direction not in DIRECTIONS:
        abort(404)
    move_principle(object_id, direction)
    return redirect(crud.url("index"))
