"""Deterministic synthetic figures and activities, from 2015 to the last complete month,
for a configured demo tenant.

:func:`generate_demo_data` fills a tenant whose configuration (areas, offices, offerings,
principles, carriers) already exists with invented but plausible data, all marked as
synthetic (``FigureValue.source == "synthetic"``, ``Activity.synthetic``, tenant setting
``synthetic_demo``). Every number here is a 🧪 demo placeholder, calibrated on the sourced
magnitudes in ``domain-facts.md`` §1–2 (per tenant: :data:`CALIBRATION`).

Which areas carry figures
    Figures live on ONE set of areas that partitions the territory, so that a sum over the
    figure areas counts every inhabitant and every case exactly once:

    * the *figure level* is the level most office-area links point to (without offices: the
      level with most population records); its hierarchy is the only one with figures. A
      second hierarchy describes the same territory differently (Hamm's political
      Stadtbezirke next to the planning Sozialräume): independent synthetic figures for it
      would contradict the first and double every tenant total, so it gets none;
    * from the roots of that hierarchy an area hands its figures down to its children only if
      they are not deeper than the figure level, all have population data and together make
      up the area's population (within 10 %); an area without population data always hands
      down. So figures sit on the figure level wherever the tree has it with population data,
      and on the finest complete coarser area where it has not.

    Marl: the eleven Stadtteile (the statistische Bezirke below have no population). Hamm:
    the nine Sozialräume (not the Stadtbezirke; the Quartiere have no population). Regional-
    verband Saarbrücken (most links point to Stadtteile): Saarbrücken → Stadtbezirke → its 20
    Stadtteile, Friedrichsthal's and Großrosseln's Ortsteile (same level), the other member
    municipalities as a whole; Alt-Saarbrücken stays whole because its two quarters with data
    (Folsterhöhe, Unteres Alt-Saarbrücken) cover only part of it, and Malstatt's quarters
    are below the figure level. Areas without any population record get 🧪 5,000 inhabitants.

    An office serves a figure area if it is linked to it, to one of its descendants (the
    Folsterhöhe office serves Alt-Saarbrücken's figures) or to one of its ancestors (the
    office for Friedrichsthal serves its Ortsteile).

What the figures show
    * population (yearly, ``'YYYY'``): from each area's latest population record with a small
      yearly drift; age bands split the under-18s by cohort size; parts never exceed totals;
    * HzE by help type (monthly): a stock-flow model per area and type — new cases (flow),
      ended cases with a hazard of 1/(mean duration) (flow), running cases (stock) with
      running(m) = running(m-1) + new(m) - ended(m); totals are exact sums of the parts. The
      Destatis case count (running on 31 Dec + ended in the year, excl. § 28) starts at the
      tenant's rate (Marl ≈ 39, Hamm ≈ 36, Regionalverband ≈ 42.5 per 1,000 under-21s) with
      its own help-type mix around the national shares (ambulant ≈ 55 %, § 32 ≈ 4 %,
      §§ 33/34 ≈ 40 %; Hamm more residential, the Regionalverband more ambulant); § 41 is a
      "darunter" line — the young adults among each type's cases (:data:`YOUNG_ADULTS`);
      areas with an office get a higher need level (offices are opened where need is high),
      Drewer-Nord the sourced one (about 140 cases: ≈ 250 young people, S8a), normalised so
      the tenant mean stays at the target;
    * the effect for the impact analysis: the intensity of new cases drifts +3 %/year in
      areas without an open office (the Regionalverband +1.2 %: Saarland's counts are
      stable since 2010); in the first six years after an office opens it falls (§ 34
      −4 %/year, §§ 32 and 33 −3 %, ambulant −2 %; the Regionalverband less), afterwards it
      stays about stable (+0.5 %/year). Offices opened before the first year therefore count as
      served for the whole period, mostly in the stable phase; a second office opening in an
      already served area starts a new falling phase (Marl's Drewer-Nord had the Diakonie
      treff since 2008 and gets its Stadtteilbüro in 2020-03);
    * § 28 counselling and § 35a integration help as separate stock-flow series; protective
      custody (with the 2015/16 peak of unaccompanied minors; Hamm ≈ 7 per 1,000 under-21s,
      ≈ 280 a year — 239 by the time of reporting in 2017, S31), § 8a risk assessments,
      low-threshold help without formal HzE (mostly where an office is open) as monthly flows;
      HzE expenditure from running cases × monthly cost per type (+3 %/year prices).

Activities, period states
    Per office from its opening (or the first month) until its closing: 8–30 activities per
    full month of the kinds in :data:`saas.activities.models.KINDS` with participant counts by
    age band per kind; group sessions belong to one of the office's offerings and follow its
    age range and weekdays. Area periods and office months are approved except the last two
    months (:func:`recent_states`): in the last one most areas are approved, some submitted
    and some still drafts; in the one before one is submitted and one reopened with a reason.
    The yearly periods of the complete years are approved.

Everything is drawn from :class:`random.Random` instances seeded with ``seed``, the tenant's
slug and the code of the area or office concerned (never the global generator), over objects
sorted by code, so two runs on equal configurations give identical data. Rows are written
with bulk inserts (``tenant_id`` set explicitly: bulk inserts bypass the flush stamping and
the audit log). The caller commits.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from saas.activities.models import KINDS, Activity, ActivityCarrier, ActivityPrinciple
from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.carriers.models import Carrier
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.catalogue import HELP_TYPES, WITHIN
from saas.metrics.models import Metric
from saas.offerings.models import Offering, OfferingPrinciple
from saas.offices.models import Office, OfficeArea, OfficeCarrier
from saas.periods.models import PeriodStatus
from saas.principles.models import Principle
from saas.tenants.models import Tenant

SOURCE = "synthetic"

#: Placeholder population (🧪) for a figure area without any population record.
DEFAULT_POPULATION = 5000

# -- calibration (all 🧪, from domain-facts §2) ------------------------------------------

#: HzE case count (31 Dec + ended, excl. § 28) per 1,000 under-21s in the first year.
BASE_RATE = 36.0
#: (share of the case count, mean duration of a help in months, monthly cost in EUR) of the
#: help types §§ 27–35; § 41 (young adults) is inside them (:data:`YOUNG_ADULTS`)
HZE_TYPES: dict[str, tuple[float, float, float]] = {
    "27_2": (0.110, 12, 1100),
    "29": (0.032, 12, 1000),
    "30": (0.131, 15, 1200),
    "31": (0.262, 16, 1400),
    "32": (0.042, 20, 2500),
    "33": (0.162, 40, 1800),
    "34": (0.245, 22, 5000),
    "35": (0.016, 14, 1500),
}
#: share of young adults (§ 41, aged 18–26) among the cases of each help type
YOUNG_ADULTS = {
    "27_2": 0.04,
    "29": 0.02,
    "30": 0.12,
    "31": 0.0,
    "32": 0.0,
    "33": 0.06,
    "34": 0.16,
    "35": 0.15,
}
#: yearly drift of the new-case intensity without an open office
GROWTH_FREE = 0.03
#: yearly drift in the first years after an office opened, per help type
GROWTH_FALLING = {"32": -0.03, "33": -0.03, "34": -0.04}
GROWTH_FALLING_AMBULANT = -0.02
FALLING_YEARS = 6
#: yearly drift once the falling phase is over
GROWTH_STABLE = 0.005
#: need level of areas that get an office, relative to the others (before normalisation)
SERVED_NEED = 1.25


@dataclass(frozen=True)
class Calibration:
    """What differs between the demo municipalities (domain-facts.md §1 and §2.3).

    ``mix``: multipliers of the help-type shares (the cities' mixes differ); ``falling``
    scales the drift after an opening; ``need``: area code → need level before the
    normalisation, for areas with a sourced magnitude.
    """

    base_rate: float = BASE_RATE
    growth_free: float = GROWTH_FREE
    falling: float = 1.0
    ion_rate: float = 3.0
    mix: dict[str, float] = field(default_factory=dict)
    need: dict[str, float] = field(default_factory=dict)


#: 🧪 per tenant, each magnitude from domain-facts.md:
#: Marl: demo Eckwert ≈ 40 (§1.1 demo_kpis); Drewer-Nord, where about 250 children and young
#: people receive HzE (✅ S8a), gets about 150 cases (the young people of a § 31 family count
#: once per family) — twice the town's need. Hamm: Eckwert ≈ 37 (NRW ≈ 37, estimated, §2.3);
#: 239 Inobhutnahmen by the time of reporting in 2017 (✅ S31) ≈ 7 per 1,000 under-21s a year;
#: a larger residential share (placements cost €1,800–6,000 a month, S31). Regionalverband
#: Saarbrücken: Saarland's Eckwert 41.9 (2023) with counts stable since 2010 (✅ S22), so a
#: weak drift; more placements outside the family than elsewhere (S71) but a strong ambulant
#: SOJUS offer (S51).
CALIBRATION: dict[str, Calibration] = {
    "marl": Calibration(base_rate=39.0, need={"14": 2.6}),
    "hamm": Calibration(
        base_rate=36.0, ion_rate=7.0, mix={"33": 1.15, "34": 1.25, "31": 0.9, "30": 0.85}
    ),
    "rv-saarbruecken": Calibration(
        base_rate=42.5,
        growth_free=0.012,
        falling=0.45,
        ion_rate=4.5,
        mix={"27_2": 1.25, "30": 1.15, "32": 1.4, "33": 0.85, "34": 0.85},
    ),
}


def _shares(calibration: Calibration) -> dict[str, float]:
    """The help-type shares of a tenant: the base shares × its mix, summing to 1."""
    raw = {
        code: share * calibration.mix.get(code, 1.0) for code, (share, _d, _c) in HZE_TYPES.items()
    }
    total = sum(raw.values())
    return {code: value / total for code, value in raw.items()}


#: § 28 and § 35a: (case count per 1,000 under-21s, mean duration in months, yearly drift)
EB = (28.0, 6, 0.02)
EGH35A = (9.0, 24, 0.05)
#: protective custody (rate per tenant: :class:`Calibration`) and § 8a assessments per
#: 1,000 under-21s and year, yearly drift
ION_GROWTH = 0.02
KWG8A_RATE, KWG8A_GROWTH = 13.0, 0.04
#: low-threshold help without a formal decision, per 1,000 under-21s and month
OTHER_HELP_OPEN, OTHER_HELP_NONE = 0.8, 0.05
PRICE_GROWTH = 0.03

#: mild seasonality (January … December) of new and ended cases
SEASON_NEW = (1.05, 1.0, 1.05, 1.0, 1.0, 0.95, 0.9, 0.85, 1.1, 1.1, 1.05, 0.95)
SEASON_END = (0.9, 0.95, 1.0, 1.0, 1.0, 1.05, 1.25, 1.1, 0.95, 0.95, 0.9, 0.95)
#: activities per month relative to the office's usual level (summer holidays, December)
SEASON_ACTIVITY = (0.95, 1.0, 1.05, 1.0, 1.05, 1.0, 0.85, 0.7, 1.05, 1.1, 1.05, 0.8)

KIND_WEIGHTS = {
    "group_session": 45,
    "short_counselling": 24,
    "network_meeting": 12,
    "event": 6,
    "outreach": 9,
    "other": 4,
}
PARTNER_CHANCE = {
    "group_session": 0.15,
    "short_counselling": 0.05,
    "network_meeting": 0.5,
    "event": 0.4,
    "outreach": 0.2,
    "other": 0.1,
}
NOTES = (
    "Kooperation mit der Kita im Quartier",
    "wetterbedingt verkürzt",
    "mit Dolmetscherin",
    "Ferienprogramm",
    "neue Familien aus dem Quartier",
    "gemeinsam mit der Schulsozialarbeit",
)
#: age bands of the activity log (first, last age)
BANDS = {
    "p_0_5": (0, 5),
    "p_6_13": (6, 13),
    "p_14_17": (14, 17),
    "p_18_26": (18, 26),
    "p_27_64": (27, 64),
    "p_65_plus": (65, 80),
}

if set(HZE_TYPES) != {s for s, _de, _en in HELP_TYPES if s not in WITHIN}:  # pragma: no cover
    raise RuntimeError("HZE_TYPES must calibrate exactly the help types of the catalogue")

TABLES = (
    "figure_values",
    "period_statuses",
    "activities",
    "activity_principles",
    "activity_carriers",
)


# -- helpers --------------------------------------------------------------------------------


def _rng(seed: int, slug: str, *parts: object) -> random.Random:
    """A generator of its own for one tenant and one part (area, office …) of the data."""
    return random.Random(":".join([str(seed), slug, *map(str, parts)]).encode())  # nosec B311


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _month_end(year: int, month: int) -> date:
    ny, nm = _next_month(year, month)
    return date(ny, nm, 1) - timedelta(days=1)


class _Rounder:
    """Integer series whose running sum follows the real-valued one (error diffusion)."""

    __slots__ = ("residual",)

    def __init__(self) -> None:
        self.residual = 0.0

    def __call__(self, value: float) -> int:
        value = max(0.0, value) + self.residual
        whole = max(0, math.floor(value + 0.5))
        self.residual = value - whole
        return whole


def _noise(rng: random.Random, sd: float) -> float:
    return math.exp(rng.gauss(0.0, sd) - sd * sd / 2)


# -- the configuration ----------------------------------------------------------------------


@dataclass
class _Config:
    areas: list[Area]
    levels: dict[int, AreaLevel]
    population: dict[int, AreaPopulation]
    offices: list[Office]
    office_areas: dict[int, list[int]]
    office_carriers: dict[int, list[int]]
    offerings: dict[int, list[Offering]]
    offering_principles: dict[int, list[int]]
    principles: list[int]
    carriers: list[int]
    children: dict[int | None, list[Area]] = field(default_factory=dict)
    by_id: dict[int, Area] = field(default_factory=dict)


def _load_config() -> _Config:
    """The current tenant's configuration, each list sorted by code."""

    def links(model: Any, owner: str, target: str) -> dict[int, list[int]]:
        result: dict[int, list[int]] = defaultdict(list)
        rows = db.session.execute(
            select(getattr(model, owner), getattr(model, target)).order_by(
                getattr(model, owner), getattr(model, target)
            )
        )
        for owner_id, target_id in rows:
            result[owner_id].append(target_id)
        return result

    areas = list(
        db.session.execute(select(Area).where(Area.archived_at.is_(None)).order_by(Area.code))
        .unique()
        .scalars()
    )
    levels = {lv.id: lv for lv in db.session.execute(select(AreaLevel)).scalars()}
    population: dict[int, AreaPopulation] = {}
    for row in db.session.execute(
        select(AreaPopulation).order_by(AreaPopulation.area_id, AreaPopulation.reference_date)
    ).scalars():
        if row.total is not None or row.under_21 is not None or row.under_18 is not None:
            population[row.area_id] = row  # the latest one wins
    offerings: dict[int, list[Offering]] = defaultdict(list)
    for offering in db.session.execute(
        select(Offering)
        .where(Offering.office_id.is_not(None), Offering.archived_at.is_(None))
        .order_by(Offering.code)
    ).scalars():
        assert offering.office_id is not None  # selected above
        offerings[offering.office_id].append(offering)
    config = _Config(
        areas=areas,
        levels=levels,
        population=population,
        offices=list(db.session.execute(select(Office).order_by(Office.code)).scalars()),
        office_areas=links(OfficeArea, "office_id", "area_id"),
        office_carriers=links(OfficeCarrier, "office_id", "carrier_id"),
        offerings=offerings,
        offering_principles=links(OfferingPrinciple, "offering_id", "principle_id"),
        principles=list(
            db.session.execute(
                select(Principle.id)
                .where(Principle.archived_at.is_(None))
                .order_by(Principle.position, Principle.code)
            ).scalars()
        ),
        carriers=list(
            db.session.execute(
                select(Carrier.id).where(Carrier.archived_at.is_(None)).order_by(Carrier.code)
            ).scalars()
        ),
    )
    # links in code order too, so that equal configurations give equal data whatever their ids
    for ranked, lists in (
        ([a.id for a in areas], config.office_areas),
        (config.carriers, config.office_carriers),
        (config.principles, config.offering_principles),
    ):
        rank = {ref: position for position, ref in enumerate(ranked)}

        def order(ref: int, rank: dict[int, int] = rank) -> tuple[bool, int]:
            return (ref not in rank, rank.get(ref, ref))

        for values in lists.values():
            values.sort(key=order)
    config.by_id = {a.id: a for a in areas}
    children: dict[int | None, list[Area]] = defaultdict(list)
    for area in areas:
        parent = area.parent_id if area.parent_id in config.by_id else None
        children[parent].append(area)
    config.children = children
    return config


def _hierarchy(config: _Config, area: Area) -> str:
    level = config.levels.get(area.level_id)
    return level.hierarchy if level is not None else "main"


def _covers(config: _Config, area: Area, kids: Sequence[Area]) -> bool:
    """Whether the children's populations add up to the parent's (within 10 %)."""
    parent = config.population[area.id]
    records = [config.population[k.id] for k in kids]
    for field_name in ("total", "under_21", "under_18"):
        whole = getattr(parent, field_name)
        parts = [getattr(r, field_name) for r in records]
        if whole and None not in parts:
            return 0.9 <= sum(parts) / whole <= 1.1
    return False


def figure_areas(config: _Config) -> list[Area]:
    """The areas that carry figures: one partition of one hierarchy (module docstring)."""
    if not config.areas:
        return []
    linked: dict[AreaLevel | None, int] = defaultdict(int)
    for area_ids in config.office_areas.values():
        for area_id in area_ids:
            if area_id in config.by_id:
                linked[config.levels.get(config.by_id[area_id].level_id)] += 1
    if not linked:  # no office: the level with most population records
        for area in config.areas:
            linked[config.levels.get(area.level_id)] += 1 + 1000 * (area.id in config.population)

    def rank(level: AreaLevel | None) -> tuple[int, bool, str, int, str]:
        if level is None:
            return (-linked[level], True, "", 0, "")
        return (
            -linked[level],
            level.hierarchy != "main",
            level.hierarchy,
            -level.position,
            level.code,
        )

    target = min(linked, key=rank)
    hierarchy = target.hierarchy if target is not None else "main"
    depth = target.position if target is not None else 10**6

    def position(area: Area) -> int:
        level = config.levels.get(area.level_id)
        return level.position if level is not None else 0

    def descend(area: Area) -> list[Area]:
        kids = config.children.get(area.id, [])
        if not kids or max(position(k) for k in kids) > depth:
            return [area]
        if area.id in config.population and (
            not all(k.id in config.population for k in kids) or not _covers(config, area, kids)
        ):
            return [area]
        return [leaf for kid in kids for leaf in descend(kid)]

    roots = [a for a in config.children.get(None, []) if _hierarchy(config, a) == hierarchy]
    return sorted((a for root in roots for a in descend(root)), key=lambda a: a.code)


def _serving_offices(config: _Config, targets: Sequence[Area]) -> dict[int, list[Office]]:
    """figure area id → offices serving it (linked to it, a descendant or an ancestor)."""
    target_ids = {a.id for a in targets}
    result: dict[int, list[Office]] = defaultdict(list)

    def ancestors(area_id: int) -> Iterable[int]:
        seen = set()
        while area_id in config.by_id and area_id not in seen:
            seen.add(area_id)
            yield area_id
            parent = config.by_id[area_id].parent_id
            if parent is None:
                return
            area_id = parent

    def descendants(area_id: int) -> Iterable[int]:
        for kid in config.children.get(area_id, []):
            yield kid.id
            yield from descendants(kid.id)

    for office in config.offices:
        served: set[int] = set()
        for area_id in config.office_areas.get(office.id, []):
            up = [a for a in ancestors(area_id) if a in target_ids]
            served.update(up or [d for d in descendants(area_id) if d in target_ids])
        for area_id in sorted(served):
            result[area_id].append(office)
    return result


# -- figures --------------------------------------------------------------------------------


@dataclass
class _Population:
    total: int
    u18: int
    u21: int
    year: int  # reference year


def _base_population(config: _Config, area: Area, first_year: int) -> _Population:
    record = config.population.get(area.id)
    if record is None:
        # 🧪 no population record at all: a placeholder of 5,000 inhabitants
        return _Population(
            DEFAULT_POPULATION,
            round(DEFAULT_POPULATION * 0.17),
            round(DEFAULT_POPULATION * 0.20),
            first_year,
        )
    u18, u21, total = record.under_18, record.under_21, record.total
    if u18 is None:
        u18 = round(u21 * 0.85) if u21 is not None else round((total or 0) * 0.17)
    if u21 is None:
        u21 = round(u18 / 0.85)
    u21 = max(u21, u18)
    total = max(total if total is not None else round(u21 / 0.2), u21)
    return _Population(total, u18, u21, record.reference_date.year)


def _population_series(
    rng: random.Random, base: _Population, years: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Yearly population by band, consistent (bands sum up, parts ≤ totals)."""
    growth_total = rng.uniform(-0.006, 0.006)
    growth_young = growth_total + rng.uniform(-0.004, 0.006)
    share_0_5 = 6 / 18 * rng.uniform(0.94, 1.06)
    share_6_13 = 8 / 18 * rng.uniform(0.96, 1.04)
    result = {}
    for year in years:
        k = year - base.year
        total = base.total * (1 + growth_total) ** k * rng.uniform(0.998, 1.002)
        young = (1 + growth_young) ** k * rng.uniform(0.995, 1.005)
        u18 = round(base.u18 * young)
        u21 = max(round(base.u21 * young), u18)
        drift = 1 + 0.004 * k * rng.uniform(-1, 1)
        p0 = min(u18, round(u18 * share_0_5 * drift))
        p6 = min(u18 - p0, round(u18 * share_6_13))
        result[year] = {
            "POP_TOTAL": max(round(total), u21),
            "POP_0_5": p0,
            "POP_6_13": p6,
            "POP_14_17": u18 - p0 - p6,
            "POP_18_20": u21 - u18,
            "POP_U18": u18,
            "POP_U21": u21,
        }
    return result


def _growth(code: str) -> float:
    if code in GROWTH_FALLING:
        return GROWTH_FALLING[code]
    return GROWTH_FALLING_AMBULANT


def _office_state(offices: Sequence[Office], year: int, month: int) -> tuple[bool, bool, int]:
    """(an office is open, one opened less than FALLING_YEARS ago, months since first opening)."""
    is_open = falling = False
    since = -1
    index = year * 12 + month - 1
    for office in offices:
        opened = office.opened_on
        start = opened.year * 12 + opened.month - 1 if opened else -(10**6)
        closed = office.closed_on
        end = closed.year * 12 + closed.month - 1 if closed else 10**7
        if start <= index < end:
            is_open = True
            falling = falling or index - start < FALLING_YEARS * 12
            since = max(since, index - start)
    return is_open, falling, since


class _Series:
    """One stock-flow series (running, new, ended) of one help type in one area."""

    def __init__(self, monthly_new: float, duration: float) -> None:
        self.monthly_new = monthly_new
        self.duration = duration
        self.running = round(monthly_new * duration)
        self.new_round = _Rounder()
        self.end_round = _Rounder()

    def step(self, rng: random.Random, intensity: float, month: int) -> tuple[int, int, int]:
        new = self.new_round(
            self.monthly_new * intensity * SEASON_NEW[month - 1] * _noise(rng, 0.12)
        )
        ended = self.end_round(
            self.running / self.duration * SEASON_END[month - 1] * _noise(rng, 0.08)
        )
        ended = min(ended, self.running + new)
        self.running += new - ended
        return self.running, new, ended


class _YoungAdults:
    """The § 41 line: the young adults among the cases of the help types, as a stock-flow
    series of its own (running = running before + new − ended), never above the totals."""

    def __init__(self, running: float) -> None:
        self.running = round(running)
        self.new_round = _Rounder()
        self.end_round = _Rounder()

    def step(self, new: float, ended: float, totals: Sequence[int]) -> tuple[int, int, int]:
        run_total, new_total, end_total = totals
        started = min(new_total, self.new_round(new))
        stopped = min(end_total, self.running + started, self.end_round(ended))
        stopped = max(stopped, self.running + started - run_total)
        self.running += started - stopped
        return self.running, started, stopped


def _area_figures(
    rng: random.Random,
    need: float,
    population: dict[int, dict[str, int]],
    offices: Sequence[Office],
    months: Sequence[tuple[int, int]],
    calibration: Calibration,
) -> dict[str, list[float]]:
    """Monthly values per metric code for one area, in the order of ``months``."""
    first_year = months[0][0]
    u21_first = population[first_year]["POP_U21"]
    per_1000 = u21_first / 1000
    shares = _shares(calibration)
    series = {
        code: _Series(
            calibration.base_rate * need * per_1000 * shares[code] / (duration + 12), duration
        )
        for code, (_share, duration, _cost) in HZE_TYPES.items()
    }
    young = _YoungAdults(sum(series[c].running * YOUNG_ADULTS[c] for c in HZE_TYPES))
    eb = _Series(EB[0] * per_1000 / (EB[1] + 12), EB[1])
    egh = _Series(EGH35A[0] * per_1000 / (EGH35A[1] + 12), EGH35A[1])
    other = {name: _Rounder() for name in ("ION_COUNT", "KWG8A_COUNT", "SRO_OTHER_HELP")}
    log_intensity = dict.fromkeys(HZE_TYPES, 0.0)
    values: dict[str, list[float]] = defaultdict(list)
    for index, (year, month) in enumerate(months):
        is_open, falling, since = _office_state(offices, year, month)
        if index:
            for code in HZE_TYPES:
                if not is_open:
                    rate = calibration.growth_free
                elif falling:
                    rate = _growth(code) * calibration.falling
                else:
                    rate = GROWTH_STABLE
                log_intensity[code] += math.log1p(rate) / 12
        t = index / 12
        pop_factor = population[year]["POP_U21"] / u21_first if u21_first else 0.0
        totals = [0, 0, 0]
        adults = [0.0, 0.0, 0.0]
        cost = 0.0
        for code, (_share, _duration, monthly_cost) in HZE_TYPES.items():
            step = series[code].step(rng, math.exp(log_intensity[code]) * pop_factor, month)
            for position, (prefix, count) in enumerate(
                zip(("RUN", "NEW", "END"), step, strict=True)
            ):
                values[f"HZE_{prefix}_{code}"].append(count)
                totals[position] += count
                adults[position] += count * YOUNG_ADULTS[code]
            cost += step[0] * monthly_cost
        for prefix, count in zip(("RUN", "NEW", "END"), totals, strict=True):
            values[f"HZE_{prefix}"].append(count)
        for prefix, count in zip(
            ("RUN", "NEW", "END"), young.step(adults[1], adults[2], totals), strict=True
        ):
            values[f"HZE_{prefix}_41"].append(count)
        values["HZE_EXP_TOTAL"].append(
            float(round(cost * (1 + PRICE_GROWTH) ** t * _noise(rng, 0.03)))
        )
        for prefix, stock, growth in (("EB", eb, EB[2]), ("EGH35A", egh, EGH35A[2])):
            running, new, ended = stock.step(rng, (1 + growth) ** t * pop_factor, month)
            values[f"{prefix}_RUN"].append(running)
            values[f"{prefix}_NEW"].append(new)
            values[f"{prefix}_END"].append(ended)
        u21 = population[year]["POP_U21"] / 1000
        refugees = 1.8 if (2015, 7) <= (year, month) <= (2016, 6) else 1.0
        values["ION_COUNT"].append(
            other["ION_COUNT"](
                u21
                * calibration.ion_rate
                / 12
                * (1 + ION_GROWTH) ** t
                * refugees
                * _noise(rng, 0.25)
            )
        )
        values["KWG8A_COUNT"].append(
            other["KWG8A_COUNT"](u21 * KWG8A_RATE / 12 * (1 + KWG8A_GROWTH) ** t * _noise(rng, 0.2))
        )
        ramp = min(1.0, (since + 1) / 12) if is_open else 0.0
        help_rate = OTHER_HELP_NONE + (OTHER_HELP_OPEN - OTHER_HELP_NONE) * ramp
        values["SRO_OTHER_HELP"].append(other["SRO_OTHER_HELP"](u21 * help_rate * _noise(rng, 0.3)))
    return values


def _needs(
    rng_for: Any,
    targets: Sequence[Area],
    served: dict[int, list[Office]],
    u21: dict[int, int],
    sourced: dict[str, float] | None = None,
) -> dict[int, float]:
    """Need level per figure area, u21-weighted mean 1 over the tenant; ``sourced``: area
    code → need before the normalisation, for areas with a sourced magnitude."""
    raw = {
        area.id: rng_for(area.code).uniform(0.75, 1.3)
        * (SERVED_NEED if served.get(area.id) else 1.0)
        for area in targets
    }
    for area in targets:
        if area.code in (sourced or {}):
            raw[area.id] = (sourced or {})[area.code]
    weight = sum(u21[a.id] for a in targets)
    mean = sum(raw[a.id] * u21[a.id] for a in targets) / weight if weight else 1.0
    return {key: value / mean for key, value in raw.items()}


# -- activities -----------------------------------------------------------------------------


def _split(rng: random.Random, count: int, weights: dict[str, float]) -> dict[str, int]:
    result = dict.fromkeys(BANDS, 0)
    bands = [b for b, w in weights.items() if w > 0]
    if not bands or count <= 0:
        return result
    for band in rng.choices(bands, [weights[b] for b in bands], k=count):
        result[band] += 1
    return result


def _overlap(low: int, high: int) -> dict[str, float]:
    return {
        band: max(0, min(high, last) - max(low, first) + 1) for band, (first, last) in BANDS.items()
    }


def _participants(rng: random.Random, kind: str, offering: Offering | None) -> dict[str, int]:
    if kind == "group_session" and offering is not None:
        low = offering.age_min if offering.age_min is not None else None
        high = offering.age_max if offering.age_max is not None else None
        if low is None and high is None:
            return _split(
                rng,
                rng.randint(4, 14),
                {
                    "p_0_5": 1,
                    "p_6_13": 1.5,
                    "p_14_17": 0.5,
                    "p_18_26": 1.5,
                    "p_27_64": 4.5,
                    "p_65_plus": 1.5,
                },
            )
        low, high = low or 0, min(high if high is not None else 80, 80)
        counts = _split(rng, rng.randint(3, 14), _overlap(low, max(low, high)))
        if high < 18 and low < 6:  # parents come with their small children
            adults = max(1, round(sum(counts.values()) * rng.uniform(0.5, 0.9)))
            for band, n in _split(rng, adults, {"p_18_26": 3, "p_27_64": 7}).items():
                counts[band] += n
        return counts
    if kind == "short_counselling":
        return _split(rng, rng.randint(1, 3), {"p_18_26": 3, "p_27_64": 6, "p_65_plus": 1})
    if kind == "network_meeting":
        return _split(rng, rng.randint(4, 14), {"p_18_26": 1, "p_27_64": 8, "p_65_plus": 1})
    if kind == "event":
        return _split(
            rng,
            rng.randint(25, 180),
            {
                "p_0_5": 2,
                "p_6_13": 3,
                "p_14_17": 1,
                "p_18_26": 1.5,
                "p_27_64": 4,
                "p_65_plus": 1.5,
            },
        )
    if kind == "outreach":
        return _split(
            rng,
            rng.randint(3, 20),
            {
                "p_6_13": 2,
                "p_14_17": 4,
                "p_18_26": 3,
                "p_27_64": 1,
            },
        )
    return _split(
        rng,
        rng.randint(1, 8),
        {
            "p_0_5": 0.5,
            "p_6_13": 0.5,
            "p_14_17": 0.5,
            "p_18_26": 1.5,
            "p_27_64": 5,
            "p_65_plus": 1,
        },
    )


def _day(rng: random.Random, first: date, last: date, kind: str, offering: Offering | None) -> date:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weekdays = {slot.get("day") for slot in (offering.schedule or [])} if offering else set()
    candidates = [d for d in days if d.weekday() in weekdays]
    if not candidates:
        if kind == "event":
            candidates = [d for d in days if d.weekday() >= 4] or days
        else:
            candidates = [d for d in days if d.weekday() < 5] or days
    return rng.choice(candidates)


def _office_activities(
    rng: random.Random,
    config: _Config,
    office: Office,
    tenant_id: int,
    months: Sequence[tuple[int, int]],
) -> tuple[list[dict[str, Any]], list[list[int]], list[list[int]], list[str]]:
    """Activity rows, their principles and partner carriers, and the months covered."""
    first_day = date(*months[0], 1)
    last_day = _month_end(*months[-1])
    start = max(office.opened_on or first_day, first_day)
    end = min(office.closed_on or last_day, last_day)
    rows: list[dict[str, Any]] = []
    principles: list[list[int]] = []
    carriers: list[list[int]] = []
    covered: list[str] = []
    if start > end:
        return rows, principles, carriers, covered
    offerings = config.offerings.get(office.id, [])
    areas = config.office_areas.get(office.id, [])
    partners = config.office_carriers.get(office.id, []) or config.carriers
    kinds = [k for k in KINDS if k in KIND_WEIGHTS and (offerings or k != "group_session")]
    weights = [KIND_WEIGHTS[k] for k in kinds]
    usual = rng.randint(12, 24)
    now = utcnow()
    opened_index = start.year * 12 + start.month
    for year, month in months:
        month_first, month_last = date(year, month, 1), _month_end(year, month)
        if month_last < start or month_first > end:
            continue
        covered.append(_period(year, month))
        lo, hi = max(month_first, start), min(month_last, end)
        ramp = min(1.0, 0.6 + 0.4 * (year * 12 + month - opened_index) / 6)
        count = round(usual * SEASON_ACTIVITY[month - 1] * ramp * rng.gauss(1.0, 0.15))
        count = min(30, max(8, count))
        share = ((hi - lo).days + 1) / ((month_last - month_first).days + 1)
        if share < 1:
            count = max(1, round(count * share))
        for _ in range(count):
            kind = rng.choices(kinds, weights)[0]
            offering = rng.choice(offerings) if kind == "group_session" else None
            day = _day(rng, lo, hi, kind, offering)
            stamp = min(datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC), now)
            row = {
                "tenant_id": tenant_id,
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
                "date": day,
                "office_id": office.id,
                "area_id": rng.choice(areas) if areas else None,
                "kind": kind,
                "offering_id": offering.id if offering else None,
                "note": rng.choice(NOTES) if rng.random() < 0.06 else "",
                "created_by": None,
                "synthetic": True,
                **_participants(rng, kind, offering),
            }
            rows.append(row)
            pool = list(config.offering_principles.get(offering.id, [])) if offering else []
            chosen: list[int] = []
            if config.principles:
                wanted = 1 if rng.random() < 0.6 else 2
                if pool:
                    chosen.append(rng.choice(pool))
                while len(chosen) < min(wanted, len(config.principles)):
                    pick = rng.choice(config.principles)
                    if pick not in chosen:
                        chosen.append(pick)
            principles.append(chosen)
            if partners and rng.random() < PARTNER_CHANCE[kind]:
                carriers.append([rng.choice(partners)])
            else:
                carriers.append([])
    return rows, principles, carriers, covered


# -- period states --------------------------------------------------------------------------


#: the reason of the demo's reopened months
REOPEN_REASON = "Nachmeldung: Fallzahlen nach § 34 korrigiert"


def recent_states(rng: random.Random, ref_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The state of the last month and of the one before, per area or office: most approved,
    some submitted, some drafts (the last month only) and one reopened month.

    By rank of a random key, so that a tenant with three areas or more has every state:
    last month about 15 % drafts and 30 % submitted, the month before about 10 %
    submitted and one reopened.
    """
    order = sorted(ref_ids, key=lambda _ref: rng.random())
    count = len(order)
    drafts = max(1, round(0.15 * count)) if count >= 3 else 0
    submitted = max(1, round(0.3 * count)) if count >= 2 else 0
    states: dict[int, tuple[str, str]] = {}
    for rank, ref in enumerate(order):
        last = "draft" if rank < drafts else "submitted" if rank < drafts + submitted else ""
        states[ref] = (last or "approved", "approved")
    reopened = 1 if count >= 4 else 0
    resubmitted = max(1, round(0.1 * count)) if count >= 2 else 0
    for rank, ref in enumerate(sorted(ref_ids, key=lambda _ref: rng.random())):
        if rank < reopened:
            states[ref] = (states[ref][0], "reopened")
        elif rank < reopened + resubmitted:
            states[ref] = (states[ref][0], "submitted")
    return states


def _status_rows(
    tenant_id: int,
    scope: str,
    ref_id: int,
    periods: Iterable[str],
    last_months: tuple[str, str],
    states: tuple[str, str] = ("draft", "submitted"),
) -> list[dict[str, Any]]:
    """Approved, except the last two months: ``states`` = (state of the month before the
    last, state of the last month); a draft gets no row."""
    before, last = last_months
    recent = {last: states[0], before: states[1]}
    now = utcnow()
    rows = []
    for period in periods:
        state = recent.get(period, "approved")
        if state == "draft":
            continue
        if len(period) == 4:
            changed = datetime(int(period) + 1, 3, 15, 10, 0, tzinfo=UTC)
        else:
            year, month = _next_month(int(period[:4]), int(period[5:]))
            day = {"approved": 12, "submitted": 6, "reopened": 20}[state]
            changed = datetime(year, month, day, 10, 0, tzinfo=UTC)
        rows.append(
            {
                "tenant_id": tenant_id,
                "version": 1,
                "scope": scope,
                "area_id": ref_id if scope == "area" else None,
                "office_id": ref_id if scope == "office" else None,
                "period": period,
                "state": state,
                "reason": REOPEN_REASON if state == "reopened" else "",
                "changed_by": None,
                "changed_at": min(changed, now),
            }
        )
    return rows


# -- the entry point ------------------------------------------------------------------------


def _metric_ids() -> dict[str, int]:
    """Shared metrics by code, without the roll-ups computed from activities."""
    rows = db.session.execute(
        select(Metric.code, Metric.id, Metric.rules).where(Metric.tenant_id.is_(None))
    )
    return {
        code: metric_id
        for code, metric_id, rules in rows
        if (rules or {}).get("source") != "activities"
    }


def _insert_activities(rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert activities; their new ids in the order of ``rows``.

    ``INSERT … RETURNING`` with ``sort_by_parameter_order`` would fall back to one statement
    per row here (SQLite and PostgreSQL alike) and splice the results, quadratic in the row
    count. Instead the ids are read back: one session hands out ascending ids in insertion
    order (SQLite rowids, PostgreSQL sequences), so the new rows are the tenant's rows above
    its highest id so far, in id order. That they are is checked against the rows themselves.
    """
    session = db.session
    before = session.execute(select(func.max(Activity.id))).scalar() or 0
    session.execute(insert(Activity), rows)
    found = session.execute(
        select(Activity.id, Activity.office_id, Activity.date, Activity.kind)
        .where(Activity.id > before)
        .order_by(Activity.id)
    ).all()
    expected = [(row["office_id"], row["date"], row["kind"]) for row in rows]
    if [(r.office_id, r.date, r.kind) for r in found] != expected:  # pragma: no cover
        raise RuntimeError("the new activity ids could not be matched to the inserted rows")
    return [r.id for r in found]


def last_complete_month(today: date | None = None) -> tuple[int, int]:
    """The month before the current one: the last month whose figures can be complete."""
    today = today or date.today()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def generate_demo_data(
    tenant: Tenant,
    *,
    seed: int = 2015,
    years: Iterable[int] | None = None,
    first_year: int = 2015,
    until: tuple[int, int] | None = None,
) -> dict[str, int]:
    """Add synthetic figures, activities and period states; returns rows written per table.

    Monthly figures from January of ``first_year`` to ``until`` (year, month; default: the
    last complete month before today), yearly figures (population) for the complete years;
    ``years`` (whole years) is the older way to say the same. Does nothing (all counts 0)
    when the tenant already has figure values. Does not commit.
    """
    if years is not None:
        chosen = sorted(set(years))
        if not chosen:
            return dict.fromkeys(TABLES, 0)
        first_year, until = chosen[0], (chosen[-1], 12)
    until = until or last_complete_month()
    counts = dict.fromkeys(TABLES, 0)
    if until < (first_year, 1):
        return counts
    years = list(range(first_year, until[0] + 1))
    complete_years = [y for y in years if (y, 12) <= until]
    tenant_id, slug = tenant.id, tenant.slug
    months = [(y, m) for y in years for m in range(1, 13) if (y, m) <= until]
    periods = [_period(*ym) for ym in months]
    last_months = (periods[-2], periods[-1]) if len(periods) > 1 else ("", periods[-1])
    calibration = CALIBRATION.get(slug, Calibration())
    now = utcnow()

    with tenant_scope(tenant_id):
        if db.session.execute(select(FigureValue.id).limit(1)).first() is not None:
            return counts
        config = _load_config()
        metrics = _metric_ids()
        targets = figure_areas(config)
        served = _serving_offices(config, targets)

        figures: list[dict[str, Any]] = []
        stamps: dict[str, datetime] = {}

        def stamp(period: str) -> datetime:
            if period not in stamps:
                if len(period) == 4:
                    value = datetime(int(period) + 1, 3, 1, 9, 0, tzinfo=UTC)
                else:
                    year, month = _next_month(int(period[:4]), int(period[5:]))
                    value = datetime(year, month, 5, 9, 0, tzinfo=UTC)
                stamps[period] = min(value, now)
            return stamps[period]

        def add(code: str, area_id: int, period: str, value: float) -> None:
            metric_id = metrics.get(code)
            if metric_id is None:
                return
            figures.append(
                {
                    "tenant_id": tenant_id,
                    "version": 1,
                    "created_at": stamp(period),
                    "updated_at": stamp(period),
                    "metric_id": metric_id,
                    "area_id": area_id,
                    "period": period,
                    "value": float(value),
                    "source": SOURCE,
                }
            )

        populations = {
            area.id: _population_series(
                _rng(seed, slug, "population", area.code),
                _base_population(config, area, years[0]),
                years,
            )
            for area in targets
        }
        needs = _needs(
            lambda code: _rng(seed, slug, "need", code),
            targets,
            served,
            {a.id: populations[a.id][years[0]]["POP_U21"] for a in targets},
            calibration.need,
        )
        statuses: list[dict[str, Any]] = []
        area_states = recent_states(_rng(seed, slug, "workflow"), [a.id for a in targets])
        for area in targets:
            for year in complete_years:
                for code, value in populations[area.id][year].items():
                    add(code, area.id, str(year), value)
            series = _area_figures(
                _rng(seed, slug, "figures", area.code),
                needs[area.id],
                populations[area.id],
                served.get(area.id, []),
                months,
                calibration,
            )
            for code, monthly in series.items():
                for period, amount in zip(periods, monthly, strict=True):
                    add(code, area.id, period, amount)
            statuses += _status_rows(
                tenant_id,
                "area",
                area.id,
                [*periods, *map(str, complete_years)],
                last_months,
                area_states[area.id],
            )

        activities: list[dict[str, Any]] = []
        activity_principles: list[list[int]] = []
        activity_carriers: list[list[int]] = []
        office_states = recent_states(
            _rng(seed, slug, "office-workflow"), [o.id for o in config.offices]
        )
        for office in config.offices:
            rows, principles, carriers, covered = _office_activities(
                _rng(seed, slug, "activities", office.code), config, office, tenant_id, months
            )
            activities += rows
            activity_principles += principles
            activity_carriers += carriers
            statuses += _status_rows(
                tenant_id, "office", office.id, covered, last_months, office_states[office.id]
            )

        session = db.session
        if figures:
            session.execute(insert(FigureValue), figures)
        if statuses:
            session.execute(insert(PeriodStatus), statuses)
        links_p: list[dict[str, Any]] = []
        links_c: list[dict[str, Any]] = []
        if activities:
            ids = _insert_activities(activities)
            for activity_id, principle_ids, carrier_ids in zip(
                ids, activity_principles, activity_carriers, strict=True
            ):
                links_p += [
                    {"tenant_id": tenant_id, "activity_id": activity_id, "principle_id": p}
                    for p in principle_ids
                ]
                links_c += [
                    {"tenant_id": tenant_id, "activity_id": activity_id, "carrier_id": c}
                    for c in carrier_ids
                ]
            if links_p:
                session.execute(insert(ActivityPrinciple), links_p)
            if links_c:
                session.execute(insert(ActivityCarrier), links_c)
        counts.update(
            figure_values=len(figures),
            period_statuses=len(statuses),
            activities=len(activities),
            activity_principles=len(links_p),
            activity_carriers=len(links_c),
        )

    with all_tenants():
        row = session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one_or_none()
        if row is not None:
            row.settings = {**(row.settings or {}), "synthetic_demo": True}
            session.flush()
    return counts
