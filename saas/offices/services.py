"""Office rules: links to areas and carriers, date checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.crud import linked_ids, sync_links
from saas.core.db import db
from saas.offices.models import Office, OfficeArea, OfficeCarrier


def save_office_links(form: Any, office: Office) -> None:
    if office.id is None:
        db.session.add(office)
        db.session.flush()
    sync_links(OfficeArea, "office_id", office.id, "area_id", form.area_ids.data or [])
    sync_links(OfficeCarrier, "office_id", office.id, "carrier_id", form.carrier_ids.data or [])


def load_office_links(form: Any, office: Office) -> None:
    form.area_ids.data = linked_ids(OfficeArea, "office_id", office.id, "area_id")
    form.carrier_ids.data = linked_ids(OfficeCarrier, "office_id", office.id, "carrier_id")


def validate_office(form: Any, _office: Office | None) -> bool:
    if form.opened_on.data and form.closed_on.data and form.closed_on.data < form.opened_on.data:
        form.closed_on.errors.append(_("An office cannot close before it opened."))
        return False
    return True


def areas_served_by(office_ids: Iterable[int]) -> list[int]:
    """The areas these offices serve."""
    return list(
        db.session.execute(
            select(OfficeArea.area_id).where(OfficeArea.office_id.in_(list(office_ids)))
        ).scalars()
    )
