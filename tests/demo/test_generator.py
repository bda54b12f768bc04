"""Synthetic demo data (saas.demo.generator): determinism, consistency, magnitudes, effect."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from saas import create_app
from saas.activities.models import Activity, ActivityCarrier, ActivityPrinciple
from saas.areas.models import Area, AreaLevel, AreaPopulation
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.demo.generator import _load_config, _serving_offices, figure_areas, generate_demo_data
from saas.figures.models import FigureValue, PeriodStatus
from saas.metrics.catalogue import AMBULANT, HELP_TYPES, PART_RESIDENTIAL, RESIDENTIAL, WITHIN
from saas.metrics.models import Metric
from saas.offices.models import Office, OfficeArea
from saas.tenants.models import Tenant
from tests.config.factories import loaded, seed_config
from tests.conftest import tenant

YEARS = range(2015, 2025)
UNTIL = (2024, 12)
#: the help types that make up the cases; § 41 is a "darunter" line inside them
TYPES = [suffix for suffix, _de, _en in HELP_TYPES if suffix not in WITHIN]
OPENED = date(2020, 3, 1)  # the office of seed_config
OFFICE_AREA = "zz14"  # Drewer-Nord of seed_config
OTHER = "sinsen"


def configure(slug: str, prefix: str = "") -> tuple[Tenant, dict[str, Any]]:
    """A tenant configured like Marl in small, plus the areas the choice of figure areas needs.

    * Drewer-Nord (office since 2020-03) with a larger, later population record;
    * Sinsen (no office) with population data: the control area;
    * the quarter of Drewer-Nord (no population data) and a Stadtbezirk of a second hierarchy
      that no office serves (population data): neither may carry figures.
    """
    with all_tenants():
        tenant = Tenant(slug=slug, name=slug.title())
        db.session.add(tenant)
        db.session.commit()
    objs = seed_config(tenant, prefix)
    with tenant_scope(tenant):
        # seed_config logs one figure and one activity by hand: a tenant with figures is
        # left alone by the generator, so they go
        db.session.delete(objs.pop("figure"))
        db.session.delete(objs.pop("activity"))
        political = AreaLevel(code="bezirk", name="Bezirk", hierarchy="political", position=1)
        db.session.add(political)
        db.session.flush()
        other = Area(code=OTHER, name="Sinsen", level_id=objs["level"].id)
        district = Area(code="B1", name="Bezirk Nord", level_id=political.id)
        db.session.add_all([other, district])
        db.session.flush()
        db.session.add_all(
            [
                AreaPopulation(
                    area_id=objs["area"].id,
                    reference_date=date(2024, 6, 30),
                    total=30000,
                    under_18=5200,
                    under_21=6100,
                    source="test",
                ),
                AreaPopulation(
                    area_id=other.id,
                    reference_date=date(2020, 12, 31),
                    total=28000,
                    under_18=4700,
                    under_21=5600,
                    source="test",
                ),
                AreaPopulation(
                    area_id=district.id,
                    reference_date=date(2020, 12, 31),
                    total=58000,
                    under_18=9900,
                    under_21=11700,
                    source="test",
                ),
            ]
        )
        db.session.commit()
        added = loaded({"other": other, "district": district})
    return tenant, {**objs, **added}


def build(
    slug: str, seed: int = 2015, prefix: str = ""
) -> tuple[Tenant, dict[str, Any], dict[str, int]]:
    """:func:`configure`, then generate the demo data (committed)."""
    tenant, objs = configure(slug, prefix)
    counts = generate_demo_data(tenant, seed=seed, until=UNTIL)
    db.session.commit()
    return tenant, objs, counts


def figures(tenant: Tenant) -> dict[tuple[str, str, str], float]:
    """(metric code, area code, period) → value."""
    with tenant_scope(tenant):
        rows = db.session.execute(
            select(Metric.code, Area.code, FigureValue.period, FigureValue.value)
            .join(Metric, Metric.id == FigureValue.metric_id)
            .join(Area, Area.id == FigureValue.area_id)
        ).all()
    return {(code, area, period): value for code, area, period, value in rows}


def snapshot(tenant: Tenant) -> dict[str, Any]:
    """Everything generated, keyed by codes (ids may differ between databases)."""
    with tenant_scope(tenant):
        activities = db.session.execute(
            select(
                Office.code,
                Activity.date,
                Activity.kind,
                Activity.p_0_5,
                Activity.p_6_13,
                Activity.p_14_17,
                Activity.p_18_26,
                Activity.p_27_64,
                Activity.p_65_plus,
                Activity.note,
                Activity.id,
            )
            .join(Office, Office.id == Activity.office_id)
            .order_by(Activity.id)
        ).all()
        principles = db.session.execute(
            select(func.count(), func.sum(ActivityPrinciple.activity_id))
        ).one()
        carriers = db.session.execute(select(func.count()).select_from(ActivityCarrier)).one()
        statuses = sorted(
            db.session.execute(
                select(PeriodStatus.scope, PeriodStatus.period, PeriodStatus.state)
            ).all()
        )
    values = figures(tenant)
    sums: dict[str, float] = defaultdict(float)
    for (code, _area, _period), value in values.items():
        sums[code] += value
    return {
        "figures": sorted(values.items()),
        "sums": dict(sums),
        "activities": [tuple(row[:-1]) for row in activities],
        "principle_links": tuple(principles),
        "carrier_links": tuple(carriers),
        "statuses": statuses,
    }


def case_rate(values: dict[tuple[str, str, str], float], areas: list[str], year: int) -> float:
    """Destatis case count (running 31 Dec + ended in the year, excl. § 28) per 1,000 u21."""
    cases = sum(values[("HZE_RUN", a, f"{year}-12")] for a in areas) + sum(
        values[("HZE_END", a, f"{year}-{m:02d}")] for a in areas for m in range(1, 13)
    )
    return 1000 * cases / sum(values[("POP_U21", a, str(year))] for a in areas)


def yearly(values: dict[tuple[str, str, str], float], code: str, area: str) -> list[float]:
    return [sum(values[(code, area, f"{y}-{m:02d}")] for m in range(1, 13)) for y in YEARS]


def test_figures_are_consistent_and_plausible(app: Flask) -> None:
    tenant, objs, counts = build("demo-a")
    values = figures(tenant)
    assert counts["figure_values"] == len(values) > 0

    # one partition of the served hierarchy: neither the quarter nor the other hierarchy
    assert {area for _, area, _ in values} == {OFFICE_AREA, OTHER}

    # population: yearly, bands add up, parts never exceed totals
    for area in (OFFICE_AREA, OTHER):
        for year in YEARS:
            pop = {
                code: values[(code, area, str(year))]
                for code in (
                    "POP_TOTAL",
                    "POP_0_5",
                    "POP_6_13",
                    "POP_14_17",
                    "POP_18_20",
                    "POP_U18",
                    "POP_U21",
                )
            }
            assert pop["POP_U18"] == pop["POP_0_5"] + pop["POP_6_13"] + pop["POP_14_17"]
            assert pop["POP_U21"] == pop["POP_U18"] + pop["POP_18_20"]
            assert min(pop.values()) >= 0
            assert pop["POP_U18"] <= pop["POP_U21"] <= pop["POP_TOTAL"]
            assert ("POP_TOTAL", area, f"{year}-01") not in values

    months = [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]
    for area in (OFFICE_AREA, OTHER):
        for index, period in enumerate(months):
            for kind in ("RUN", "NEW", "END"):
                parts = [values[(f"HZE_{kind}_{t}", area, period)] for t in TYPES]
                assert values[(f"HZE_{kind}", area, period)] == sum(parts)
                assert all(0 <= p <= values[(f"HZE_{kind}", area, period)] for p in parts)
                assert 0 <= values[(f"HZE_{kind}_41", area, period)] <= sum(parts)
            if index == 0:
                continue
            before = months[index - 1]
            for prefix in [f"HZE_{t}" for t in (*TYPES, *WITHIN)] + ["HZE", "EB", "EGH35A"]:
                head, _, tail = prefix.partition("_")
                run, new, end = (
                    f"{head}_{k}_{tail}" if tail else f"{head}_{k}" for k in ("RUN", "NEW", "END")
                )
                assert values[(run, area, period)] == (
                    values[(run, area, before)]
                    + values[(new, area, period)]
                    - values[(end, area, period)]
                ), (prefix, area, period)
            for code in ("ION_COUNT", "KWG8A_COUNT", "SRO_OTHER_HELP", "HZE_EXP_TOTAL"):
                assert values[(code, area, period)] >= 0
            assert values[("HZE_EXP_TOTAL", area, period)] > 0

    # magnitudes: case count per 1,000 under-21s, shares near the national ones
    for year in YEARS:
        assert 30 <= case_rate(values, [OFFICE_AREA, OTHER], year) <= 50, year

    def cases(types: tuple[str, ...] | list[str]) -> float:
        return sum(
            values[(f"HZE_RUN_{t}", a, "2024-12")]
            + sum(values[(f"HZE_END_{t}", a, f"2024-{m:02d}")] for m in range(1, 13))
            for t in types
            for a in (OFFICE_AREA, OTHER)
        )

    total = cases(TYPES)
    assert 0.45 <= cases(AMBULANT) / total <= 0.65
    assert 0.02 <= cases(PART_RESIDENTIAL) / total <= 0.07
    assert 0.30 <= cases(RESIDENTIAL) / total <= 0.45

    # every row synthetic; nothing for the roll-ups computed from activities
    with tenant_scope(tenant):
        sources = set(db.session.execute(select(FigureValue.source).distinct()).scalars())
        rollups = db.session.execute(
            select(func.count())
            .select_from(FigureValue)
            .join(Metric, Metric.id == FigureValue.metric_id)
            .where(
                Metric.code.in_(
                    [
                        "SRO_ACTIVITIES",
                        "SRO_PARTICIPANTS",
                        "SRO_GROUP_SESSIONS",
                        "SRO_SHORT_COUNSEL",
                        "SRO_NETWORK_EVENTS",
                    ]
                )
            )
        ).scalar()
        assert not db.session.execute(
            select(Activity.id).where(Activity.synthetic.is_(False))
        ).first()
    assert sources == {"synthetic"}
    assert rollups == 0
    with all_tenants():
        assert db.session.get(Tenant, tenant.id).settings["synthetic_demo"] is True


def test_figure_areas_partition_the_served_hierarchy(app: Flask) -> None:
    """Figures on the office level; finer complete children only down to it; no overlap."""
    tenant, objs = configure("demo-p")
    with tenant_scope(tenant):
        municipality = AreaLevel(code="gemeinde", name="Gemeinde", position=0)
        db.session.add(municipality)
        db.session.flush()
        whole = Area(code="G", name="Gemeinde G", level_id=municipality.id)
        partly = Area(code="H", name="Gemeinde H", level_id=municipality.id)
        db.session.add_all([whole, partly])
        db.session.flush()
        parts = [
            Area(code=code, name=code, level_id=objs["level"].id, parent_id=parent.id)
            for code, parent in (("G1", whole), ("G2", whole), ("H1", partly))
        ]
        office = Office(code="og", name="Büro G", opened_on=date(2017, 1, 1))
        db.session.add_all([*parts, office])
        db.session.flush()
        db.session.add(OfficeArea(office_id=office.id, area_id=whole.id))
        for area, total in (
            (whole, 20000),
            (parts[0], 12000),
            (parts[1], 8100),
            (partly, 10000),
            (parts[2], 4000),
            (objs["quarter"], 30000),
        ):
            db.session.add(
                AreaPopulation(
                    area_id=area.id,
                    reference_date=date(2022, 12, 31),
                    total=total,
                    under_18=total // 6,
                    under_21=total // 5,
                    source="test",
                )
            )
        db.session.commit()
        config = _load_config()
        chosen = [a.code for a in figure_areas(config)]
        served = _serving_offices(config, figure_areas(config))
    # G's Stadtteile make up G; H1 is only part of H; the quarter is below the office level
    assert chosen == sorted(["G1", "G2", "H", OFFICE_AREA, OTHER])
    codes = {a.id: a.code for a in [*parts, whole, partly, objs["area"], objs["other"]]}
    assert {codes[a]: [o.code for o in offices] for a, offices in served.items()} == {
        "G1": ["og"],
        "G2": ["og"],
        OFFICE_AREA: [objs["office"].code],
    }
    generate_demo_data(tenant, until=UNTIL)
    db.session.commit()
    assert {area for _, area, _ in figures(tenant)} == set(chosen)


def test_generation_is_idempotent(app: Flask) -> None:
    tenant, _objs, counts = build("demo-b")
    assert all(counts.values())
    before = snapshot(tenant)
    again = generate_demo_data(tenant, until=UNTIL)
    db.session.commit()
    assert again == dict.fromkeys(counts, 0)
    assert snapshot(tenant) == before


def test_generation_is_deterministic(app: Flask, fresh_config: Callable[[], Any]) -> None:
    tenant, _objs, _counts = build("demo-c")
    first = snapshot(tenant)

    other = create_app(fresh_config())
    with other.app_context():
        tenant2, _objs2, _counts2 = build("demo-c")
        second = snapshot(tenant2)
        db.session.remove()
        db.engine.dispose()
    assert second["sums"] == first["sums"]
    assert second == first

    # another seed gives other data
    tenant3, _objs3, _counts3 = build("demo-d", seed=7, prefix="d")
    assert snapshot(tenant3)["sums"] != first["sums"]


def test_activities_follow_the_office(app: Flask) -> None:
    tenant, objs, counts = build("demo-e")
    office, offering = objs["office"], objs["offering"]
    with tenant_scope(tenant):
        rows = db.session.execute(select(Activity)).scalars().all()
        served = set(
            db.session.execute(
                select(OfficeArea.area_id).where(OfficeArea.office_id == office.id)
            ).scalars()
        )
        links = defaultdict(int)
        for activity_id in db.session.execute(select(ActivityPrinciple.activity_id)).scalars():
            links[activity_id] += 1
    assert len(rows) == counts["activities"] > 0
    assert min(a.date for a in rows) >= OPENED
    assert max(a.date for a in rows) <= date(2024, 12, 31)
    per_month: dict[str, int] = defaultdict(int)
    for activity in rows:
        per_month[activity.month] += 1
        assert activity.synthetic and activity.office_id == office.id
        assert activity.area_id in served
        assert 1 <= links[activity.id] <= 2
        if activity.kind == "group_session":
            assert activity.offering_id == offering.id
        else:
            assert activity.offering_id is None
        adults = activity.p_18_26 + activity.p_27_64 + activity.p_65_plus
        if activity.kind == "short_counselling":
            assert 1 <= adults <= 3 and adults == activity.participants
        if activity.kind == "network_meeting":
            assert adults == activity.participants > 0
        assert activity.participants > 0
    assert sorted(per_month) == [
        f"{y}-{m:02d}" for y in YEARS for m in range(1, 13) if (y, m) >= (2020, 3)
    ]
    assert all(8 <= n <= 30 for n in per_month.values())
    kinds = {a.kind for a in rows}
    assert {"group_session", "short_counselling", "network_meeting"} <= kinds


def test_period_states(app: Flask) -> None:
    tenant, objs, _counts = build("demo-f")
    with tenant_scope(tenant):
        rows = db.session.execute(
            select(
                PeriodStatus.scope,
                PeriodStatus.area_id,
                PeriodStatus.office_id,
                PeriodStatus.period,
                PeriodStatus.state,
            )
        ).all()
    areas = {objs["area"].id, objs["other"].id}
    by_area = defaultdict(dict)
    by_office = defaultdict(dict)
    for scope, area_id, office_id, period, state in rows:
        if scope == "area":
            assert office_id is None
            by_area[area_id][period] = state
        else:
            assert scope == "office" and area_id is None
            by_office[office_id][period] = state
    assert set(by_area) == areas
    months = [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]
    last = []
    for states in by_area.values():
        # approved up to two months before the end, and every complete year
        expected = {p: "approved" for p in months[:-2]} | {str(y): "approved" for y in YEARS}
        assert {p: v for p, v in states.items() if p not in months[-2:]} == expected
        assert states.get("2024-11") in ("approved", "submitted", "reopened")
        last.append(states.get("2024-12", "draft"))
    # two areas: one has submitted its last month, the other's is approved
    assert sorted(last) == ["approved", "submitted"]
    assert set(by_office) == {objs["office"].id}
    office_months = [p for p in months if p >= "2020-03"]
    office = by_office[objs["office"].id]
    assert {p: v for p, v in office.items() if p not in months[-2:]} == {
        p: "approved" for p in office_months[:-2]
    }


def test_recent_states_mix_drafts_submitted_reopened_and_approved() -> None:
    """Eleven areas (Marl): 2 drafts and 3 submitted last month, one reopened month and one
    submitted the month before, the rest approved — the same for the same seed."""
    import random

    from saas.demo.generator import last_complete_month, recent_states

    states = recent_states(random.Random("x"), list(range(11)))  # nosec B311
    last = sorted(s[0] for s in states.values())
    before = sorted(s[1] for s in states.values())
    assert last == ["approved"] * 6 + ["draft"] * 2 + ["submitted"] * 3
    assert before == ["approved"] * 9 + ["reopened", "submitted"]
    assert states == recent_states(random.Random("x"), list(range(11)))  # nosec B311
    assert last_complete_month(date(2026, 12, 2)) == (2026, 11)
    assert last_complete_month(date(2027, 1, 5)) == (2026, 12)


def test_default_range_ends_with_the_last_complete_month(app: Flask) -> None:
    """Issue 12 §9: monthly figures up to the month before today, yearly ones for the
    complete years only."""
    from saas.demo.generator import last_complete_month

    tenant, _objs, _counts = build("demo-until")
    with tenant_scope(tenant):
        db.session.execute(delete(FigureValue))
        db.session.execute(delete(PeriodStatus))
        db.session.commit()
    generate_demo_data(tenant, until=(2026, 5))
    db.session.commit()
    periods = {p for _c, _a, p in figures(tenant)}
    assert "2026-05" in periods and "2026-06" not in periods
    assert "2025" in periods and "2026" not in periods  # 2026 is not complete
    assert last_complete_month() < (date.today().year, date.today().month)


@pytest.mark.parametrize("seed", [2015, 1, 99])
def test_new_cases_grow_less_where_an_office_opened(app: Flask, seed: int) -> None:
    tenant, _objs, _counts = build(f"demo-g{seed}", seed=seed)
    values = figures(tenant)

    def change_after_opening(area: str) -> float:
        """Average yearly relative change of new HzE cases, 2020 → 2024 (all types: § 34
        alone has about 20 new cases a year here, too few for a drift of ±3 % to stand out
        of the monthly noise)."""
        new = dict(zip(YEARS, yearly(values, "HZE_NEW", area), strict=True))
        return sum((new[y] - new[y - 1]) / new[y - 1] for y in range(2021, 2025)) / 4

    assert change_after_opening(OFFICE_AREA) < 0 < change_after_opening(OTHER)
    assert change_after_opening(OFFICE_AREA) < change_after_opening(OTHER) - 0.03

    # and the difference-in-differences of the HzE rate is negative
    def rate(area: str, years: range) -> float:
        return sum(case_rate(values, [area], y) for y in years) / len(years)

    pre, post = range(2015, 2020), range(2021, 2025)
    did = (rate(OFFICE_AREA, post) - rate(OFFICE_AREA, pre)) - (
        rate(OTHER, post) - rate(OTHER, pre)
    )
    assert did < -1


def test_real_profile_marl(app: Flask) -> None:
    """Marl's own profile (in the template database): Drewer-Nord's office opened 2020-03."""
    marl = tenant("marl")
    with tenant_scope(marl):
        served = set(
            db.session.execute(
                select(Area.code).join(OfficeArea, OfficeArea.area_id == Area.id)
            ).scalars()
        )
    if "14" not in served:
        pytest.skip("the Marl profile is not loaded")
    counts = generate_demo_data(marl, until=UNTIL)
    db.session.commit()
    assert counts["figure_values"] and counts["activities"]
    values = figures(marl)
    areas = sorted({area for _, area, _ in values})
    for year in YEARS:
        assert 30 <= case_rate(values, areas, year) <= 50, year
    controls = [a for a in areas if a not in served and values[("POP_U21", a, "2015")] > 0]
    assert controls

    def rate(area_list: list[str], years: range) -> float:
        return sum(case_rate(values, area_list, y) for y in years) / len(years)

    pre, post = range(2015, 2020), range(2021, 2025)
    did = (rate(["14"], post) - rate(["14"], pre)) - (rate(controls, post) - rate(controls, pre))
    assert did < -1


def test_demo_magnitudes_follow_the_sourced_ones(app: Flask) -> None:
    """Issues 5 and 11: the demo's figures stay within the sourced magnitudes of
    domain-facts.md, computed by the indicator engine itself:

    * every tenant's HzE-Eckwert lies in 30–50 per 1,000 under-21s, the Regionalverband's near
      Saarland's 41,9 (2023, S22) in every year instead of falling away from it;
    * Hamm's Inobhutnahmen: 239 by the time of reporting in 2017 (S31), so the full year has
      at least that many and every year stays about that size;
    * the help-type mixes differ between the cities: Hamm places more children in residential
      care than Marl, the Regionalverband works more ambulant;
    * Drewer-Nord: about 250 children and young people receive HzE (S8a), about 140 cases (a
      § 31 family counts once), about twice the town's rate.
    """
    from saas.indicators.engine import compute

    metrics = ["HZE_ECKWERT", "ION_COUNT", "HZE_AMB_SHARE", "HZE_STAT_SHARE"]
    found: dict[tuple[str, str, int], float] = {}
    for slug in ("marl", "hamm", "rv-saarbruecken"):
        demo_tenant = tenant(slug)
        generate_demo_data(demo_tenant, until=UNTIL)
        db.session.commit()
        with tenant_scope(demo_tenant):
            rows = compute(metrics, YEARS)
        assert len(rows) == len(metrics) * len(YEARS), slug
        found.update({(slug, row.indicator, row.year): row.value for row in rows})
    for year in YEARS:
        for slug in ("marl", "hamm", "rv-saarbruecken"):
            assert 30 <= found[(slug, "HZE_ECKWERT", year)] <= 50, (slug, year)
        assert 39 <= found[("rv-saarbruecken", "HZE_ECKWERT", year)] <= 45, year
        assert 200 <= found[("hamm", "ION_COUNT", year)] <= 450, year
        stat = {slug: found[(slug, "HZE_STAT_SHARE", year)] for slug in ("marl", "hamm")}
        assert stat["hamm"] >= stat["marl"] + 3, (year, stat)
        ambulant = {slug: found[(slug, "HZE_AMB_SHARE", year)] for slug in ("marl", "hamm")}
        assert found[("rv-saarbruecken", "HZE_AMB_SHARE", year)] >= ambulant["marl"] + 2, year
    assert found[("hamm", "ION_COUNT", 2017)] >= 239

    values = figures(tenant("marl"))
    for year in YEARS:
        cases = values[("HZE_RUN", "14", f"{year}-12")] + sum(
            values[("HZE_END", "14", f"{year}-{month:02d}")] for month in range(1, 13)
        )
        assert 110 <= cases <= 180, (year, cases)
        rate = 1000 * cases / values[("POP_U21", "14", str(year))]
        assert rate >= 1.5 * found[("marl", "HZE_ECKWERT", year)], (year, rate)
