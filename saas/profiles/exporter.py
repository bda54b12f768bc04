"""Write a tenant's live configuration back as a profile folder (format: tenants/README.md).

The output is deterministic: the same configuration always gives the same bytes (stable key
order, records in creation order, populations by date, principles by position, codes as
strings, dates in ISO form). Export → import into an empty database → export gives
byte-identical files. All profile files are written, ``principles.yaml`` included.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.carriers.models import Carrier
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offerings.schedule import format_schedule
from saas.offices.models import Office, OfficeArea, OfficeCarrier
from saas.principles.models import Principle
from saas.profiles.schema import PROFILE_FILES
from saas.teams.models import StaffMember, Team
from saas.tenants.models import DEFAULT_VOCABULARY, Tenant

#: plain words YAML 1.1 readers take for booleans; always quoted so no tool misreads them
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off"}


class _Representer(RoundTripRepresenter):
    """``null`` for None; text with line breaks as literal blocks."""

    def represent_none(self, _data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")

    def represent_str(self, data: str) -> Any:
        if "\n" in data and not isinstance(data, LiteralScalarString):
            return self.represent_literal_scalarstring(LiteralScalarString(data))
        if data.lower() in _YAML11_WORDS:
            return self.represent_double_quoted_scalarstring(DoubleQuotedScalarString(data))
        return super().represent_str(data)


_Representer.add_representer(type(None), _Representer.represent_none)
_Representer.add_representer(str, _Representer.represent_str)


class _Emitter(RoundTripEmitter):
    """Double quotes wherever quotes are needed (``"14"``, ``""``), as in the README."""

    def choose_scalar_style(self) -> Any:
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Emitter = _Emitter
    yaml.Representer = _Representer
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _flow_map(**values: Any) -> CommentedMap:
    out = CommentedMap(values)
    out.fa.set_flow_style()
    return out


def _flow_list(values: list[Any]) -> CommentedSeq:
    out = CommentedSeq(values)
    out.fa.set_flow_style()
    return out


def _block_list(values: list[Any]) -> CommentedSeq:
    out = CommentedSeq(values)
    if not values:
        out.fa.set_flow_style()
    return out


def _rows(model: type[Any], *order: Any) -> list[Any]:
    return list(db.session.execute(select(model).order_by(*order)).unique().scalars())


def _linked(link_model: type[Any], owner: str, target: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for row in _rows(link_model, link_model.id):
        out.setdefault(getattr(row, owner), []).append(getattr(row, target))
    return out


def dump_profile(slug: str) -> dict[str, str]:
    """The profile files of tenant ``slug`` as file name → YAML text."""
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise LookupError(f'Mandant "{slug}" nicht gefunden')
    with tenant_scope(tenant):
        documents = _documents(tenant)
    yaml = _yaml()
    out = {}
    for name in PROFILE_FILES:
        stream = io.StringIO()
        stream.write(f"# {name} – Profil des Mandanten {slug}, exportiert aus Sozialraum\n")
        stream.write("# Format: tenants/README.md\n")
        yaml.dump(documents[name], stream)
        out[name] = stream.getvalue()
    return out


def export_profile(slug: str, directory: Path) -> list[Path]:
    """Write tenant ``slug``'s configuration into ``directory``; returns the files written."""
    files = dump_profile(slug)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def _ordered(values: dict[str, Any] | None, first: list[str]) -> CommentedMap:
    """``first`` keys in that order, then the others alphabetically."""
    values = dict(values or {})
    keys = [k for k in first if k in values] + sorted(k for k in values if k not in first)
    return CommentedMap((k, values[k]) for k in keys)


