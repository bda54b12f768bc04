"""What the public may see of a tenant: its published offices and offerings, read-only.

One place decides what is public, so the pages and the HSDS open data cannot disagree:
an office is listed when the tenant left it public, it is not archived and not closed; an
offering when the tenant published it, it is not archived and its office (if any) is listed.
Staff members, notes and figures are never read here. Every query runs under the request's
tenant scope, so another tenant's objects are simply not found. A page needs a constant
number of queries whatever the size of the directory; filters work on the loaded rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from saas.areas.models import Area, AreaLevel
from saas.carriers.models import Carrier
from saas.core.db import db
from saas.offerings.models import Offering
from saas.offices.models import Office, OfficeArea, OfficeCarrier


@dataclass
class Directory:
    """The published offices with their areas, carriers and offerings."""

    offices: list[Office]
    offerings: list[Offering]
    areas: dict[int, list[Area]] = field(default_factory=dict)  # office id → areas served
    carriers: dict[int, list[Carrier]] = field(default_factory=dict)  # office id → carriers
    carrier_by_id: dict[int, Carrier] = field(default_factory=dict)

    def office(self, office_id: int | None) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)

    def offerings_of(self, office: Office) -> list[Offering]:
        return [o for o in self.offerings if o.office_id == office.id]

    def carrier_of(self, offering: Offering) -> Carrier | None:
        return self.carrier_by_id.get(offering.carrier_id) if offering.carrier_id else None

    def organizations(self) -> list[Carrier]:
        """Carriers of a listed office or of a published offering, by name."""
        ids = {c.id for cs in self.carriers.values() for c in cs}
        ids |= {o.carrier_id for o in self.offerings if o.carrier_id}
        return sorted((self.carrier_by_id[i] for i in ids), key=lambda c: c.name)


def _listed_offices() -> list[Office]:
    today = date.today()
    return list(
        db.session.execute(
            select(Office)
            .where(
                Office.public.is_(True),
                Office.archived_at.is_(None),
                or_(Office.closed_on.is_(None), Office.closed_on > today),
            )
            .order_by(Office.name, Office.id)
        ).scalars()
    )


def load_directory() -> Directory:
    """Everything a public page may show, in five queries."""
    offices = _listed_offices()
    office_ids = {o.id for o in offices}
    offerings = [
        o
        for o in db.session.execute(
            select(Offering)
            .where(Offering.public.is_(True), Offering.archived_at.is_(None))
            .order_by(Offering.name, Offering.id)
        ).scalars()
        if o.office_id is None or o.office_id in office_ids
    ]
    areas: dict[int, list[Area]] = defaultdict(list)
    for office_id, area in db.session.execute(
        select(OfficeArea.office_id, Area)
        .join(Area, Area.id == OfficeArea.area_id)
        .where(OfficeArea.office_id.in_(office_ids), Area.archived_at.is_(None))
        .order_by(Area.name)
    ).unique():
        areas[office_id].append(area)
    carrier_by_id = {
        c.id: c
        for c in db.session.execute(
            select(Carrier).where(Carrier.archived_at.is_(None)).order_by(Carrier.name)
        ).scalars()
    }
    carriers: dict[int, list[Carrier]] = defaultdict(list)
    for office_id, carrier_id in db.session.execute(
        select(OfficeCarrier.office_id, OfficeCarrier.carrier_id).where(
            OfficeCarrier.office_id.in_(office_ids)
        )
    ):
        if carrier_id in carrier_by_id:
            carriers[office_id].append(carrier_by_id[carrier_id])
    for listed in carriers.values():
        listed.sort(key=lambda c: c.name)
    return Directory(offices, offerings, dict(areas), dict(carriers), carrier_by_id)


# -- "which office is mine" --------------------------------------------------------------


@dataclass
class AreaChoice:
    area: Area
    level: AreaLevel
    office_ids: list[int]


def area_choices(directory: Directory) -> list[AreaChoice]:
    """Areas a family can pick, each with the listed offices responsible for it.

    An office serving a Sozialraum is there for each of its Quartiere, and one serving a
    Quartier is named when the family picks the Sozialraum around it: responsibility runs
    up and down the tree. Areas that lead to no office are left out.
    """
    areas = list(
        db.session.execute(select(Area).where(Area.archived_at.is_(None))).unique().scalars()
    )
    by_id = {a.id: a for a in areas}
    served: dict[int, set[int]] = defaultdict(set)
    for office_id, listed in directory.areas.items():
        for area in listed:
            served[area.id].add(office_id)

    def ancestors(area: Area) -> list[int]:
        chain, seen = [], set()
        while area.parent_id is not None and area.parent_id in by_id and area.id not in seen:
            seen.add(area.id)
            area = by_id[area.parent_id]
            chain.append(area.id)
        return chain

    up = {a.id: ancestors(a) for a in areas}
    below: dict[int, set[int]] = defaultdict(set)
    for area_id, chain in up.items():
        for ancestor in chain:
            below[ancestor].add(area_id)
    choices = []
    for area in areas:
        related = {area.id, *up[area.id], *below[area.id]}
        offices = set().union(*(served.get(i, set()) for i in related))
        if offices:
            order = [o.id for o in directory.offices if o.id in offices]
            choices.append(AreaChoice(area, area.level, order))
    choices.sort(key=lambda c: (c.level.hierarchy, c.level.position, c.area.name))
    return choices


def _street_key(text: str) -> str:
    """Street names compared as people type them: no case, accents kept apart from ß,
    "Str." and "Strasse" the same as "Straße", no spaces or hyphens."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ß", "ss")
    text = re.sub(r"str\.?(?=\s|$|-)", "strasse", text)
    return re.sub(r"[\s\-.]+", "", text)


def areas_for_street(choices: list[AreaChoice], query: str) -> list[AreaChoice]:
    """The areas whose street list has a street starting with the query (at least 3 letters)."""
    key = _street_key(query)
    if len(key) < 3:
        return []
    return [
        c
        for c in choices
        if any(_street_key(s).startswith(key) for s in (c.area.streets or "").splitlines() if s)
    ]


def has_streets(choices: list[AreaChoice]) -> bool:
    return any((c.area.streets or "").strip() for c in choices)


# -- filters of the offerings list -------------------------------------------------------


@dataclass
class OfferingFilter:
    """The GET parameters of the offerings list, already parsed."""

    q: str = ""
    target: str = ""
    age: int | None = None
    weekday: int | None = None
    office: str = ""  # the office's public id

    def matches(self, offering: Offering, directory: Directory) -> bool:
        if self.q and not any(
            self.q.casefold() in (text or "").casefold()
            for text in (offering.name, offering.description, offering.target_groups)
        ):
            return False
        if self.target and self.target.casefold() not in (offering.target_groups or "").casefold():
            return False
        if self.age is not None:
            low = offering.age_min if offering.age_min is not None else 0
            high = offering.age_max if offering.age_max is not None else 200
            if not low <= self.age <= high:
                return False
        if self.weekday is not None and not any(
            slot.get("day") == self.weekday for slot in offering.schedule or []
        ):
            return False
        if self.office:
            office = directory.office(offering.office_id)
            if office is None or office.public_id != self.office:
                return False
        return True


def target_groups(offerings: list[Offering]) -> list[str]:
    """The distinct target groups named by the offerings, for the filter's choices."""
    seen: dict[str, str] = {}
    for offering in offerings:
        for part in re.split(r"[,;]", offering.target_groups or ""):
            part = part.strip()
            if part and part.casefold() not in seen:
                seen[part.casefold()] = part
    return sorted(seen.values(), key=str.casefold)
