"""The attack suite: random tenants, everything the product would publish, integer programming.

Hypothesis draws tenants: 2–7 data areas under a main hierarchy of one or two levels, an
optional second hierarchy that cuts across it, the catalogue's real count families (the HzE
case count, its eight help types §§ 27–35 and § 41's young adults contained in them — never
more than the area's total —, the ambulant / day-group / residential groups of the shares,
counselling, HzE + counselling, § 42) with many small counts. From the protected
cube (:func:`saas.protection.cube.protect_year`) it builds what every output would show: for
every indicator of the catalogue and every node, the counts the indicator gives away
(:func:`saas.protection.families.revealed`: a rate times its published population, a share
times its shown total, cost per case and expenditure) unless the cube withholds it; the
comparison publication of two rings with an overlapping member (each member's whole-tenant
and per-area rows; the ring medians are computed from shown values only, so they add no
equation). Then the adversary (:mod:`tests.protection.attack`, independent of the product's
code) minimises and maximises every withheld cell in whole numbers, knowing also that in
every data area § 41 is at most the HzE total (the catalogue's "darunter" rule).

Asserted: every withheld small count (1 … threshold−1) — and every small count of cases
without a help type (the HzE total minus its help types, no cell but a subtraction away) —
has an interval that contains 0 and reaches the threshold; for the other withheld cells
(secondary suppressions, not sensitive themselves) the interval is recorded. A second test
takes a snapshot, corrects one figure and runs again: the adversary has both versions,
linked on every atom the correction did not touch, and the same criterion must hold for the
withheld cells of both.

The figures of a run (tenants tried, cells attacked, smallest interval found) are written to
``build/disclosure-attack.json`` and printed with ``-s``; docs/statistics.md quotes them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas.indicators.definitions import INDICATORS
from saas.protection.cube import Atom, CellKey, Earlier, Layout, YearCube, protect_year
from saas.protection.families import atom_kinds, bounds, remainders, revealed
from tests.conftest import on_postgres
from tests.protection.attack import Knowledge

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / "build" / "disclosure-attack.json"
THRESHOLD = 3
COUNTS = st.sampled_from([0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 8, 13, 30])
FAMILIES, KIND_OF = atom_kinds()
#: § 41's young adults (running and ended cases) and the atoms of the HzE case count: the
#: catalogue's rule, written here from its metric codes, not from the cube's inequalities
YOUNG = KIND_OF["HZE_RUN_41"]
TOTAL = FAMILIES["HZE_END+HZE_RUN"]
assert KIND_OF["HZE_END_41"] == YOUNG and YOUNG not in TOTAL  # contained in §§ 27–35
#: the cases without a help type: the total minus its help types
WITHOUT_TYPE = KIND_OF["HZE_RUN~rest"]
#: the kinds drawn: the HzE remainder and help types, counselling, § 42
KINDS = sorted(
    kind
    for kind in set().union(*FAMILIES.values())
    if kind.startswith(("HZE_END_", "HZE_END~", "EB_", "ION_"))
)
#: what the comparison publishes (saas.comparison.services)
COMPARISON = ("HZE_ECKWERT", "HZE_CASES", "HZE_AMB_SHARE", "HZE_TEILSTAT_SHARE", "HZE_STAT_SHARE")
COMPARISON_AREAS = ("HZE_CASES", "HZE_ECKWERT")

STATS: dict[str, Any] = {
    "tenants": 0,
    "snapshot_pairs": 0,
    "impact_tenants": 0,
    "cells_published": 0,
    "cells_withheld": 0,
    "sensitive_cells_attacked": 0,
    "secondary_cells_attacked": 0,
    "counts_without_a_type_attacked": 0,
    "smallest_upper_bound_of_a_small_cell": None,
    "largest_lower_bound_of_a_small_cell": None,
    "narrowest_secondary_interval": None,
    "seconds": 0.0,
}


@st.composite
def tenants(draw: Any) -> tuple[Layout, dict[Atom, float]]:
    """A layout (nodes of every level and hierarchy) and its atoms."""
    n = draw(st.integers(2, 7))
    areas = list(range(1, n + 1))
    nodes: dict[Hashable, frozenset[Hashable]] = {None: frozenset(areas)}
    for area in areas:
        nodes[area] = frozenset({area})
    # main hierarchy: districts (and, optionally, a level between them and the data areas)
    district_of = [draw(st.integers(0, max(1, n // 2))) for _ in areas]
    for district in set(district_of):
        members = frozenset(a for a, d in zip(areas, district_of, strict=True) if d == district)
        nodes[("district", district)] = members
        if draw(st.booleans()) and len(members) > 2:
            half = frozenset(sorted(members)[: len(members) // 2])
            nodes[("sub", district, 0)] = half
            nodes[("sub", district, 1)] = members - half
    # a second hierarchy cutting across the first
    if draw(st.booleans()):
        region_of = [draw(st.integers(0, 2)) for _ in areas]
        for region in set(region_of):
            members = frozenset(a for a, r in zip(areas, region_of, strict=True) if r == region)
            nodes[("region", region)] = members
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=7, unique=True))
    atoms = {(kind, area): float(draw(COUNTS)) for kind in kinds for area in areas}
    if YOUNG in kinds:  # the young adults are some of the area's cases
        for area in areas:
            atoms[(YOUNG, area)] = min(atoms[(YOUNG, area)], total_of(atoms, area))
    return Layout(FAMILIES, nodes, at_most=bounds(), hidden=remainders()), atoms


def total_of(atoms: dict[Atom, float], area: Hashable) -> float:
    return sum(atoms.get((kind, area), 0.0) for kind in TOTAL)


def know_the_rules(knowledge: Knowledge, layout: Layout, version: int = 0) -> None:
    """What every reader knows without a figure: § 41 ≤ the HzE total, in every data area."""
    for area in layout.nodes[None]:
        knowledge.at_most({(version, YOUNG, area)}, {(version, kind, area) for kind in TOTAL})


def atoms_of(layout: Layout, key: CellKey, version: int = 0) -> list[Atom]:
    family, node = key
    return [
        (version, kind, area) for kind in layout.families[family] for area in layout.nodes[node]
    ]


def published(cube: YearCube) -> dict[CellKey, float]:
    """Every count the outputs show: reports (every indicator × every node) and the
    comparison (two rings sharing a member show the same rows of that member)."""
    shown: dict[CellKey, float] = {}
    nodes = list(cube.layout.nodes)

    def show(code: str, node: Hashable) -> None:
        if any(cube.withheld((family, node)) for family in revealed(code)):
            return
        for family in revealed(code):
            shown[(family, node)] = cube.values[(family, node)] or 0.0

    for code in INDICATORS:
        for node in nodes:
            show(code, node)
    for _ring in ("ring A+B", "ring B+C"):  # the same member's publication in both rings
        for code in COMPARISON:
            show(code, None)
        for code in COMPARISON_AREAS:
            for node in nodes:
                if isinstance(node, int):
                    show(code, node)
    return shown


def check(knowledge: Knowledge, layout: Layout, cube: YearCube, version: int) -> None:
    for key in sorted(cube.withheld_keys(), key=str):
        value = cube.values[key] or 0.0
        low, high = knowledge.bounds(atoms_of(layout, key, version))
        STATS["cells_withheld"] += 1
        if 0 < value < THRESHOLD:
            STATS["sensitive_cells_attacked"] += 1
            _least("smallest_upper_bound_of_a_small_cell", high)
            _most("largest_lower_bound_of_a_small_cell", low)
            assert low <= 0 and high >= THRESHOLD, (key, value, low, high)
        else:
            STATS["secondary_cells_attacked"] += 1
            _least("narrowest_secondary_interval", high - low)
            assert high > low, (key, value, low, high)  # a withheld cell is never derivable


def check_without_type(
    knowledge: Knowledge, layout: Layout, atoms: dict[Atom, float], version: int
) -> None:
    """Every node's small count of cases without a help type, attacked like a cell."""
    for node, areas in sorted(layout.nodes.items(), key=str):
        value = sum(atoms.get((WITHOUT_TYPE, area), 0.0) for area in areas)
        if 0 < value < THRESHOLD:
            low, high = knowledge.bounds([(version, WITHOUT_TYPE, area) for area in areas])
            STATS["counts_without_a_type_attacked"] += 1
            _least("smallest_upper_bound_of_a_small_cell", high)
            _most("largest_lower_bound_of_a_small_cell", low)
            assert low <= 0 and high >= THRESHOLD, (node, value, low, high)