def _documents(tenant: Tenant) -> dict[str, CommentedMap]:
    docs: dict[str, CommentedMap] = {
        "tenant.yaml": CommentedMap(
            profile_version=tenant.profile_version,
            slug=tenant.slug,
            name=tenant.name,
            default_locale=tenant.default_locale,
            vocabulary=_ordered(tenant.vocabulary, list(DEFAULT_VOCABULARY)),
            settings=_ordered(tenant.settings, []),
        )
    }

    levels = _rows(AreaLevel, AreaLevel.id)
    level_codes = {level.id: level.code for level in levels}
    areas = _rows(Area, Area.id)
    area_codes = {area.id: area.code for area in areas}
    populations: dict[int, list[AreaPopulation]] = {}
    for row in _rows(AreaPopulation, AreaPopulation.reference_date, AreaPopulation.id):
        populations.setdefault(row.area_id, []).append(row)
    docs["areas.yaml"] = CommentedMap(
        levels=_block_list(
            [
                _flow_map(
                    code=level.code,
                    name=level.name,
                    plural=level.plural,
                    hierarchy=level.hierarchy,
                    position=level.position,
                )
                for level in levels
            ]
        ),
        areas=_block_list(
            [
                CommentedMap(
                    code=area.code,
                    name=area.name,
                    level=level_codes[area.level_id],
                    parent=area_codes.get(area.parent_id) if area.parent_id else None,
                    area_km2=area.area_km2,
                    population=_block_list(
                        [
                            _flow_map(
                                date=p.reference_date,
                                total=p.total,
                                under_18=p.under_18,
                                under_21=p.under_21,
                                source=p.source,
                            )
                            for p in populations.get(area.id, [])
                        ]
                    ),
                    streets=_flow_list(area.streets.splitlines()),
                )
                for area in areas
            ]
        ),
    )

    carriers = _rows(Carrier, Carrier.id)
    carrier_codes = {carrier.id: carrier.code for carrier in carriers}
    docs["carriers.yaml"] = CommentedMap(
        carriers=_block_list(
            [_flow_map(code=c.code, name=c.name, type=c.type, website=c.website) for c in carriers]
        )
    )

    offices = _rows(Office, Office.id)
    office_codes = {office.id: office.code for office in offices}
    office_areas = _linked(OfficeArea, "office_id", "area_id")
    office_carriers = _linked(OfficeCarrier, "office_id", "carrier_id")
    docs["offices.yaml"] = CommentedMap(
        offices=_block_list(
            [
                CommentedMap(
                    code=o.code,
                    name=o.name,
                    address=o.address,
                    postal_code=o.postal_code,
                    city=o.city,
                    opening_hours=o.opening_hours,
                    phone=o.phone,
                    email=o.email,
                    opened=o.opened_on,
                    closed=o.closed_on,
                    areas=_flow_list([area_codes[i] for i in office_areas.get(o.id, [])]),
                    carriers=_flow_list([carrier_codes[i] for i in office_carriers.get(o.id, [])]),
                    public=o.public,
                )
                for o in offices
            ]
        )
    )

    members: dict[int, list[StaffMember]] = {}
    for member in _rows(StaffMember, StaffMember.id):
        if member.team_id is not None:
            members.setdefault(member.team_id, []).append(member)
    docs["teams.yaml"] = CommentedMap(
        teams=_block_list(
            [
                CommentedMap(
                    code=t.code,
                    name=t.name,
                    office=office_codes.get(t.office_id) if t.office_id else None,
                    members=_block_list(
                        [
                            _flow_map(
                                name=m.name,
                                role=m.role,
                                carrier=carrier_codes.get(m.carrier_id) if m.carrier_id else None,
                                fte=m.fte,
                            )
                            for m in members.get(t.id, [])
                        ]
                    ),
                )
                for t in _rows(Team, Team.id)
            ]
        )
    )

    principles = _rows(Principle, Principle.position, Principle.id)
    principle_codes = {p.id: p.code for p in principles}
    docs["principles.yaml"] = CommentedMap(
        principles=_block_list(
            [
                CommentedMap(code=p.code, title=p.title, description=p.description)
                for p in principles
            ]
        )
    )

    offering_principles = _linked(OfferingPrinciple, "offering_id", "principle_id")
    docs["offerings.yaml"] = CommentedMap(
        offerings=_block_list(
            [
                CommentedMap(
                    code=o.code,
                    name=o.name,
                    description=o.description,
                    target_groups=o.target_groups,
                    age_min=o.age_min,
                    age_max=o.age_max,
                    schedule=format_schedule(o.schedule, "de"),
                    dates=o.dates,
                    place=o.place,
                    costs=o.costs,
                    office=office_codes.get(o.office_id) if o.office_id else None,
                    carrier=carrier_codes.get(o.carrier_id) if o.carrier_id else None,
                    principles=_flow_list(
                        [principle_codes[i] for i in offering_principles.get(o.id, [])]
                    ),
                    public=o.public,
                )
                for o in _rows(Offering, Offering.id)
            ]
        )
    )
    return docs
