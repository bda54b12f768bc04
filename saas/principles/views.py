"""Principle pages; the list is ordered and entries can be moved up and down."""

from __future__ import annotations

from flask import Blueprint, redirect
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.core.crud import Column, Crud
from saas.core.db import db
from saas.core.permissions import require
from saas.core.tenancy import get_or_404
from saas.core.unique import code_is_free
from saas.principles.forms import PrincipleForm
from saas.principles.models import Principle

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
    validate=lambda form, obj: code_is_free(form, obj, Principle),
).register(bp)


@bp.route("/<int:object_id>/move/<direction>", methods=["POST"])
@require("config.manage")
def move(object_id: int, direction: str) -> ResponseReturnValue:
    """Swap a principle with its neighbour and renumber the list 1…n."""
    principle = get_or_404(Principle, object_id)
    ordered = list(
        db.session.execute(
            select(Principle)
            .where(Principle.archived_at.is_(None))
            .order_by(Principle.position, Principle.id)
        ).scalars()
    )
    if principle in ordered:
        index = ordered.index(principle)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                item.position = position
        db.session.commit()
    return redirect(crud.url("index"))
