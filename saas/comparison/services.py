"""The comparison publication: writing it from a tenant's approved figures, reading it for rings.

Writing (:func:`refresh_publication`) runs inside the publishing tenant's own scope and calls
the indicator engine on its own figures only. Reading (:func:`ring_comparison`) never enters a
tenant scope and never touches figures: it reads the ``publications`` table, which holds
nothing but final, disclosure-controlled numbers.

Disclosure control (SPEC §5) per tenant and fully approved year:

* every count family (the numerator metrics of a case-counting indicator) published per area
  is protected as one table *area × year* with the tenant totals per year as its published
  margin (:func:`~saas.core.disclosure.protect_table`): small cells are suppressed and
  further cells (rarely a total) until no suppressed cell can be recovered from the totals
  and the other areas;
* families published only for the whole tenant (the help-type groups behind the shares, § 8a)
  are suppressed when small; and as they are parts of the HzE case count, a part is also
  withheld when the case count minus the published parts would be a small count;
* a rate or share is suppressed when its numerator count is small (``suppress_rate``), or
  when a count it is built on (numerator or case-count denominator) is suppressed, because
  the published denominator would give the count back.

Every publication of a year is remembered (:class:`PublishedProtection`: the cube cells it
withheld and showed, with the figures they were built from) and registered with the cube
(:func:`published_cells`), as the reports' snapshots are: the ring has read it, so a later
publication, report or page withholds again what it withheld and counts what it showed as
known — a corrected month can neither give a withheld cell back nor make one recoverable by
subtracting the earlier publication's totals.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, delete, func, insert, select, update

from saas.areas.models import Area
from saas.comparison.models import (
    ComparisonRing,
    Publication,
    PublishedProtection,
    PublishedValue,
    RingParticipation,
)
from saas.core.db import db, utcnow
from saas.core.disclosure import (
    DEFAULT_THRESHOLD,
    suppress_rate,
    tenant_threshold,
)
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import PeriodStatus
from saas.indicators.definitions import INDICATORS, Indicator
from saas.indicators.engine import AnnualValues
from saas.protection.families import revealed
from saas.protection.service import Cube, register_publications, tenant_cube
from saas.protection.service import Publication as CubePublication
from saas.tenants.models import Tenant

#: what a tenant publishes for the whole municipality, in the order of the ring page
COMPARISON_INDICATORS: tuple[str, ...] = (
    "HZE_ECKWERT",
    "HZE_CASES",
    "HZE_AMB_SHARE",
    "HZE_TEILSTAT_SHARE",
    "HZE_STAT_SHARE",
    "EGH35A_RATE",
    "ION_COUNT",
    "KWG8A_RATE_U18",
    "HZE_EXP_PER_U21",
    "HZE_COST_PER_CASE",
    "POP_U21",
)
#: what it also publishes per area (shares are left out: their parts would need linked tables)
AREA_INDICATORS: tuple[str, ...] = (
    "HZE_CASES",
    "HZE_ECKWERT",
    "EGH35A_RATE",
    "ION_COUNT",
    "POP_U21",
)
#: the reference population of the "per 1,000" normalisation of counts on the ring page
REFERENCE_POPULATION = "POP_U21"

Family = tuple[str, ...]
TOTAL = ""  # area_code of the whole-tenant rows


def disclosure_threshold(settings: dict[str, Any] | None) -> int:
    """A tenant's threshold (:func:`saas.core.disclosure.tenant_threshold`)."""
    return tenant_threshold(settings)


def _family(indicator: Indicator) -> Family | None:
    return indicator.numerator if indicator.counts_cases else None


def _families() -> set[Family]:
    return {
        family
        for code in COMPARISON_INDICATORS
        if (family := _family(INDICATORS[code])) is not None
    }


def dependencies(indicator: Indicator) -> list[Family]:
    """The count families whose suppression an indicator's value must follow."""
    families = _families()
    found = []
    if (family := _family(indicator)) is not None:
        found.append(family)
    if indicator.denominator in families:  # a share or a cost per case
        found.append(indicator.denominator)
    return found