def _least(name: str, value: float) -> None:
    STATS[name] = value if STATS[name] is None else min(STATS[name], value)


def _most(name: str, value: float) -> None:
    STATS[name] = value if STATS[name] is None else max(STATS[name], value)


#: pure arithmetic, no database: the SQLite run covers it, the PostgreSQL run skips it
pytestmark = pytest.mark.skipif(on_postgres(), reason="no database involved")
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(tenants())
def test_no_withheld_small_count_can_be_narrowed_down(tenant: tuple[Layout, Any]) -> None:
    layout, atoms = tenant
    started = time.perf_counter()
    cube = protect_year(layout, atoms, THRESHOLD)
    knowledge = Knowledge()
    know_the_rules(knowledge, layout)
    shown = published(cube)
    for key, value in shown.items():
        knowledge.publish(atoms_of(layout, key), value)
    STATS["tenants"] += 1
    STATS["cells_published"] += len(shown)
    check(knowledge, layout, cube, 0)
    check_without_type(knowledge, layout, atoms, 0)
    STATS["seconds"] += time.perf_counter() - started


@SETTINGS
@given(tenants(), st.data())
def test_a_snapshot_and_a_later_run_give_nothing_back(
    tenant: tuple[Layout, Any], data: st.DataObject
) -> None:
    layout, atoms = tenant
    started = time.perf_counter()
    before = protect_year(layout, atoms, THRESHOLD)
    snapshot = published(before)
    # one figure corrected (a month of one help type in one area)
    corrected_atom = data.draw(st.sampled_from(sorted(atoms, key=str)))
    change = data.draw(st.sampled_from([-2, -1, 1, 2, 3]))
    later_atoms = dict(atoms)
    later_atoms[corrected_atom] = max(0.0, atoms[corrected_atom] + change)
    kind, area = corrected_atom
    young = later_atoms.get((YOUNG, area), 0.0)
    if kind == YOUNG:  # a correction that passes the entry grid: § 41 ≤ the total
        later_atoms[corrected_atom] = min(young, total_of(later_atoms, area))
    elif kind in TOTAL and total_of(later_atoms, area) < young:
        later_atoms[corrected_atom] += young - total_of(later_atoms, area)
    after = protect_year(
        layout,
        later_atoms,
        THRESHOLD,
        earlier=[Earlier(snapshot, frozenset(before.withheld_keys()), atoms)],
    )
    knowledge = Knowledge()
    know_the_rules(knowledge, layout, 0)
    know_the_rules(knowledge, layout, 1)
    for key, value in snapshot.items():
        knowledge.publish(atoms_of(layout, key, 0), value)
    for key, value in published(after).items():
        knowledge.publish(atoms_of(layout, key, 1), value)
    # the adversary knows which atom was corrected: every other one is the same in both
    for atom in atoms:
        if atom != corrected_atom:
            knowledge.same((0, *atom), (1, *atom))
    STATS["snapshot_pairs"] += 1
    STATS["cells_published"] += len(snapshot) + len(published(after))
    check(knowledge, layout, before, 0)
    check(knowledge, layout, after, 1)
    check_without_type(knowledge, layout, atoms, 0)
    check_without_type(knowledge, layout, later_atoms, 1)
    STATS["seconds"] += time.perf_counter() - started


