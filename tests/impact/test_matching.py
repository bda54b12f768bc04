"""Matched comparison areas, by hand on the tiny municipality with four more Bezirke.

The new office serves Parkviertel (P1 + P2), opened 2019; window 2: before 2017–2018, after
2020–2021. Its never-served areas are B and D of ``conftest.py`` and E, F, G, H below, every
one with 1,000 under-21s. Before the opening (level = ratio of sums over 2017–2018, slope =
the 2018 rate − the 2017 rate):

==========  ======  =====  ============================================
area        level   slope  (cases 2017 / 2018 per population 2017/2018)
==========  ======  =====  ============================================
served      38.75   −2.35  (60 / 64 per 1,500 / 1,700)
B           30.5    1      (60 / 62 per 2,000)
D           30      0      (30 / 30 per 1,000)
E           39      −2     (40 / 38)
F           39      −4     (41 / 37)
G           21      2      (20 / 22)
H           48      −4     (50 / 46)
==========  ======  =====  ============================================

Standardised by the spread among the six (level σ ≈ 8.57, slope σ ≈ 2.34), the distances are
E 0.15, F 0.70, H 1.29, D 1.43, B 1.73, G 2.78; k = min(6, max(3, 2 × 2)) = 4 areas: D, E, F,
H. By level alone B (8.25 away) would come before H (9.25): the slope keeps the areas that
were falling like the served ones.

Matched DiD: served (36 − 38.75) − matched (292 / 8,000 − 312 / 8,000 = 36.5 − 39) = −0.25 ‰
points; against all six: −2.75 − (483 / 14,000 − 476 / 14,000 = 0.5) = −3.25.
"""

from __future__ import annotations

import csv
import io
import math
from statistics import pstdev
from typing import Any

import pytest
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue
from saas.impact import disclosure, matching
from saas.impact.groups import AreaGroups
from saas.impact.services import CASES_FAMILY, analyse_office
from saas.metrics.models import Metric
from saas.protection.service import tenant_cube
from tests.conftest import login
from tests.impact.conftest import Town, build_town, two_cases

MORE = {
    "E": ("Eichenhain", [41, 40, 38, 37, 36, 36, 35]),
    "F": ("Finkenberg", [43, 41, 37, 36, 35, 34, 34]),
    "G": ("Grünau", [19, 20, 22, 23, 24, 25, 26]),
    "H": ("Heidekamp", [52, 50, 46, 45, 44, 43, 42]),
}
YEARS = range(2016, 2023)
EMAIL = "koordination@kleinstadt.example"
DID = "Differenz-von-Differenzen (Promillepunkte)"


@pytest.fixture
def town(create_tenant: Any, create_user: Any) -> Town:
    """``conftest.py``'s town with the never-served Bezirke E, F, G, H and a coordinator."""
    built = build_town(create_tenant("kleinstadt", "Kleinstadt"))
    with tenant_scope(built.tenant):
        bezirk = db.session.execute(
            select(AreaLevel).where(AreaLevel.code == "bezirk")
        ).scalar_one()
        metric = dict(
            db.session.execute(
                select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
            ).all()
        )
        for code, (name, cases) in MORE.items():
            area = Area(level_id=bezirk.id, code=code, name=name)
            db.session.add(area)
            db.session.flush()
            built.areas[code] = area.id

            def add(metric_code: str, period: str, value: float, area_id: int = area.id) -> None:
                db.session.add(
                    FigureValue(
                        metric_id=metric[metric_code], area_id=area_id, period=period, value=value
                    )
                )

            for year, count in zip(YEARS, cases, strict=True):
                for month in range(1, 12):
                    add("HZE_RUN", f"{year}-{month:02d}", count + 1)
                add("HZE_RUN", f"{year}-12", count - 5)
                add("HZE_END", f"{year}-03", 2)
                add("HZE_END", f"{year}-09", 3)
                add("POP_U21", str(year), 1000)
        db.session.commit()
    create_user(EMAIL, tenant_obj=built.tenant, role="coordinator")
    return built


def _ids(town: Town, codes: str) -> set[int]:
    return {town.areas[c] for c in codes}