# -- which years may leave the tenant -----------------------------------------------------

#: the month bits of a year's period mask (bit m month m; bit 0 is the year itself)
ALL_MONTHS = sum(1 << month for month in range(1, 13))


def _approved_span() -> list[int]:
    """First and last year with an approved area period of the current tenant (or none):
    no other year can be published. One small statement on ``period_statuses``."""
    first, last = db.session.execute(
        select(func.min(PeriodStatus.period), func.max(PeriodStatus.period)).where(
            PeriodStatus.scope == "area", PeriodStatus.state == "approved"
        )
    ).one()
    return [] if first is None else [int(first[:4]), int(last[:4])]


def complete_years(annual: AnnualValues) -> list[int]:
    """Years whose figures (those ``annual`` was read for) are complete and all approved.

    A year counts when every period with figures in it is approved, in every area, and all
    twelve months have figures; a year still running, or one with a month submitted but not
    yet approved, is not published at all.
    """
    # a stock year without its December value is "unvollständig" (saas.indicators.engine)
    open_years: set[int] = set(annual.incomplete_years)
    months: dict[int, int] = defaultdict(int)
    for (area_id, yr), present in annual.periods.items():
        approved = annual.approved.get((area_id, yr), 0)
        if present & ~approved:
            open_years.add(yr)
        months[yr] |= present & approved & ALL_MONTHS
    return sorted(yr for yr, mask in months.items() if mask == ALL_MONTHS and yr not in open_years)


def _annual(codes: Iterable[str]) -> AnnualValues | None:
    """The yearly values of the indicators' metrics over the approved span (one aggregate
    without a join, see :func:`~saas.indicators.engine.annual_values`), or None."""
    from saas.indicators.engine import annual_values, metric_codes

    span = _approved_span()
    if not span:
        return None
    return annual_values(metric_codes(INDICATORS[code] for code in codes), span)


def approved_years(codes: Iterable[str] = COMPARISON_INDICATORS) -> list[int]:
    """Years of the current tenant whose figures of ``codes`` are complete and all approved
    (:func:`complete_years`)."""
    annual = _annual(codes)
    return [] if annual is None else complete_years(annual)


# -- writing the publication ---------------------------------------------------------------


def _participates() -> bool:
    return db.session.execute(select(RingParticipation.id).limit(1)).first() is not None


def refresh_publication(tenant: Tenant) -> int:
    """Replace the tenant's publication by its current approved figures; rows written.

    Only a tenant that takes part in at least one ring publishes; otherwise its rows are
    removed. Runs in the tenant's own scope; flushes, the caller commits.
    """
    with all_tenants():
        # one refresh per tenant at a time (delete + insert would collide otherwise)
        tenant = db.session.execute(
            select(Tenant).where(Tenant.id == tenant.id).with_for_update()
        ).scalar_one()
    threshold = disclosure_threshold(tenant.settings)
    rows: list[dict[str, Any]] = []
    with tenant_scope(tenant):
        if _participates():
            rows, records = _publication_rows(tenant, threshold)
            _mark_revisions(tenant, rows)
            _remember_protection(tenant, records)
    db.session.execute(delete(Publication).where(Publication.tenant_id == tenant.id))
    if rows:
        # Core executemany: one batched INSERT (the ORM bulk path splits the rows by which
        # of their values are None)
        db.session.execute(insert(Publication.__table__), rows)
    db.session.flush()
    return len(rows)


