"""The public directory as HSDS 3.0 objects (Open Referral's Human Services Data Specification).

The mapping: a listed office is a *location*; the Jugendamt (the tenant) and the carriers are
*organizations*; a published offering is a *service*, and the offering at its office a
*service_at_location*. Ids are the UUIDs stored on the rows (``public_id``), so they survive
edits. Objects without a row of their own (an address, a phone, one weekly time, an area
served) get a UUID derived from their owner's id with ``uuid5``: stable as long as the thing
it names is the same. Empty values are left out, as the schemas type every field strictly.

Only what :mod:`saas.public.directory` lists is ever serialised here; this module reads no
database; the links come from the builder it is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from flask_babel import force_locale

from saas.areas.models import Area
from saas.carriers.models import CARRIER_TYPES, Carrier
from saas.offerings.models import Offering
from saas.offerings.schedule import format_schedule, parse_schedule
from saas.offices.models import Office
from saas.public.directory import Directory
from saas.tenants.models import Tenant

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Bundesland codes (tenant setting ``state``) as written in an address
STATES = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg",
    "HB": "Bremen", "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz",
    "SL": "Saarland", "SN": "Sachsen", "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}  # fmt: skip

#: ``link(kind, public_id)`` → the absolute URL of the public page of an office or offering
Linker = Callable[[str, str], str]


def derived_id(owner: str, part: str) -> str:
    """A stable UUID for a part of an object, e.g. the address of an office."""
    return str(uuid5(UUID(owner), part))


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in (None, "", [])}


def _timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class HsdsView:
    """Builds HSDS objects for one tenant's directory."""

    def __init__(self, tenant: Tenant, directory: Directory, link: Linker) -> None:
        self.tenant = tenant
        self.directory = directory
        self.link = link

    # -- organizations ---------------------------------------------------------------

    def jugendamt(self) -> dict[str, Any]:
        settings = self.tenant.settings or {}
        return _clean(
            {
                "id": self.tenant.public_id,
                "name": f"{self.tenant.name} – Jugendamt",
                "description": f"Jugendamt: {self.tenant.word('offices')} und Angebote "
                "für Kinder, Jugendliche und Familien.",
                "email": settings.get("public_feedback_email"),
                "legal_status": "Körperschaft des öffentlichen Rechts",
            }
        )

    def carrier(self, carrier: Carrier) -> dict[str, Any]:
        with force_locale("de"):  # the descriptions are German sentences
            kind = str(CARRIER_TYPES.get(carrier.type, carrier.type))
        return _clean(
            {
                "id": carrier.public_id,
                "name": carrier.name,
                "description": f"Träger ({kind}) in der sozialräumlichen Arbeit "
                f"von {self.tenant.name}.",
                "website": carrier.website if carrier.website.startswith("http") else None,
            }
        )

    def organizations(self) -> list[dict[str, Any]]:
        """The list items: the Jugendamt first, then the carriers by name."""
        return [self.jugendamt(), *(self.carrier(c) for c in self.directory.organizations())]

    def organization_full(self, public_id: str) -> dict[str, Any] | None:
        if public_id == self.tenant.public_id:
            org = self.jugendamt()
            org["locations"] = [self.location(o) for o in self.directory.offices]
            services = [o for o in self.directory.offerings if o.carrier_id is None]
        else:
            carrier = next(
                (c for c in self.directory.organizations() if c.public_id == public_id), None
            )
            if carrier is None:
                return None
            org = self.carrier(carrier)
            services = [o for o in self.directory.offerings if o.carrier_id == carrier.id]
        org["services"] = [self.service_item(o) for o in services]
        return _clean(org)

    def organization_id(self, offering: Offering) -> str:
        carrier = self.directory.carrier_of(offering)
        return carrier.public_id if carrier else self.tenant.public_id

    # -- locations ---------------------------------------------------------------------

    def location(self, office: Office) -> dict[str, Any]:
        state = STATES.get(str((self.tenant.settings or {}).get("state") or ""), "")
        address = None
        if office.address and office.city:
            address = {
                "id": derived_id(office.public_id, "address"),
                "location_id": office.public_id,
                "address_1": office.address,
                "city": office.city,
                "state_province": state,
                "postal_code": office.postal_code,
                "country": "DE",
                "address_type": "physical",
            }
        phone = None
        if office.phone:
            phone = {
                "id": derived_id(office.public_id, "phone"),
                "location_id": office.public_id,
                "number": office.phone,
                "type": "voice",
            }
        contact = None
        if office.email:  # the office's own address, never a person's
            contact = {
                "id": derived_id(office.public_id, "contact"),
                "location_id": office.public_id,
                "department": office.name,
                "email": office.email,
            }
        return _clean(
            {
                "id": office.public_id,
                "location_type": "physical",
                "url": self.link("office", office.public_id),
                "organization_id": self.tenant.public_id,
                "name": office.name,
                "description": ", ".join(a.name for a in self.directory.areas.get(office.id, [])),
                "addresses": [address] if address else [],
                "phones": [phone] if phone else [],
                "contacts": [contact] if contact else [],
                "schedules": self.opening_hours(office),
            }
        )

    def opening_hours(self, office: Office) -> list[dict[str, Any]]:
        """Weekly times when the text parses as such ("Di 09:00-12:00"), else the text."""
        text = (office.opening_hours or "").strip()
        if not text:
            return []
        try:
            slots = parse_schedule(text)
        except ValueError:
            return [{"id": derived_id(office.public_id, "hours"), "location_id": office.public_id,
                     "description": text}]  # fmt: skip
        return [
            self._weekly(slot, owner=office.public_id, location_id=office.public_id)
            for slot in slots
        ]

    # -- services ----------------------------------------------------------------------

    def _weekly(self, slot: dict[str, Any], *, owner: str, **links: str) -> dict[str, Any]:
        return {
            "id": derived_id(owner, f"weekly:{slot['day']}:{slot['start']}-{slot['end']}"),
            **links,
            "freq": "WEEKLY",
            "wkst": "MO",
            "interval": 1,
            "byday": ICAL_DAYS[slot["day"]],
            "opens_at": slot["start"],
            "closes_at": slot["end"],
            "description": format_schedule([slot], "de") + " (Ortszeit Europe/Berlin)",
        }

    def schedules(self, offering: Offering) -> list[dict[str, Any]]:
        items = [
            self._weekly(slot, owner=offering.public_id, service_id=offering.public_id)
            for slot in offering.schedule or []
        ]
        if (offering.dates or "").strip():
            items.append(
                {
                    "id": derived_id(offering.public_id, "dates"),
                    "service_id": offering.public_id,
                    "description": offering.dates.strip(),
                }
            )
        return items

    def service_item(self, offering: Offering) -> dict[str, Any]:
        """The one-to-one fields of a service (the list item of ``/services``)."""
        return _clean(
            {
                "id": offering.public_id,
                "organization_id": self.organization_id(offering),
                "name": offering.name,
                "description": offering.description,
                "url": self.link("offering", offering.public_id),
                "status": "active",
                "eligibility_description": offering.target_groups,
                "fees_description": offering.costs,
                "minimum_age": offering.age_min,
                "maximum_age": offering.age_max,
                "last_modified": _timestamp(offering.updated_at),
            }
        )

    def service_full(self, offering: Offering) -> dict[str, Any]:
        service = self.service_item(offering)
        office = self.directory.office(offering.office_id)
        carrier = self.directory.carrier_of(offering)
        service["organization"] = self.carrier(carrier) if carrier else self.jugendamt()
        service["schedules"] = self.schedules(offering)
        service["languages"] = [
            {"id": derived_id(offering.public_id, "language:de"), "service_id": offering.public_id,
             "name": "Deutsch", "code": "de"}
        ]  # fmt: skip
        if office is not None:
            service["service_areas"] = [
                self.service_area(offering, area)
                for area in self.directory.areas.get(office.id, [])
            ]
            service["service_at_locations"] = [self.service_at_location(offering, office)]
        return _clean(service)

    def service_area(self, offering: Offering, area: Area) -> dict[str, Any]:
        return _clean(
            {
                "id": derived_id(offering.public_id, f"area:{area.id}"),
                "service_id": offering.public_id,
                "name": area.name,
                "description": area.level.name if area.level else "",
            }
        )

    # -- services at locations ---------------------------------------------------------

    def at_location_pairs(self) -> list[tuple[Offering, Office]]:
        pairs = []
        for offering in self.directory.offerings:
            office = self.directory.office(offering.office_id)
            if office is not None:
                pairs.append((offering, office))
        return pairs

    @staticmethod
    def at_location_id(offering: Offering, office: Office) -> str:
        return derived_id(offering.public_id, f"at:{office.public_id}")

    def service_at_location_item(self, offering: Offering, office: Office) -> dict[str, Any]:
        return _clean(
            {
                "id": self.at_location_id(offering, office),
                "service_id": offering.public_id,
                "location_id": office.public_id,
                "description": offering.place,
            }
        )

    def service_at_location(self, offering: Offering, office: Office) -> dict[str, Any]:
        item = self.service_at_location_item(offering, office)
        item["location"] = self.location(office)
        return item

    def service_at_location_full(self, offering: Offering, office: Office) -> dict[str, Any]:
        item = self.service_at_location(offering, office)
        item["service"] = self.service_item(offering)
        return item


def page(items: Sequence[Any], number: int, size: int) -> dict[str, Any]:
    """One page in the HSDS OpenAPI's ``Page`` shape (``page`` counts from 1)."""
    total = len(items)
    pages = math.ceil(total / size) if total else 0
    contents = list(items[(number - 1) * size : number * size])
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": not contents,
        "contents": contents,
    }