def test_the_rule_by_hand() -> None:
    """Two per served area, at least three, at most all; nearest by standardised distance."""
    assert [matching.size(1, n) for n in (1, 2, 3, 4, 9)] == [1, 2, 3, 3, 3]
    assert [matching.size(s, 9) for s in (1, 2, 3, 5)] == [3, 4, 6, 9]
    levels = {"B": 30.5, "D": 30, "E": 39, "F": 39, "G": 21, "H": 48}
    slopes = {"B": 1, "D": 0, "E": -2, "F": -4, "G": 2, "H": -4}
    sl, ss = pstdev(levels.values()), pstdev(slopes.values())
    served_slope = 64 / 1.7 - 40
    expected = {
        a: math.hypot((levels[a] - 38.75) / sl, (slopes[a] - served_slope) / ss) for a in levels
    }
    assert sorted(expected, key=expected.__getitem__) == ["E", "F", "H", "D", "B", "G"]

    figures: dict[tuple[int, int], tuple[float, float]] = {
        (1, 2017): (60, 1500),
        (1, 2018): (64, 1700),
    }
    cases = {"B": (60, 62), "D": (30, 30), "E": (40, 38), "F": (41, 37), "G": (20, 22)}
    cases["H"] = (50, 46)
    ids = {code: 10 + i for i, code in enumerate(cases)}
    for code, (c17, c18) in cases.items():
        population = 2000 if code == "B" else 1000
        figures[(ids[code], 2017)] = (c17, population)
        figures[(ids[code], 2018)] = (c18, population)
    figures[(99, 2017)] = (5, 0)  # an industrial zone: no population, no rate
    figures[(99, 2018)] = (5, 0)
    control = [*ids.values(), 99]
    order = {a: (str(a), a) for a in [1, *control]}
    # one served area (standing for the group): k = min(6, max(3, 2)) = 3
    found = matching.match([1], control, [2017, 2018], figures, order)
    assert found.k == 3 and found.unmatched == (99,)
    assert set(found.chosen) == {ids["E"], ids["F"], ids["H"]}
    for code, area in ids.items():
        assert found.distances[area] == pytest.approx(expected[code]), code
    # with one year before the opening there is no slope: the level alone decides
    level_only = matching.match([1], control, [2018], figures, order)
    assert level_only.features == ("level",)
    assert set(level_only.chosen) == {ids["B"], ids["E"], ids["F"]}  # 31, 38, 37 vs 37.65


def test_matching_picks_the_expected_areas(town: Town) -> None:
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("new"), window=2, matched=True)
        every = analyse_office(town.office("new"), window=2)
    assert result.ok, result.reason
    assert set(every.control_area_ids) == _ids(town, "BDEFGH")
    assert set(result.control_area_ids) == _ids(town, "DEFH")
    assert result.control_areas == ("Dorfmitte", "Eichenhain", "Finkenberg", "Heidekamp")
    assert result.comparison == "matched" and every.comparison == "all"
    assert result.matching is not None and result.matching.k == 4
    assert result.matching.features == ("level", "slope")
    assert set(result.matched_from) == {"Bachtal", "Dorfmitte", *(n for n, _c in MORE.values())}
    # the same analysis on the matched areas: DiD, interval, pre-trend, placebos
    cb, ca = result.control_before, result.control_after
    assert (cb.cases, cb.population, ca.cases, ca.population) == (312, 8000, 292, 8000)
    assert result.did == pytest.approx(-0.25)
    assert every.did == pytest.approx(-3.25)
    u = result.uncertainty
    assert u is not None and u.pre_trend is not None
    assert u.did.low <= -0.25 <= u.did.high
    assert len(u.placebo_areas) == 4 and result.verdict in {"none", "trend", "fewer", "more"}


def test_the_matched_group_is_a_node_of_the_cube(town: Town) -> None:
    """For every window the figures allow, with all figures and with approved ones only."""
    office = town.offices["new"]
    with tenant_scope(town.tenant):
        groups = disclosure.office_groups(AreaGroups())
        cube = tenant_cube([2017], town.tenant)
        approved = analyse_office(town.office("new"), window=2, matched=True, approved_only=True)
    for window in (1, 2, 3):  # 2019 ± 3 is still inside 2016–2022
        assert disclosure.matched_node(office, window, False) in groups, window
    assert disclosure.matched_node(office, 4, False) not in groups
    node = disclosure.matched_node(office, 2, False)
    assert groups[node] == frozenset(_ids(town, "DEFH"))
    assert cube.years[2017].layout.nodes[node] == frozenset(_ids(town, "DEFH"))
    # nothing is approved: no area can be matched on approved figures, no node, no analysis
    assert disclosure.matched_node(office, 2, True) not in groups
    assert approved.reason_code == "no_matched"


def _threshold(town: Town, value: int) -> None:
    with all_tenants():
        town.tenant.settings = {**(town.tenant.settings or {}), "disclosure_threshold": value}
        db.session.commit()