def _publication_rows(
    tenant: Tenant, threshold: int
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The rows of the publication and, per year, its protection record
    (:func:`_protection_records`)."""
    from saas.indicators.engine import compute

    # the figures of both computations and of the choice of years, read once
    annual = _annual({*COMPARISON_INDICATORS, *AREA_INDICATORS})
    years = [] if annual is None else complete_years(annual)
    if annual is None or not years:
        return [], {}
    wanted = set(years)
    # approved only (as ``annual_values(approved_only=True)``): a complete year has no
    # pending value, a value of an incomplete year is not published
    annual = AnnualValues(
        {key: value for key, value in annual.values.items() if key not in annual.pending}, set()
    )
    totals = [
        v
        for v in compute(
            COMPARISON_INDICATORS, years, by="total", approved_only=True, annual=annual
        )
        if v.year in wanted
    ]
    area_codes = dict(db.session.execute(select(Area.id, Area.code)).all())
    per_area = [
        v
        for v in compute(AREA_INDICATORS, years, by="area", approved_only=True, annual=annual)
        if v.year in wanted and v.group in area_codes
    ]

    # one protected cube for every output of the tenant (saas.protection): the ring sees
    # nothing a report at any level, a snapshot or the impact page would not give back
    cube = tenant_cube(years, tenant)

    now = utcnow()
    rows = []
    # per year: the cube cells the rows withhold and show
    cells: dict[int, tuple[set[tuple[str, Any]], dict[tuple[str, Any], float]]] = {}
    for v in [*totals, *per_area]:
        area_code = TOTAL if v.group is None else area_codes[cast(int, v.group)]
        if v.numerator is None and v.value is None:
            continue  # nothing known, nothing to publish
        indicator = INDICATORS[v.indicator]
        suppressed = cube.withholds(v.indicator, v.group, v.year)
        if (
            not suppressed
            and indicator.is_rate
            and indicator.counts_cases
            and v.numerator is not None
            and v.value is not None
        ):
            suppressed = suppress_rate(v.numerator, v.denominator, v.value, threshold) is None
        _record_cells(cube, cells, v.indicator, v.group, v.year, suppressed)
        rows.append(
            {
                "tenant_id": tenant.id,
                "indicator": v.indicator,
                "year": v.year,
                "area_code": area_code,
                "numerator": None if suppressed else v.numerator,
                "denominator": None if suppressed else v.denominator,
                "value": None if suppressed else v.value,
                "suppressed": suppressed,
                "published_at": now,
            }
        )
    return rows, _protection_records(cube, cells)


def _record_cells(
    cube: Cube,
    cells: dict[int, tuple[set[tuple[str, Any]], dict[tuple[str, Any], float]]],
    indicator: str,
    node: Any,
    year: int,
    suppressed: bool,
) -> None:
    """Remember the cube cells one published row withholds or shows (as a report does)."""
    yearly = cube.years.get(year)
    if yearly is None:
        return
    withheld, shown = cells.setdefault(year, (set(), {}))
    for family in revealed(indicator):
        key = (family, node)
        if key not in yearly.values:
            continue
        if yearly.withheld(key):
            withheld.add(key)
        elif not suppressed:
            shown[key] = yearly.values[key] or 0.0


def _protection_records(
    cube: Cube, cells: dict[int, tuple[set[tuple[str, Any]], dict[tuple[str, Any], float]]]
) -> dict[int, dict[str, Any]]:
    """Per year: the cells the publication withheld and showed, with the figures' revision
    and atoms (what :func:`published_cells` gives the cube back), in a stable order."""
    records = {}
    for year, (withheld, shown) in sorted(cells.items()):
        records[year] = {
            "revision": cube.revisions.get(year, ""),
            "withheld": sorted(([f, n] for f, n in withheld), key=lambda c: (c[0], str(c[1]))),
            "shown": sorted(
                ([f, n, v] for (f, n), v in shown.items()), key=lambda c: (c[0], str(c[1]))
            ),
            "atoms": sorted(
                ([k, a, v] for (k, a), v in cube.atoms.get(year, {}).items()),
                key=lambda c: (c[0], str(c[1])),
            ),
        }
    return records


def _remember_protection(tenant: Tenant, records: dict[int, dict[str, Any]]) -> None:
    """Keep every year's protection record not kept yet (runs in the tenant's scope)."""
    if not records:
        return
    kept = set(
        db.session.execute(
            select(PublishedProtection.year, PublishedProtection.digest).where(
                PublishedProtection.year.in_(sorted(records))
            )
        ).all()
    )
    now = utcnow()
    for year, record in records.items():
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
        if (year, digest) not in kept:
            db.session.add(
                PublishedProtection(
                    tenant_id=tenant.id, year=year, digest=digest, record=record, published_at=now
                )
            )
    db.session.flush()


def published_cells(years: Iterable[int]) -> list[CubePublication]:
    """The cells the current tenant's comparison publications withheld and showed in
    ``years`` (registered with the cube: a later output withholds what they withheld)."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    found = []
    for year, record in db.session.execute(
        select(PublishedProtection.year, PublishedProtection.record)
        .where(PublishedProtection.year.in_(wanted))
        .order_by(PublishedProtection.id)
    ).all():
        found.append(
            CubePublication(
                int(year),
                frozenset((f, n) for f, n in record.get("withheld", [])),
                {(f, n): float(v) for f, n, v in record.get("shown", [])},
                str(record.get("revision", "")),
                {(k, a): float(v) for k, a, v in record.get("atoms", [])},
            )
        )
    return found


