"""Apply a validated :class:`Profile` to the database, idempotently and all-or-nothing.

Codes are the stable keys: a record whose code is in the database is updated, a new code is
created, and a record of the tenant whose code is no longer in the profile is removed —
unless something outside the profile still refers to it (``saas.core.crud.references``).
Then the whole import is refused and nothing is written. Rows that only exist as part of a
record (its links, population figures, team members) belong to it and are removed with it.

Everything runs in one transaction: any error rolls it back. The audit log records every
change through the session events; an import that changes nothing writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.carriers.models import Carrier
from saas.core.crud import references, sync_links
from saas.core.db import db
from saas.core.operations import operation
from saas.core.permissions import PLATFORM_MANAGE
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offerings.schedule import format_schedule, parse_schedule
from saas.offices.models import Office, OfficeArea, OfficeCarrier
from saas.principles.models import Principle
from saas.profiles.loader import Issue, ProfileError
from saas.profiles.schema import Profile
from saas.teams.models import StaffMember, Team
from saas.tenants.models import Tenant

M = TypeVar("M")

#: names of the tables that may refer to a record, for refusal messages
TABLE_WORDS = {
    "area_levels": _l("area levels"),
    "areas": _l("areas"),
    "area_populations": _l("population figures"),
    "carriers": _l("carriers"),
    "offices": _l("offices"),
    "office_areas": _l("area links of offices"),
    "office_carriers": _l("carrier links of offices"),
    "teams": _l("teams"),
    "staff_members": _l("team members"),
    "principles": _l("principles"),
    "offerings": _l("offerings"),
    "offering_principles": _l("principle links of offerings"),
    "activities": _l("activities"),
    "activity_principles": _l("principle links of activities"),
    "activity_carriers": _l("carrier links of activities"),
    "figure_values": _l("key figure values"),
    "period_statuses": _l("period statuses"),
}
#: names of the records in the report of an import
ENTITY_WORDS = {
    "tenant": _l("tenant"),
    "area_level": _l("area level"),
    "area": _l("area"),
    "population": _l("population figure"),
    "carrier": _l("carrier"),
    "office": _l("office"),
    "principle": _l("principle"),
    "team": _l("team"),
    "staff_member": _l("team member"),
    "offering": _l("offering"),
}


class ImportRefused(ProfileError):
    """Records missing from the profile are still referred to; nothing was written."""


# -- the report --------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value as it reads in a report line."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


@dataclass(frozen=True)
class Change:
    """One created, updated (one field) or removed record."""

    action: str  # "create" | "update" | "delete"
    entity: str
    code: str
    label: str = ""
    field: str = ""
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        entity = str(ENTITY_WORDS.get(self.entity, self.entity))
        name = f"{entity} {self.code}" + (f' ("{self.label}")' if self.label else "")
        if self.action == "create":
            return "+ " + _("%(name)s created", name=name)
        if self.action == "delete":
            return "- " + _("%(name)s removed", name=name)
        return f"~ {entity} {self.code}: {self.field}: {show(self.old)} → {show(self.new)}"


@dataclass
class ImportReport:
    """What an import changed (or, with ``dry_run``, would change)."""

    slug: str
    profile_version: str | None = None
    dry_run: bool = False
    created_tenant: bool = False
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def lines(self) -> list[str]:
        if self.profile_version:
            head = _(
                "Tenant %(slug)s, profile version %(version)s",
                slug=self.slug,
                version=self.profile_version,
            )
        else:
            head = _("Tenant %(slug)s", slug=self.slug)
        if self.dry_run:
            head += " – " + _("dry run, nothing saved")
        out = [head + ":"]
        if not self.changes:
            out.append(_("No changes"))
            return out
        out += [str(change) for change in self.changes]
        out.append(
            _(
                "%(created)s created, %(updated)s changed, %(removed)s removed",
                created=self.count("create"),
                updated=self.count("update"),
                removed=self.count("delete"),
            )
        )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


# -- applying ----------------------------------------------------------------------------


@operation(PLATFORM_MANAGE)
def apply_profile(profile: Profile, *, dry_run: bool = False) -> ImportReport:
    """Create or update the profile's tenant and its configuration, all or nothing.

    Flushes on success (the caller's commit point commits; ``dry_run`` rolls back); on any
    error, including a refusal (:class:`ImportRefused`), rolls back and raises. Uses
    ``db.session``: do not call it with uncommitted changes of your own pending.
    """
    report = ImportReport(
        slug=profile.slug, profile_version=profile.tenant.profile_version, dry_run=dry_run
    )
    session = db.session
    try:
        tenant = _apply_tenant(profile, report)
        with tenant_scope(tenant):
            refusals = _Importer(profile, report).run()
            session.flush()
        if refusals:
            raise ImportRefused(refusals)
        if dry_run:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    return report


def _apply_tenant(profile: Profile, report: ImportReport) -> Tenant:
    spec = profile.tenant
    values = {
        "name": spec.name,
        "default_locale": spec.default_locale,
        "vocabulary": dict(spec.vocabulary),
        "settings": dict(spec.settings),
        "profile_version": spec.profile_version,
    }
    with all_tenants():
        tenant = db.session.execute(
            select(Tenant).where(Tenant.slug == spec.slug)
        ).scalar_one_or_none()
        if tenant is None:
            tenant = Tenant(slug=spec.slug, **values)
            db.session.add(tenant)
            report.created_tenant = True
            report.changes.append(Change("create", "tenant", spec.slug, spec.name))
        else:
            for key, new in values.items():
                old = getattr(tenant, key)
                if isinstance(new, dict):
                    old = dict(old or {})
                    for sub in [*old, *(k for k in new if k not in old)]:
                        if old.get(sub) != new.get(sub):
                            report.changes.append(
                                Change(
                                    "update",
                                    "tenant",
                                    spec.slug,
                                    field=f"{key}.{sub}",
                                    old=old.get(sub),
                                    new=new.get(sub),
                                )
                            )
                    if old != new:
                        setattr(tenant, key, new)
                elif old != new:
                    report.changes.append(
                        Change("update", "tenant", spec.slug, field=key, old=old, new=new)
                    )
                    setattr(tenant, key, new)
        db.session.flush()
    return tenant


def _rows(model: type[M], *order: Any) -> list[M]:
    query = select(model).order_by(*order) if order else select(model)
    return list(db.session.execute(query).unique().scalars())


class _Importer:
    """The tenant's part of an import; runs inside ``tenant_scope``."""

    def __init__(self, profile: Profile, report: ImportReport) -> None:
        self.profile = profile
        self.report = report
        self.refusals: list[Issue] = []

    # -- helpers ---------------------------------------------------------------------------

    def note(self, action: str, entity: str, code: str, label: str = "", **kw: Any) -> None:
        self.report.changes.append(Change(action, entity, code, label, **kw))

    def upsert(
        self,
        model: type[M],
        existing: dict[Any, M],
        key: Any,
        entity: str,
        values: Sequence[tuple[str, str, Any, Callable[[Any], Any] | None]],
        *,
        code: str | None = None,
        label: str = "",
        create: dict[str, Any] | None = None,
    ) -> M:
        """Create or update the record ``existing[key]``.

        ``values`` are (report field, attribute, value, show); ``show`` turns stored values
        into what the report prints (ids into codes). ``code`` names the record in the report
        (default: the key).
        """
        code = code if code is not None else str(key)
        obj = existing.get(key)
        if obj is None:
            obj = model(**(create or {}), **{attr: value for _f, attr, value, _s in values})
            db.session.add(obj)
            existing[key] = obj
            self.note("create", entity, code, label)
            return obj
        for report_field, attr, value, shown in values:
            old = getattr(obj, attr)
            if old != value:
                setattr(obj, attr, value)
                fmt = shown or _same
                self.note("update", entity, code, field=report_field, old=fmt(old), new=fmt(value))
        return obj

    def links(
        self,
        link_model: type[Any],
        owner_column: str,
        owner: Any,
        target: str,
        wanted: list[int],
        entity: str,
        code: str,
        report_field: str,
        names: dict[int, str],
    ) -> None:
        current = list(
            db.session.execute(
                select(getattr(link_model, target))
                .where(getattr(link_model, owner_column) == owner.id)
                .order_by(link_model.id)
            ).scalars()
        )
        if set(current) != set(wanted):
            self.note(
                "update",
                entity,
                code,
                field=report_field,
                old=[names.get(i, str(i)) for i in current],
                new=[names.get(i, str(i)) for i in wanted],
            )
            sync_links(link_model, owner_column, owner.id, target, wanted)

    def remove(self, obj: Any, entity: str, code: str, file: str, section: str) -> bool:
        """Remove a record missing from the profile, or note why it cannot be removed."""
        db.session.flush()
        found = references(obj)
        if found:
            used = ", ".join(f"{TABLE_WORDS.get(table, table)} ({count})" for table, count in found)
            name = getattr(obj, "name", None) or getattr(obj, "title", "")
            message = _(
                '%(entity)s "%(code)s" ("%(name)s") is missing from the profile but still used '
                "by: %(used)s – it cannot be removed; import cancelled, nothing saved",
                entity=ENTITY_WORDS.get(entity, entity),
                code=code,
                name=name,
                used=used,
            )
            self.refusals.append(Issue(file, None, section, message))
            return False
        db.session.delete(obj)
        db.session.flush()
        label = getattr(obj, "name", None) or getattr(obj, "title", "")
        self.note("delete", entity, code, str(label))
        return True

    # -- the steps ---------------------------------------------------------------------

    def run(self) -> list[Issue]:
        levels = self.levels()
        areas = self.areas(levels)
        carriers = self.carriers()
        offices = self.offices(areas, carriers)
        principles = self.principles()
        teams = self.teams(offices, carriers)
        offerings = self.offerings(offices, carriers, principles)
        self.removals(levels, areas, carriers, offices, principles, teams, offerings)
        return self.refusals

    def levels(self) -> dict[str, AreaLevel]:
        existing = {obj.code: obj for obj in _rows(AreaLevel, AreaLevel.id)}
        for spec in self.profile.levels:
            self.upsert(
                AreaLevel,
                existing,
                spec.code,
                "area_level",
                [
                    ("name", "name", spec.name, None),
                    ("plural", "plural", spec.plural, None),
                    ("hierarchy", "hierarchy", spec.hierarchy, None),
                    ("position", "position", spec.position, None),
                ],
                label=spec.name,
                create={"code": spec.code},
            )
        db.session.flush()
        return existing

    def areas(self, levels: dict[str, AreaLevel]) -> dict[str, Area]:
        existing = {obj.code: obj for obj in _rows(Area, Area.id)}
        known = set(existing)
        level_codes = {obj.id: code for code, obj in levels.items()}
        for spec in self.profile.areas:
            self.upsert(
                Area,
                existing,
                spec.code,
                "area",
                [
                    ("name", "name", spec.name, None),
                    ("level", "level_id", levels[spec.level].id, level_codes.get),
                    ("area_km2", "area_km2", spec.area_km2, None),
                    ("streets", "streets", "\n".join(spec.streets), None),
                ],
                label=spec.name,
                create={"code": spec.code},
            )
        db.session.flush()
        area_codes = {obj.id: code for code, obj in existing.items()}
        for spec in self.profile.areas:
            obj = existing[spec.code]
            parent_id = existing[spec.parent].id if spec.parent else None
            if obj.parent_id != parent_id:
                if spec.code in known:
                    self.note(
                        "update",
                        "area",
                        spec.code,
                        field="parent",
                        old=area_codes.get(obj.parent_id) if obj.parent_id is not None else None,
                        new=spec.parent,
                    )
                obj.parent_id = parent_id
        self.populations(existing)
        db.session.flush()
        return existing

    def populations(self, areas: dict[str, Area]) -> None:
        by_area: dict[int, dict[date, AreaPopulation]] = {}
        for row in _rows(AreaPopulation, AreaPopulation.id):
            by_area.setdefault(row.area_id, {})[row.reference_date] = row
        for spec in self.profile.areas:
            area = areas[spec.code]
            current = by_area.get(area.id, {})
            wanted = {p.date for p in spec.population}
            for when, row in sorted(current.items()):
                if when not in wanted:
                    db.session.delete(row)
                    self.note("delete", "population", f"{spec.code} {when.isoformat()}")
            for population in spec.population:
                self.upsert(
                    AreaPopulation,
                    current,
                    population.date,
                    "population",
                    [
                        ("total", "total", population.total, None),
                        ("under_18", "under_18", population.under_18, None),
                        ("under_21", "under_21", population.under_21, None),
                        ("source", "source", population.source, None),
                    ],
                    code=f"{spec.code} {population.date.isoformat()}",
                    create={"area_id": area.id, "reference_date": population.date},
                )

    def carriers(self) -> dict[str, Carrier]:
        existing = {obj.code: obj for obj in _rows(Carrier, Carrier.id)}
        for spec in self.profile.carriers:
            self.upsert(
                Carrier,
                existing,
                spec.code,
                "carrier",
                [
                    ("name", "name", spec.name, None),
                    ("type", "type", spec.type, None),
                    ("website", "website", spec.website, None),
                ],
                label=spec.name,
                create={"code": spec.code},
            )
        db.session.flush()
        return existing

    def offices(self, areas: dict[str, Area], carriers: dict[str, Carrier]) -> dict[str, Office]:
        existing = {obj.code: obj for obj in _rows(Office, Office.id)}
        for spec in self.profile.offices:
            self.upsert(
                Office,
                existing,
                spec.code,
                "office",
                [
                    ("name", "name", spec.name, None),
                    ("address", "address", spec.address, None),
                    ("postal_code", "postal_code", spec.postal_code, None),
                    ("city", "city", spec.city, None),
                    ("opening_hours", "opening_hours", spec.opening_hours, None),
                    ("phone", "phone", spec.phone, None),
                    ("email", "email", spec.email, None),
                    ("opened", "opened_on", spec.opened, None),
                    ("closed", "closed_on", spec.closed, None),
                    ("public", "public", spec.public, None),
                ],
                label=spec.name,
                create={"code": spec.code},
            )
        db.session.flush()
        area_names = {obj.id: code for code, obj in areas.items()}
        carrier_names = {obj.id: code for code, obj in carriers.items()}
        for spec in self.profile.offices:
            office = existing[spec.code]
            self.links(
                OfficeArea,
                "office_id",
                office,
                "area_id",
                [areas[code].id for code in spec.areas],
                "office",
                spec.code,
                "areas",
                area_names,
            )
            self.links(
                OfficeCarrier,
                "office_id",
                office,
                "carrier_id",
                [carriers[code].id for code in spec.carriers],
                "office",
                spec.code,
                "carriers",
                carrier_names,
            )
        db.session.flush()
        return existing

    def principles(self) -> dict[str, Principle]:
        existing = {obj.code: obj for obj in _rows(Principle, Principle.id)}
        for position, spec in enumerate(self.profile.principles, start=1):
            self.upsert(
                Principle,
                existing,
                spec.code,
                "principle",
                [
                    ("title", "title", spec.title, None),
                    ("description", "description", spec.description, None),
                    ("position", "position", position, None),
                ],
                label=spec.title,
                create={"code": spec.code},
            )
        db.session.flush()
        return existing

    def teams(self, offices: dict[str, Office], carriers: dict[str, Carrier]) -> dict[str, Team]:
        existing = {obj.code: obj for obj in _rows(Team, Team.id)}
        office_codes = {obj.id: code for code, obj in offices.items()}
        carrier_codes = {obj.id: code for code, obj in carriers.items()}
        for spec in self.profile.teams:
            self.upsert(
                Team,
                existing,
                spec.code,
                "team",
                [
                    ("name", "name", spec.name, None),
                    (
                        "office",
                        "office_id",
                        offices[spec.office].id if spec.office else None,
                        office_codes.get,
                    ),
                ],
                label=spec.name,
                create={"code": spec.code},
            )
        db.session.flush()
        staff: dict[int, list[StaffMember]] = {}
        for member in _rows(StaffMember, StaffMember.id):
            if member.team_id is not None:
                staff.setdefault(member.team_id, []).append(member)
        for spec in self.profile.teams:
            team = existing[spec.code]
            current: dict[str, StaffMember] = {}
            for member in staff.get(team.id, []):
                if member.name in current or member.name not in {m.name for m in spec.members}:
                    db.session.delete(member)
                    self.note("delete", "staff_member", f"{spec.code}/{member.name}")
                else:
                    current[member.name] = member
            for m in spec.members:
                self.upsert(
                    StaffMember,
                    current,
                    m.name,
                    "staff_member",
                    [
                        ("role", "role", m.role, None),
                        (
                            "carrier",
                            "carrier_id",
                            carriers[m.carrier].id if m.carrier else None,
                            carrier_codes.get,
                        ),
                        ("fte", "fte", m.fte, None),
                    ],
                    code=f"{spec.code}/{m.name}",
                    create={"name": m.name, "team_id": team.id},
                )
        db.session.flush()
        return existing

    def offerings(
        self,
        offices: dict[str, Office],
        carriers: dict[str, Carrier],
        principles: dict[str, Principle],
    ) -> dict[str, Offering]:
        existing = {obj.code: obj for obj in _rows(Offering, Offering.id)}
        office_codes = {obj.id: code for code, obj in offices.items()}
        carrier_codes = {obj.id: code for code, obj in carriers.items()}
        for spec in self.profile.offerings:
            self.upsert(
                Offering,
                existing,
                spec.code,
                "offering",
                [
                    ("name", "name", spec.name, None),
                    ("description", "description", spec.description, None),
                    ("target_groups", "target_groups", spec.target_groups, None),
                    ("age_min", "age_min", spec.age_min, None),
                    ("age_max", "age_max", spec.age_max, None),
                    ("schedule", "schedule", parse_schedule(spec.schedule), format_schedule),
                    ("dates", "dates", spec.dates, None),
                    ("place", "place", spec.place, None),
                    ("costs", "costs", spec.costs, None),
                    ("public", "public", spec.public, None),
                    (
                        "office",
                        "office_id",
                        offices[spec.office].id if spec.office else None,
                        office_codes.get,
                    ),
                    (
                        "carrier",
                        "carrier_id",
                        carriers[spec.carrier].id if spec.carrier else None,
                        carrier_codes.get,
                    ),
                ],
                label=spec.name,
                create={"code": spec.code},
            )
        db.session.flush()
        principle_codes = {obj.id: code for code, obj in principles.items()}
        for spec in self.profile.offerings:
            self.links(
                OfferingPrinciple,
                "offering_id",
                existing[spec.code],
                "principle_id",
                [principles[code].id for code in spec.principles],
                "offering",
                spec.code,
                "principles",
                principle_codes,
            )
        db.session.flush()
        return existing

    # -- removals ----------------------------------------------------------------------

    def removals(
        self,
        levels: dict[str, AreaLevel],
        areas: dict[str, Area],
        carriers: dict[str, Carrier],
        offices: dict[str, Office],
        principles: dict[str, Principle],
        teams: dict[str, Team],
        offerings: dict[str, Offering],
    ) -> None:
        """Remove what the profile no longer has; the order lets dependents go first."""
        p = self.profile

        def gone(existing: dict[str, M], kept: Iterable[str]) -> list[tuple[str, M]]:
            keep = set(kept)
            return [(code, obj) for code, obj in existing.items() if code not in keep]

        for code, offering in gone(offerings, (o.code for o in p.offerings)):
            self.delete_links(OfferingPrinciple, "offering_id", offering.id)
            self.remove(offering, "offering", code, "offerings.yaml", "offerings")
        for code, team in gone(teams, (t.code for t in p.teams)):
            for member in (
                db.session.execute(select(StaffMember).where(StaffMember.team_id == team.id))
                .scalars()
                .all()
            ):
                db.session.delete(member)
                self.note("delete", "staff_member", f"{code}/{member.name}")
            self.remove(team, "team", code, "teams.yaml", "teams")
        principles_file = "_base/principles.yaml" if p.principles_inherited else "principles.yaml"
        for code, principle in gone(principles, (x.code for x in p.principles)):
            self.remove(principle, "principle", code, principles_file, "principles")
        for code, office in gone(offices, (o.code for o in p.offices)):
            self.delete_links(OfficeArea, "office_id", office.id)
            self.delete_links(OfficeCarrier, "office_id", office.id)
            self.remove(office, "office", code, "offices.yaml", "offices")
        for code, carrier in gone(carriers, (c.code for c in p.carriers)):
            self.remove(carrier, "carrier", code, "carriers.yaml", "carriers")
        doomed = dict(gone(areas, (a.code for a in p.areas)))
        while doomed:
            parents = {obj.parent_id for obj in doomed.values()}
            leaves = [(c, a) for c, a in doomed.items() if a.id not in parents] or list(
                doomed.items()
            )
            for code, area in leaves:
                del doomed[code]
                for population in (
                    db.session.execute(
                        select(AreaPopulation).where(AreaPopulation.area_id == area.id)
                    )
                    .scalars()
                    .all()
                ):
                    db.session.delete(population)
                self.remove(area, "area", code, "areas.yaml", "areas")
        for code, level in gone(levels, (x.code for x in p.levels)):
            self.remove(level, "area_level", code, "areas.yaml", "levels")

    def delete_links(self, link_model: type[Any], owner_column: str, owner_id: int) -> None:
        for row in (
            db.session.execute(
                select(link_model).where(getattr(link_model, owner_column) == owner_id)
            )
            .scalars()
            .all()
        ):
            db.session.delete(row)


def _same(value: Any) -> Any:
    return value