@st.composite
def impact_tenants(draw: Any) -> tuple[Layout, dict[Atom, float]]:
    """A tenant with the impact pages' groups as nodes of its cube: an office's served areas
    (any areas, across districts and hierarchies), its comparison areas (others) and its
    matched comparison areas (some of those), as :mod:`saas.impact.disclosure` registers them."""
    layout, atoms = draw(tenants())
    areas = sorted(a for a in layout.nodes if isinstance(a, int))
    nodes = dict(layout.nodes)
    for office in range(draw(st.integers(1, 2))):
        served = draw(st.lists(st.sampled_from(areas), min_size=1, max_size=len(areas) - 1))
        others = [a for a in areas if a not in served]
        control = draw(st.lists(st.sampled_from(others), min_size=1, unique=True))
        nodes[("impact-served", office)] = frozenset(served)
        nodes[("impact-comparison", office)] = frozenset(control)
        matched = draw(st.lists(st.sampled_from(control), min_size=1, unique=True))
        nodes[("impact-matched", office)] = frozenset(matched)
    return Layout(layout.families, nodes, at_most=layout.at_most, hidden=layout.hidden), atoms


@SETTINGS
@given(impact_tenants())
def test_impact_groups_next_to_the_reports_give_nothing_back(tenant: tuple[Layout, Any]) -> None:
    """The impact page's group counts (served, comparison, matched) published next to every report
    cell: as nodes of the cube, they are protected together with everything else."""
    layout, atoms = tenant
    started = time.perf_counter()
    cube = protect_year(layout, atoms, THRESHOLD)
    knowledge = Knowledge()
    know_the_rules(knowledge, layout)
    shown = published(cube)
    for key, value in shown.items():
        knowledge.publish(atoms_of(layout, key), value)
    STATS["impact_tenants"] += 1
    STATS["cells_published"] += len(shown)
    check(knowledge, layout, cube, 0)
    check_without_type(knowledge, layout, atoms, 0)
    STATS["seconds"] += time.perf_counter() - started