register_publications(published_cells)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _mark_revisions(tenant: Tenant, rows: list[dict[str, Any]]) -> None:
    """Flag every row whose value differs from one the tenant published before for the same
    cell (``revised``, "r"), against :class:`PublishedValue` — which keeps the first shown
    value of every cell ever published, across withdrawn years — and record the new cells.
    Runs in the tenant's scope. Withheld cells carry no "r": "–" stands instead."""
    history = {
        (row.indicator, row.year, row.area_code): row
        for row in db.session.execute(
            select(
                PublishedValue.id,
                PublishedValue.indicator,
                PublishedValue.year,
                PublishedValue.area_code,
                PublishedValue.value,
                PublishedValue.revised,
            )
        ).all()
    }
    now = utcnow()
    new: list[dict[str, Any]] = []
    changed: dict[int, dict[str, Any]] = {}
    for row in rows:
        key = (row["indicator"], row["year"], row["area_code"])
        value = row["value"]
        earlier = history.get(key)
        if earlier is None:
            new.append(
                {
                    "tenant_id": tenant.id,
                    "indicator": key[0],
                    "year": key[1],
                    "area_code": key[2],
                    "value": value,
                    "revised": False,
                    "first_published_at": now,
                }
            )
            row["revised"] = False
            continue
        revised = earlier.revised
        if value is not None and earlier.value is None:
            changed[earlier.id] = {"value": value}  # first shown value of a withheld cell
        elif value is not None and not revised and not _same(value, earlier.value):
            revised = True
            changed[earlier.id] = {"revised": True}
        row["revised"] = bool(revised and value is not None)
    if new:
        db.session.execute(insert(PublishedValue.__table__), new)
    for row_id, values in changed.items():
        db.session.execute(
            update(PublishedValue.__table__).where(PublishedValue.id == row_id).values(**values)
        )


def refresh_all(slugs: Sequence[str] | None = None) -> dict[str, int]:
    """Refresh the publication of every active tenant (or of ``slugs``); rows per tenant."""
    with all_tenants():
        query = select(Tenant).where(Tenant.status == "active").order_by(Tenant.slug)
        if slugs:
            query = query.where(Tenant.slug.in_(list(slugs)))
        tenants = list(db.session.execute(query).scalars())
    return {tenant.slug: refresh_publication(tenant) for tenant in tenants}


def last_published(tenant_id: int) -> datetime | None:
    """When the tenant's publication was last written (None: nothing published)."""
    return db.session.execute(
        select(func.max(Publication.published_at)).where(Publication.tenant_id == tenant_id)
    ).scalar()


# -- participation -------------------------------------------------------------------------


def active_rings() -> list[ComparisonRing]:
    return list(
        db.session.execute(
            select(ComparisonRing)
            .where(ComparisonRing.archived_at.is_(None))
            .order_by(ComparisonRing.name)
        ).scalars()
    )


