"""Office rules: links to areas and carriers, date checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from saas.core.crud import linked_ids, sync_links
from saas.core.db import db
from saas.core.operations import Invalid
from saas.offices.models import Office, OfficeArea, OfficeCarrier


def save_office_links(values: Mapping[str, Any], office: Office) -> None:
    """The areas an office serves and the carriers involved, from plain id lists."""
    sync_links(OfficeArea, "office_id", office.id, "area_id", values.get("area_ids") or [])
    sync_links(OfficeCarrier, "office_id", office.id, "carrier_id", values.get("carrier_ids") or [])


def load_office_links(form: Any, office: Office) -> None:
    form.area_ids.data = linked_ids(OfficeArea, "office_id", office.id, "area_id")
    form.carrier_ids.data = linked_ids(OfficeCarrier, "office_id", office.id, "carrier_id")


def validate_office(values: Mapping[str, Any], _office: Office | None) -> None:
    """An office cannot close before it opened."""
    opened, closed = values.get("opened_on"), values.get("closed_on")
    if opened and closed and closed < opened:
        raise Invalid(_("An office cannot close before it opened."), field="closed_on")


def areas_served_by(office_ids: Iterable[int]) -> list[int]:
    """The areas these offices serve."""
    return list(
        db.session.execute(
            select(OfficeArea.area_id).where(OfficeArea.office_id.in_(list(office_ids)))
        ).scalars()
    )
