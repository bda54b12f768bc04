"""Office pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.areas.models import Area
from saas.carriers.models import Carrier
from saas.core.crud import Column, Crud, linked_ids, options, tenant_word
from saas.core.db import db
from saas.core.fields import as_choices
from saas.core.unique import ensure_code_free
from saas.offerings.models import Offering
from saas.offices.forms import OfficeForm
from saas.offices.models import Office, OfficeArea, OfficeCarrier
from saas.offices.services import load_office_links, save_office_links, validate_office
from saas.teams.models import Team

bp = Blueprint(
    "offices", __name__, url_prefix="/<tenant_slug>/offices", template_folder="templates"
)


def prepare_office(form: OfficeForm, _obj: Any) -> None:
    form.area_ids.choices = as_choices(options(Area, label=str, order_by="code"))
    form.area_ids.label.text = tenant_word("areas", "Areas")()
    form.carrier_ids.choices = as_choices(options(Carrier))


def check_office(values: dict[str, Any], office: Office | None) -> None:
    ensure_code_free(Office, values, office)
    validate_office(values, office)


def office_details(office: Office) -> dict[str, Any]:
    """The office's page: served areas and carriers, and the teams and offerings it hosts."""
    area_ids = linked_ids(OfficeArea, "office_id", office.id, "area_id")
    carrier_ids = linked_ids(OfficeCarrier, "office_id", office.id, "carrier_id")
    return {
        "served_areas": db.session.execute(
            select(Area).where(Area.id.in_(area_ids)).order_by(Area.code)
        )
        .unique()
        .scalars()
        .all(),
        "carriers": db.session.execute(
            select(Carrier).where(Carrier.id.in_(carrier_ids)).order_by(Carrier.name)
        )
        .scalars()
        .all(),
        "teams": db.session.execute(
            select(Team).where(Team.office_id == office.id).order_by(Team.name)
        )
        .scalars()
        .all(),
        "offerings": db.session.execute(
            select(Offering).where(Offering.office_id == office.id).order_by(Offering.name)
        )
        .scalars()
        .all(),
    }


def published(flag: bool) -> str:
    return _("published") if flag else _("not published")


def address(office: Office) -> str:
    return ", ".join(
        p for p in (office.address, f"{office.postal_code} {office.city}".strip()) if p
    )


crud = Crud(
    model=Office,
    form_class=OfficeForm,
    singular=tenant_word("office", "Office"),
    plural=tenant_word("offices", "Offices"),
    columns=[
        Column("name", _l("Name")),
        Column("address", _l("Address"), render=address),
        Column("opened_on", _l("Opened on")),
        Column("closed_on", _l("Closed on")),
    ],
    details=[
        Column("code", _l("Code")),
        Column("address", _l("Address"), render=address),
        Column("opening_hours", _l("Opening hours")),
        Column("phone", _l("Phone")),
        Column("email", _l("E-mail")),
        Column("opened_on", _l("Opened on")),
        Column("closed_on", _l("Closed on")),
        Column("notes", _l("Notes")),
        Column("public", _l("Public pages"), render=lambda o: published(o.public)),
    ],
    prepare_form=prepare_office,
    load_form=load_office_links,
    links=save_office_links,
    detail_context=office_details,
    detail_template="offices/detail.html",
    check=check_office,
).register(bp)