def own_participations() -> set[int]:
    """Ring ids the current tenant takes part in."""
    return set(db.session.execute(select(RingParticipation.ring_id)).scalars())


def member_counts() -> dict[int, int]:
    """Number of active participating tenants per ring (numbers only, no tenant data)."""
    with all_tenants():
        return dict(
            db.session.execute(
                select(RingParticipation.ring_id, func.count())
                .join(Tenant, Tenant.id == RingParticipation.tenant_id)
                .where(Tenant.status == "active")
                .group_by(RingParticipation.ring_id)
            ).all()
        )


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    slug: str
    threshold: int


def ring_members(ring_id: int) -> list[Member]:
    """The active tenants taking part in a ring, by name.

    Reads other tenants' opt-in rows, so scoping is lifted for this one statement; it selects
    nothing but the tenants' ids, names and thresholds.
    """
    with all_tenants():
        rows = db.session.execute(
            select(Tenant.id, Tenant.name, Tenant.slug, Tenant.settings)
            .join(RingParticipation, RingParticipation.tenant_id == Tenant.id)
            .where(RingParticipation.ring_id == ring_id, Tenant.status == "active")
            .order_by(Tenant.name)
        ).all()
    return [Member(r.id, r.name, r.slug, disclosure_threshold(r.settings)) for r in rows]


def join_ring(ring: ComparisonRing) -> bool:
    """Opt the current tenant in; publishes its figures if it had not yet. False if already in."""
    if ring.id in own_participations():
        return False
    db.session.add(RingParticipation(ring_id=ring.id))
    db.session.flush()
    return True


def leave_ring(ring: ComparisonRing) -> bool:
    """Opt the current tenant out; False if it was not in the ring."""
    row = db.session.execute(
        select(RingParticipation).where(RingParticipation.ring_id == ring.id)
    ).scalar_one_or_none()
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


# -- reading the publication for a ring page -----------------------------------------------


@dataclass(frozen=True)
class Value:
    """One shown cell: the value, or why there is none, and its flag as in the reports."""

    value: float | None
    suppressed: bool = False
    #: differs from a value the municipality published earlier for this cell
    revised: bool = False
    #: rests on months not approved yet (never in the publication, which holds approved
    #: whole years only; kept so that every cell speaks the reports' flags)
    provisional: bool = False

    @property
    def missing(self) -> bool:
        return self.value is None and not self.suppressed

    @property
    def flag(self) -> str:
        """The reports' flag (:data:`saas.reports.result.FLAGS`): "–" withheld, "."
        not available, else "p" and/or "r" after the number (or "")."""
        from saas.reports.result import MISSING, PROVISIONAL, REVISED, WITHHELD

        if self.suppressed:
            return WITHHELD
        if self.value is None:
            return MISSING
        return (PROVISIONAL if self.provisional else "") + (REVISED if self.revised else "")


@dataclass
class IndicatorTable:
    """The table tenants × years of one indicator."""

    indicator: Indicator
    normalised: bool  # a count shown per 1,000 of the reference population
    rows: list[tuple[Member, list[Value]]]

    @property
    def decimals(self) -> int:
        if self.normalised or self.indicator.is_rate and self.indicator.unit != "EUR":
            return 1
        return 0


@dataclass
class Comparison:
    ring: ComparisonRing
    members: list[Member]
    years: list[int]
    available_years: list[int]
    tables: list[IndicatorTable]
    published: dict[int, datetime]

    @property
    def threshold(self) -> int:
        return max((m.threshold for m in self.members), default=DEFAULT_THRESHOLD)

    @property
    def flags(self) -> set[str]:
        """Every flag the cells of the tables carry (what the legend lists)."""
        return {f for t in self.tables for _m, cells in t.rows for c in cells for f in c.flag}


def normalises(indicator: Indicator) -> bool:
    """Counts of cases are compared per 1,000 of the reference population."""
    return not indicator.is_rate and indicator.counts_cases