def test_a_withheld_matched_cell_stays_withheld_and_matching_is_refused(
    town: Town, client: Any
) -> None:
    """Threshold 200: in 2017 the matched areas have 161 cases (withheld), all six 241. Were
    the matched group not a node of the cube, 241 − 161 = 80 would give back B + G. With
    every area's count withheld, the choice of areas would rest on withheld counts: the page
    and the export refuse matching and say why, with no number."""
    _threshold(town, 200)
    office = town.offices["new"]
    with tenant_scope(town.tenant):
        cube = tenant_cube([2017], town.tenant)
        result = analyse_office(town.office("new"), window=2, matched=True)
    node = disclosure.matched_node(office, 2, False)
    assert cube.cell(CASES_FAMILY, node, 2017) == "withheld"
    every = cube.cell(CASES_FAMILY, disclosure.comparison_node(office, 2), 2017)
    assert not (every == "shown" and cube.cell(CASES_FAMILY, node, 2017) == "shown")
    assert not result.ok and result.reason_code == "matched_withheld"
    assert result.did is None and result.uncertainty is None

    assert login(client, EMAIL, "kleinstadt").status_code == 302
    url = f"/kleinstadt/impact/{office}?window=2&comparison=matched"
    text = client.get(url).get_data(as_text=True)
    assert "Ein Abgleich wird hier nicht angeboten" in text and "data-matching" not in text
    assert 'data-table="yearly"' not in text
    exported = client.get(f"/kleinstadt/impact/{office}/export.csv?window=2&comparison=matched")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
    assert not any(r[:1] == ["2017"] for r in rows)


def test_the_page_shows_the_matched_areas_and_the_verdict(town: Town, client: Any) -> None:
    office = town.offices["new"]
    assert login(client, EMAIL, "kleinstadt").status_code == 302
    text = client.get(f"/kleinstadt/impact/{office}?window=2&comparison=matched").get_data(
        as_text=True
    )
    assert '<option value="matched" selected>' in text
    assert "<dd>Dorfmitte, Eichenhain, Finkenberg, Heidekamp</dd>" in text
    matched = text.split("data-matching>")[1].split("</dd>")[0]
    assert "Die 4 der 6" in matched and "2017–2018" in matched and "Bachtal" in matched
    assert "Jede Bootstrap-Wiederholung zieht die abgleichbaren Stadtteile" in matched
    assert 'class="verdict"' in text and "-0,25" in text
    assert "comparison=matched" in text  # the export links keep the option
    assert "Vorher-Trend" in text