def test_an_impact_group_outside_the_cube_would_give_a_cell_back() -> None:
    """Why the groups are nodes of the cube: areas 1 (2 cases), 2 (30), 3 (5) in one
    district. Protected without the group, the cube withholds 1 and 3 and shows 2; an impact
    page protected on its own shows its served areas {1, 2} with 32 cases (not small) — and
    32 − 30 is area 1's 2. With the group as a node the cube withholds it (or area 2)."""
    family = "HZE_END+HZE_RUN"
    kind = sorted(FAMILIES[family])[0]
    nodes: dict[Hashable, frozenset[Hashable]] = {
        None: frozenset({1, 2, 3}),
        1: frozenset({1}),
        2: frozenset({2}),
        3: frozenset({3}),
    }
    atoms = {(kind, 1): 2.0, (kind, 2): 30.0, (kind, 3): 5.0}
    group = ("impact-served", 1)

    with_group = Layout(FAMILIES, {**nodes, group: frozenset({1, 2})})

    def attack(cube: YearCube, extra: dict[CellKey, float]) -> tuple[float, float]:
        knowledge = Knowledge()
        for key, value in {**published(cube), **extra}.items():
            knowledge.publish(atoms_of(with_group, key), value)
        return knowledge.bounds(atoms_of(with_group, (family, 1)))

    alone = protect_year(Layout(FAMILIES, nodes), atoms, THRESHOLD)
    assert alone.withheld((family, 1)) and not alone.withheld((family, 2))
    assert attack(alone, {(family, group): 32.0}) == (2.0, 2.0)
    cube = protect_year(with_group, atoms, THRESHOLD)
    assert cube.withheld((family, group)) or cube.withheld((family, 2))
    low, high = attack(cube, {})
    assert low <= 0 and high >= THRESHOLD, (low, high)


@pytest.fixture(scope="module", autouse=True)
def summary() -> Any:
    yield
    SUMMARY.parent.mkdir(exist_ok=True)
    STATS["seconds"] = round(STATS["seconds"], 1)
    SUMMARY.write_text(json.dumps(STATS, indent=2) + "\n", encoding="utf-8")
    print("\ndisclosure attack suite:", json.dumps(STATS))