#: a published whole-tenant value: (value, suppressed, revised)
_Published = tuple[float | None, bool, bool]


def _ring_publications(
    ring_id: int, indicators: set[str]
) -> tuple[list[Member], dict[tuple[int, str, int], _Published], dict[int, datetime]]:
    """The ring's active members and their published whole-tenant values, in one statement.

    Reads other tenants' opt-in rows, so scoping is lifted for this statement; besides the
    publication it selects nothing but the members' ids, names, slugs and thresholds.
    """
    with all_tenants():
        rows = db.session.execute(
            select(
                Tenant.id,
                Tenant.name,
                Tenant.slug,
                Tenant.settings["disclosure_threshold"].as_string().label("threshold"),
                Publication.indicator,
                Publication.year,
                Publication.value,
                Publication.suppressed,
                Publication.revised,
                Publication.published_at,
            )
            .select_from(RingParticipation)
            .join(Tenant, Tenant.id == RingParticipation.tenant_id)
            .outerjoin(
                Publication,
                and_(
                    Publication.tenant_id == Tenant.id,
                    Publication.area_code == TOTAL,
                    Publication.indicator.in_(sorted(indicators)),
                ),
            )
            .where(RingParticipation.ring_id == ring_id, Tenant.status == "active")
            .order_by(Tenant.name, Tenant.id)
        ).all()
    members: dict[int, Member] = {}
    found: dict[tuple[int, str, int], _Published] = {}
    published: dict[int, datetime] = {}
    for (
        tenant_id,
        name,
        slug,
        own_threshold,
        indicator,
        year,
        value,
        hidden,
        revised,
        stamp,
    ) in rows:
        if tenant_id not in members:
            threshold = disclosure_threshold({"disclosure_threshold": own_threshold})
            members[tenant_id] = Member(tenant_id, name, slug, threshold)
        if indicator is None:
            continue  # a member that has not published
        found[(tenant_id, indicator, year)] = (value, hidden, bool(revised))
        latest = published.get(tenant_id)
        if latest is None or stamp > latest:
            published[tenant_id] = stamp
    return list(members.values()), found, published


def ring_comparison(
    ring: ComparisonRing,
    codes: Sequence[str],
    years: tuple[int | None, int | None] = (None, None),
    *,
    per_1000: bool = True,
) -> Comparison:
    """Tables of the ring's participants from the publication table only (one query).

    ``years``: first and last year wanted (None: the first/last year published).
    """
    wanted = [c for c in dict.fromkeys(codes) if c in COMPARISON_INDICATORS]
    normalise = {c: per_1000 and normalises(INDICATORS[c]) for c in wanted}
    fetch = set(wanted) | ({REFERENCE_POPULATION} if any(normalise.values()) else set())
    members, found, published = _ring_publications(ring.id, fetch)
    available = sorted({yr for (_t, code, yr) in found if code in wanted})
    first = years[0] if years[0] is not None else (available[0] if available else 0)
    last = years[1] if years[1] is not None else (available[-1] if available else 0)
    first, last = min(first, last), max(first, last)
    chosen = [yr for yr in available if first <= yr <= last] or available

    def cell(member: Member, code: str, yr: int) -> Value:
        value, hidden, revised = found.get((member.id, code, yr), (None, False, False))
        if hidden or value is None:
            return Value(None, suppressed=hidden)
        if not normalise[code]:
            return Value(value, revised=revised)
        population, _hidden, population_revised = found.get(
            (member.id, REFERENCE_POPULATION, yr), (None, False, False)
        )
        if not population:
            return Value(None)
        # per 1,000: revised when the count or the population was
        return Value(value / population * 1000, revised=revised or population_revised)

    tables = [
        IndicatorTable(
            INDICATORS[code],
            normalise[code],
            [(m, [cell(m, code, yr) for yr in chosen]) for m in members],
        )
        for code in wanted
    ]
    return Comparison(ring, members, chosen, available, tables, published)