@pytest.mark.parametrize("value", ["bogus", "", "MATCHED", "1"])
def test_an_invalid_option_is_ignored(town: Town, client: Any, value: str) -> None:
    office = town.offices["new"]
    assert login(client, EMAIL, "kleinstadt").status_code == 302
    response = client.get(f"/kleinstadt/impact/{office}?window=2&comparison={value}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '<option value="all" selected>' in text and "data-matching" not in text
    assert "Bachtal, Dorfmitte, Eichenhain, Finkenberg, Grünau, Heidekamp" in text
    assert "-3,25" in text
    export = client.get(f"/kleinstadt/impact/{office}/export.csv?window=2&comparison={value}")
    default = client.get(f"/kleinstadt/impact/{office}/export.csv?window=2")
    assert export.status_code == 200 and export.data == default.data


def test_the_option_works_in_csv_and_xlsx(town: Town, client: Any) -> None:
    from openpyxl import load_workbook

    office = town.offices["new"]
    assert login(client, EMAIL, "kleinstadt").status_code == 302
    base = f"/kleinstadt/impact/{office}/export"
    response = client.get(f"{base}.csv?window=2&comparison=matched")
    assert response.status_code == 200
    assert "-matched.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    labels = {r[0]: r[1:] for r in rows if r}
    control = next(k for k in labels if k.startswith("Vergleichs-") and "im Zeitraum" in k)
    assert labels[control] == ["Dorfmitte, Eichenhain, Finkenberg, Heidekamp"]
    assert "Die 4 der 6" in labels["Abgleich"][0]
    did = next(r for r in rows if r[:1] == [DID])
    assert did[1].replace("\u2212", "-").split()[0] == "-0,25"  # "−0,25 p": provisional

    sheet = load_workbook(io.BytesIO(client.get(f"{base}.xlsx?window=2&comparison=matched").data))
    cells = {row[0]: row[1:] for row in sheet.active.iter_rows(values_only=True) if row[0]}
    assert cells[DID][0] == pytest.approx(-0.25)
    assert cells["Abgleich"][0] == labels["Abgleich"][0]
    assert (
        "-matched.xlsx"
        in client.get(f"{base}.xlsx?comparison=matched").headers["Content-Disposition"]
    )


def test_matching_is_refused_where_a_count_it_reads_is_withheld(town: Town) -> None:
    """Which areas are chosen depends on their pre-period rates: beside the shown rates, the
    choice would bound a withheld one (found by a review: B 0,5 ‰ from the served rate not
    chosen, a withheld area chosen). So matching reads only shown counts: with G's 2017
    count made small (2, withheld), the matched option says why it is not offered, and the
    comparison with all areas stands."""
    with tenant_scope(town.tenant):
        g = town.areas["G"]
        two_cases(g, 2017)
        db.session.commit()
        office = town.office("new")
        assert tenant_cube([2017], town.tenant).cell(CASES_FAMILY, g, 2017) == "withheld"
        refused = analyse_office(office, window=2, matched=True)
        assert not refused.ok and refused.reason_code == "matched_withheld", refused.reason
        assert "gesperrt" in refused.reason and refused.control_areas != ()
        assert analyse_office(office, window=2).ok


def test_the_interval_matches_anew_in_every_replicate(
    town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bootstrap draws the six matchable areas, not the four chosen, and chooses anew in
    each replicate: a draw with fewer than four of D, E, F, H, or whose drawn counts move
    them, compares with B or G as well — and both were rising after the opening (B 62 → 75,
    G 22 → 26) where D, E, F, H fell or stayed. Against the same analysis with the choice
    held fixed (the replicates draw D, E, F, H only, as the bootstrap did before), the point
    estimate is the same and both ends of the interval lie lower; here the interval is not
    wider (the choice follows the served group's drawn counts too), so the test asserts the
    shift, which the fixed choice cannot produce."""
    from saas.impact import services, statistics

    calls: list[tuple[Any, ...]] = []
    analyse = statistics.analyse

    def capture(treated: Any, control: Any, opening: int, window: int, **kwargs: Any) -> Any:
        calls.append((treated, control, opening, window, kwargs.get("control_names", ())))
        return analyse(treated, control, opening, window, **kwargs)

    monkeypatch.setattr(services.statistics, "analyse", capture)
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("new"), window=2, matched=True)
    assert result.ok and result.uncertainty is not None
    treated, control, opening, window, names = calls[-1]
    assert names == ("Dorfmitte", "Eichenhain", "Finkenberg", "Heidekamp")
    fixed = analyse(treated, control, opening, window, control_names=names)
    rematched = result.uncertainty
    assert rematched.did.estimate == pytest.approx(fixed.did.estimate) == pytest.approx(-0.25)
    # fixed [−13,72; 12,17]; matched anew [−14,50; 8,95] (999 replicates, the fixed seed)
    assert rematched.did.low < fixed.did.low - 0.5, (rematched.did, fixed.did)
    assert rematched.did.high < fixed.did.high - 2, (rematched.did, fixed.did)
    assert rematched.did_case_years != fixed.did_case_years
    assert set(result.resampled_from) == _ids(town, "BDEFGH")
    # the placebo areas stay the chosen ones: each against the other three
    assert [p.label for p in rematched.placebo_areas] == list(names)
    assert rematched.placebo_areas == fixed.placebo_areas


def test_a_withheld_count_of_an_area_the_bootstrap_draws_withholds_the_estimates(
    town: Town,
) -> None:
    """Bachtal is not chosen, but every replicate may draw it and match it in: with its 2021
    count made small (2, withheld), the matched intervals would rest on a withheld count —
    the only unknown of a seeded bootstrap whose every other input is shown, so trying its
    few possible values would give it back. The estimates go, as for a withheld group cell;
    the chosen areas and the yearly rows of the groups stay (their cells are shown)."""
    office_id = town.offices["new"]
    with tenant_scope(town.tenant):
        b = town.areas["B"]
        two_cases(b, 2021)
        db.session.commit()
        cube = tenant_cube([2021], town.tenant)
        assert cube.cell(CASES_FAMILY, b, 2021) == "withheld"
        node = disclosure.matched_node(office_id, 2, False)
        assert cube.cell(CASES_FAMILY, node, 2021) == "shown"
        result = analyse_office(town.office("new"), window=2, matched=True)
        every = analyse_office(town.office("new"), window=2)
    assert result.ok and set(result.control_area_ids) == _ids(town, "DEFH")
    assert b in result.resampled_from
    assert result.did is None and result.uncertainty is None
    assert "estimates" in result.withheld and result.verdict is None
    assert all(not row.control.withheld for row in result.years)
    # compared with all never-served areas the group holds Bachtal: its cell decides there
    assert every.ok and every.resampled_from == ()
