"""Carrier pages."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from saas.carriers.forms import CarrierForm
from saas.carriers.models import CARRIER_TYPES, Carrier
from saas.core.crud import Column, Crud
from saas.core.unique import unique_code

bp = Blueprint("carriers", __name__, url_prefix="/<tenant_slug>/carriers")


def type_label(carrier: Carrier) -> str:
    return str(CARRIER_TYPES.get(carrier.type, carrier.type))


crud = Crud(
    model=Carrier,
    form_class=CarrierForm,
    singular=_l("Carrier"),
    plural=_l("Carriers"),
    columns=[
        Column("name", _l("Name")),
        Column("type", _l("Type"), render=type_label),
        Column("code", _l("Code")),
    ],
    details=[
        Column("code", _l("Code")),
        Column("type", _l("Type"), render=type_label),
        Column("website", _l("Website")),
        Column("notes", _l("Notes")),
    ],
    check=unique_code(Carrier),
).register(bp)
