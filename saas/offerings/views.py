"""Offering pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.activities.models import Activity
from saas.carriers.models import Carrier
from saas.core.crud import Column, Crud, linked_ids, name_of, options, sync_links, tenant_word
from saas.core.db import db
from saas.core.fields import as_choices
from saas.core.permissions import scope_criteria
from saas.core.unique import code_is_free
from saas.offerings.forms import OfferingForm
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offerings.schedule import format_schedule
from saas.offices.models import Office
from saas.offices.views import published
from saas.principles.models import Principle

bp = Blueprint("offerings", __name__, url_prefix="/<tenant_slug>/offerings")


def prepare(form: OfferingForm, _obj: Any) -> None:
    form.office_id.set_choices(
        [
            (office.id, office.name)
            for office in db.session.execute(
                select(Office)
                .where(scope_criteria(Office), Office.archived_at.is_(None))
                .order_by(Office.name)
            ).scalars()
        ]
    )
    form.office_id.label.text = tenant_word("office", "Office")()
    form.carrier_id.set_choices(options(Carrier))
    form.principle_ids.choices = as_choices(
        options(Principle, label=lambda p: p.title, order_by="position")
    )


def principle_ids(offering: Offering) -> list[int]:
    return linked_ids(OfferingPrinciple, "offering_id", offering.id, "principle_id")


def load(form: OfferingForm, offering: Offering) -> None:
    form.principle_ids.data = principle_ids(offering)


def save(values: dict[str, Any], offering: Offering) -> None:
    sync_links(
        OfferingPrinciple, "offering_id", offering.id, "principle_id", values["principle_ids"] or []
    )


def validate(form: OfferingForm, obj: Offering | None) -> bool:
    ok = code_is_free(form, obj, Offering)
    if (
        form.age_min.data is not None
        and form.age_max.data is not None
        and (form.age_max.data < form.age_min.data)
    ):
        form.age_max.errors.append(_("The upper age must not be below the lower age."))
        ok = False
    if obj is not None and obj.id is not None and form.office_id.data != obj.office_id:
        booked = db.session.execute(
            select(Activity.id).where(Activity.offering_id == obj.id).limit(1)
        ).first()
        if booked is not None:  # an offering belongs to its office: so do its activities
            form.office_id.errors.append(
                _("Activities of the office are booked on this offering; it cannot move.")
            )
            ok = False
    return ok


def ages(offering: Offering) -> str:
    if offering.age_min is None and offering.age_max is None:
        return ""
    low = "" if offering.age_min is None else offering.age_min
    high = "" if offering.age_max is None else offering.age_max
    return f"{low}–{high}"


def principles_text(offering: Offering) -> str:
    ids = set(principle_ids(offering))
    return ", ".join(
        title
        for pid, title in options(Principle, label=lambda p: p.title, order_by="position")
        if pid in ids
    )


crud = Crud(
    model=Offering,
    form_class=OfferingForm,
    singular=_l("Offering"),
    plural=_l("Offerings"),
    columns=[
        Column("name", _l("Name")),
        Column(
            "office_id",
            tenant_word("office", "Office"),
            render=lambda o: name_of(Office, o.office_id),
        ),
        Column(
            "schedule",
            _l("Weekly schedule"),
            render=lambda o: format_schedule(o.schedule, str(get_locale())),
        ),
    ],
    details=[
        Column("code", _l("Code")),
        Column("description", _l("Description")),
        Column("target_groups", _l("Target groups")),
        Column("ages", _l("Ages"), render=ages),
        Column(
            "schedule",
            _l("Weekly schedule"),
            render=lambda o: format_schedule(o.schedule, str(get_locale())),
        ),
        Column(
            "office_id",
            tenant_word("office", "Office"),
            render=lambda o: name_of(Office, o.office_id),
        ),
        Column("carrier_id", _l("Carrier"), render=lambda o: name_of(Carrier, o.carrier_id)),
        Column("principles", _l("Principles"), render=principles_text),
        Column("dates", _l("Other dates")),
        Column("place", _l("Place")),
        Column("costs", _l("Costs")),
        Column("public", _l("Public pages"), render=lambda o: published(o.public)),
    ],
    #: a member limited to offices sees their offerings only (Offering.__scope__)
    criteria=lambda: scope_criteria(Offering),
    prepare_form=prepare,
    load_form=load,
    links=save,
    validate=validate,
).register(bp)
