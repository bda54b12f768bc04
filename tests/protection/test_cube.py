"""The cube's rules on hand-computable tables (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from saas.protection.cube import Layout, Problem, interval, protect_year
from saas.protection.service import Cube, protect_counts

FAMILIES = {
    "ALL": frozenset({"a", "b"}),
    "A": frozenset({"a"}),
    "B": frozenset({"b"}),
}
NODES = {
    None: frozenset({1, 2, 3}),
    1: frozenset({1}),
    2: frozenset({2}),
    3: frozenset({3}),
}


def test_one_small_cell_takes_a_partner_and_the_interval_reaches_the_threshold() -> None:
    """Area 1 has 2 cases of kind a: its row (a + b = 12) and its column (a over the areas)
    each need a second withheld cell, and the four form a cycle wide enough."""
    atoms = {("a", 1): 2, ("b", 1): 10, ("a", 2): 7, ("b", 2): 9, ("a", 3): 8, ("b", 3): 20}
    layout = Layout(FAMILIES, NODES)
    cube = protect_year(layout, atoms, 3)
    assert cube.withheld(("A", 1))
    withheld = cube.withheld_keys()
    assert {k for k in withheld if k[1] == 1} - {("A", 1)}, withheld  # a partner in its row
    assert {k for k in withheld if k[0] == "A"} - {("A", 1)}, withheld  # and in its column
    problem = Problem.of(layout, atoms, frozenset({"a", "b"}))
    shown = [(problem.row(layout.canon(k)), v, None) for k, v in cube.shown().items()]
    found = interval(problem, shown, problem.row(layout.canon(("A", 1))), integer=True)
    assert found.low == 0 and found.high >= 3


def test_identical_cells_are_withheld_together() -> None:
    """A district with one sub-area is the same cell: it cannot be shown under another name."""
    nodes = {**NODES, "district": frozenset({1})}
    atoms = {("a", 1): 1, ("b", 1): 10, ("a", 2): 7, ("b", 2): 9, ("a", 3): 8, ("b", 3): 20}
    cube = protect_year(Layout(FAMILIES, nodes), atoms, 3)
    assert cube.withheld(("A", 1)) and cube.withheld(("A", "district"))


def test_protect_counts_withholds_a_group_that_would_give_a_cell_back() -> None:
    """Groups served = {1} and others = {2, 3}: with the total shown, either gives the other;
    the served group's 2 cases are small, so the others' count is withheld as well."""
    atoms = {("a", 1): 2, ("b", 1): 10, ("a", 2): 7, ("b", 2): 9, ("a", 3): 8, ("b", 3): 20}
    layout = Layout(FAMILIES, NODES)
    year = protect_year(layout, atoms, 3)
    cube = Cube({2024: year}, {}, 3, {2024: dict(atoms)})
    counts = protect_counts(cube, 2024, "A", {"served": [1], "others": [2, 3]})
    assert counts == {"served": None, "others": None}
    # kind b of areas 1 and 2 together is the total minus area 3, both shown: it may be shown
    assert not year.withheld(("B", None)) and not year.withheld(("B", 3))
    big = protect_counts(cube, 2024, "B", {"west": [1, 2], "east": [3]})
    assert big == {"west": 19, "east": 20}


def test_counts_stay_whole_numbers_beside_a_fractional_mean() -> None:
    """A family M sums a count a and a yearly mean m@avg. Shown: a over areas 2 and 3 = 3,
    M of area 2 = 2.25, M of area 3 = 2.5. In whole numbers a₂ ∈ {1, 2} (a₃ = 3 − a₂ ≤ 2.5
    gives a₂ ≥ 1; a₂ ≤ 2.25 gives a₂ ≤ 2); the linear relaxation would say [0.5, 2.25]. The
    fractional 2.25 must not turn the count a into a continuous unknown."""
    layout = Layout(
        {"A": frozenset({"a"}), "M": frozenset({"a", "m@avg"})},
        {2: frozenset({2}), 3: frozenset({3}), "both": frozenset({2, 3})},
    )
    atoms = {("a", 2): 1.0, ("a", 3): 2.0, ("m@avg", 2): 1.25, ("m@avg", 3): 0.5}
    problem = Problem.of(layout, atoms, frozenset({"a", "m@avg"}))
    shown = [
        (problem.row(layout.canon(key)), value, None)
        for key, value in ((("A", "both"), 3.0), (("M", 2), 2.25), (("M", 3), 2.5))
    ]
    target = problem.row(layout.canon(("A", 2)))
    found = interval(problem, shown, target, integer=True)
    assert (found.low, found.high) == (1.0, 2.0)
    relaxed = interval(problem, shown, target)
    assert (relaxed.low, relaxed.high) == (0.5, 2.25)


def test_no_count_block_holds_a_yearly_mean() -> None:
    """Every block of the catalogue's families is all counts or all yearly means, and a
    family that mixed them would be refused."""
    from saas.protection.cube import blocks
    from saas.protection.families import atom_kinds, check_families, is_mean

    families, _kinds = atom_kinds()
    found = blocks(Layout(families, {}))
    assert any(all(is_mean(k) for k in b) for b in found)  # the case-years
    assert any(not any(is_mean(k) for k in b) for b in found)  # the counts
    for block in found:
        assert len({is_mean(kind) for kind in block}) == 1, sorted(block)
    with pytest.raises(ValueError, match="mixes yearly means"):
        check_families({"X": frozenset({"HZE_RUN@avg", "HZE_END+HZE_RUN"})})


def test_case_years_of_a_help_type_are_not_the_total_minus_the_other_types() -> None:
    """Area 1 runs 40.5 case-years: 38 under § 31 and 2.5 under § 34 (none without a type);
    area 2 runs 60 = 50 + 10. The 2.5 is withheld; the total case-years of area 1 minus its
    § 31 case-years must not give it back (the running case-years of all cases are the sum
    of the help types' and a remainder). The reader here knows that relation for certain."""
    from scipy.optimize import linprog

    from saas.protection.families import WHOLES, atom_kinds, atoms_of_area, count_families

    families, _kinds = atom_kinds()
    layout = Layout(families, {None: frozenset({1, 2}), 1: frozenset({1}), 2: frozenset({2})})
    figures = {
        1: {"HZE_RUN@avg": 40.5, "HZE_RUN_31@avg": 38.0, "HZE_RUN_34@avg": 2.5},
        2: {"HZE_RUN@avg": 60.0, "HZE_RUN_31@avg": 50.0, "HZE_RUN_34@avg": 10.0},
    }
    atoms = {
        (kind, area): value
        for area, values in figures.items()
        for kind, value in atoms_of_area(values).items()
    }
    cube = protect_year(layout, atoms, 3)
    total = "HZE_RUN@avg"
    target = ("HZE_RUN_34@avg", 1)
    assert cube.withheld(target)
    # the reader's unknowns: each help type's case-years and the remainder, per area
    parts = [*WHOLES[total], "rest"]
    unknowns = [(p, a) for p in parts for a in (1, 2)]

    def row(key: tuple[str, object]) -> list[float]:
        family, node = key
        metrics = count_families()[family]
        members = set(parts) if total in metrics else set(metrics)
        return [1.0 if p in members and a in layout.nodes[node] else 0.0 for p, a in unknowns]

    case_years = [k for k in cube.values if "@avg" in k[0]]
    shown = [k for k in case_years if not cube.withheld(k)]
    a_eq = [row(k) for k in shown]
    b_eq = [cube.values[k] or 0.0 for k in shown]
    ends = [
        sign * linprog(sign * np.array(row(target)), A_eq=a_eq, b_eq=b_eq).fun for sign in (1, -1)
    ]
    assert ends[0] <= 1e-6 and ends[1] >= 3 - 1e-6, ends


# -- § 41: young adults are contained in the help types §§ 27–35 ---------------------------------

#: the help types that are parts of the HzE total, written from the catalogue (not the cube's
#: WHOLES): §§ 27–35; § 41's young adults are inside them (WITHIN, a "darunter" line)
YOUNG = "41"


def _reader(figures: dict[int, dict[str, float]]) -> tuple[Layout, object, dict]:
    """The cube of ``figures`` (area → metric → yearly value) with the catalogue's families."""
    from saas.protection.families import atom_kinds, atoms_of_area, bounds, remainders

    families, _kinds = atom_kinds()
    nodes = {None: frozenset(figures), **{a: frozenset({a}) for a in figures}}
    layout = Layout(families, nodes, at_most=bounds(), hidden=remainders())
    atoms = {
        (kind, area): value
        for area, values in figures.items()
        for kind, value in atoms_of_area(values).items()
    }
    return layout, protect_year(layout, atoms, 3), atoms


def _attacked(
    layout: Layout, cube: object, without_type: object = None
) -> dict[object, tuple[float, float, float]]:
    """Every withheld small cell → (value, low, high) for a reader who sees every shown cell
    and knows what is true of the figures: the HzE total (running, ended, case-years) is the
    sum of §§ 27–35 and the cases without a help type, and 0 ≤ § 41 ≤ the total.
    ``without_type``: a data area whose cases without a help type are attacked as well."""
    from saas.metrics.catalogue import HELP_TYPES, WITHIN
    from saas.protection.families import count_families
    from tests.protection.attack import Knowledge

    parts = [suffix for suffix, _de, _en in HELP_TYPES if suffix not in WITHIN]
    assert YOUNG not in parts

    def metrics(metric: str) -> list[str]:
        for whole, mean in (("HZE_RUN", ""), ("HZE_END", ""), ("HZE_RUN@avg", "@avg")):
            if metric == whole:
                stem = whole.removesuffix(mean)
                return [f"{stem}_{s}{mean}" for s in parts] + [f"{whole} without a type"]
        return [metric]

    def atoms(key: tuple[str, object]) -> set[tuple[str, object]]:
        family, node = key
        return {
            (m, area)
            for metric in count_families()[family]
            for m in metrics(metric)
            for area in layout.nodes[node]
        }

    knowledge = Knowledge()
    for area in layout.nodes[None]:
        for whole, young in (
            ("HZE_RUN", "HZE_RUN_41"),
            ("HZE_END", "HZE_END_41"),
            ("HZE_RUN@avg", "HZE_RUN_41@avg"),
        ):
            knowledge.at_most({(young, area)}, {(m, area) for m in metrics(whole)})
    for key, value in cube.shown().items():  # type: ignore[attr-defined]
        knowledge.publish(atoms(key), value)
    found = {}
    for key in cube.withheld_keys():  # type: ignore[attr-defined]
        value = cube.values[key] or 0.0  # type: ignore[attr-defined]
        if 0 < value < 3:
            found[key] = (value, *knowledge.bounds(atoms(key)))
    if without_type is not None:
        rest = {(f"{w} without a type", without_type) for w in ("HZE_RUN", "HZE_END")}
        found["without a type"] = (float("nan"), *knowledge.bounds(rest))
    return found


def test_young_adults_are_not_a_part_of_the_hze_total() -> None:
    """Area 1: 12 cases = 10 under § 31 + 2 under § 34; 1 of them a young adult (§ 41). The
    cases without a help type are 12 − 10 − 2 = 0 (counting § 41 as a part made them −1).
    § 34's 2 and § 41's 1 are withheld. Had the cube counted § 41 in the total, it would have
    thought the withheld § 41 hides § 34 (§ 34 + § 41 + remainder = 2, remainder ≥ −1: § 34
    up to 3) and shown the total and § 31 — and 12 − 10 is § 34's 2 (the reader's interval
    for § 34 was [0, 2])."""
    layout, cube, atoms = _reader(
        {1: {"HZE_RUN": 12, "HZE_RUN_31": 10, "HZE_RUN_34": 2, "HZE_RUN_41": 1}}
    )
    remainder = [v for (kind, _area), v in atoms.items() if kind.startswith("HZE_END~rest")]
    assert remainder == [0.0]
    found = _attacked(layout, cube)
    assert {key[0] for key in found} >= {"HZE_END_34+HZE_RUN_34", "HZE_END_41+HZE_RUN_41"}
    for key, (_value, low, high) in found.items():
        assert low <= 0 and high >= 3, (key, low, high)


def test_the_young_adults_bound_the_total_from_below() -> None:
    """Area 1: 10 cases under § 31, all 10 young adults; area 2: 2 cases under § 31, none a
    young adult; the municipality's 12 cases shown. Area 2's 2 is withheld, so is area 1's 10
    with it. Shown, area 1's § 41 of 10 says area 1 has at least 10 cases — and area 2 at most
    12 − 10 = 2: the cube must know 0 ≤ § 41 ≤ total and withhold § 41 there as well."""
    figures = {
        1: {"HZE_RUN": 10, "HZE_RUN_31": 10, "HZE_RUN_41": 10},
        2: {"HZE_RUN": 2, "HZE_RUN_31": 2, "HZE_RUN_41": 0},
    }
    layout, cube, _atoms = _reader(figures)
    found = _attacked(layout, cube)
    assert ("HZE_END+HZE_RUN", 2) in found
    for key, (_value, low, high) in found.items():
        assert low <= 0 and high >= 3, (key, low, high)
    # without the inequality the cube would show area 1's § 41 and give area 2's 2 back
    blind = protect_year(Layout(layout.families, layout.nodes), _atoms, 3)
    assert not blind.withheld(("HZE_END_41+HZE_RUN_41", 1))
    assert ("HZE_END+HZE_RUN", 2) in {
        key for key, (_v, low, high) in _attacked(layout, blind).items() if high < 3
    }


def test_the_cases_without_a_help_type_are_protected_like_a_cell() -> None:
    """Area 1: 4 cases, 3 of them under § 29 — one without a help type. No table shows that
    1, but 4 − 3 is a subtraction away: the cube treats it as a small count (both shown, the
    reader's interval was [1, 1]) and withholds around it."""
    figures = {1: {"HZE_RUN": 4, "HZE_RUN_29": 3}, 2: {"HZE_RUN": 10, "HZE_RUN_29": 10}}
    layout, cube, _atoms = _reader(figures)
    assert cube.hidden  # type: ignore[attr-defined]
    found = _attacked(layout, cube, without_type=1)
    for key, (_value, low, high) in found.items():
        assert low <= 0 and high >= 3, (key, low, high)


def test_case_years_are_whole_twelfths_and_their_parity_gives_nothing_away() -> None:
    """Found by the attack suite (``test_impact_groups_next_to_the_reports_give_nothing_back``):
    the running case-years are the mean of twelve whole monthly stocks, so a reader knows
    each is a whole number of twelfths. Six areas, districts {3, 4, 5} {1, 2} {6}, regions
    {2, 3, 4} {1, 5, 6} across them, an office serving {3, 6} compared with {1}; area 1 has
    5/12 case-years (§ 27.2), areas 2, 3, 5, 6 35, 47, 35, 35 twelfths without a help type,
    area 4 none. The cube used to solve the case-years as continuous unknowns and showed
    district {3, 4, 5}, region {2, 3, 4} and the served areas (82/12 each), region
    {1, 5, 6} (75/12) and area 4 (0): then t₅ = t₂ and t₆ = t₅, so t₁ = 75/12 − 2·t₅ — an
    odd number of twelfths, never 0 (the reader's interval [1/12, 6.25]; continuous, t₅ =
    37.5/12 allows t₁ = 0). Now every withheld small cell's interval in whole twelfths
    contains 0 and reaches the threshold."""
    from saas.protection.families import bounds, remainders
    from tests.protection.test_attack import (
        FAMILIES as CATALOGUE,
    )
    from tests.protection.test_attack import (
        atoms_of,
        know_the_rules,
        knowledge,
        published,
    )

    nodes: dict[object, frozenset[object]] = {
        None: frozenset({1, 2, 3, 4, 5, 6}),
        **{area: frozenset({area}) for area in range(1, 7)},
        ("district", 0): frozenset({3, 4, 5}),
        ("district", 1): frozenset({1, 2}),
        ("district", 2): frozenset({6}),
        ("region", 0): frozenset({2, 3, 4}),
        ("region", 1): frozenset({1, 5, 6}),
        ("impact-served", 0): frozenset({3, 6}),
        ("impact-comparison", 0): frozenset({1}),
    }
    rest, amb = "HZE_RUN@avg~rest", "HZE_RUN_27_2@avg"
    twelfths = {(rest, 2): 35, (rest, 3): 47, (rest, 5): 35, (rest, 6): 35, (amb, 1): 5}
    atoms = {(kind, area): 0.0 for kind in (rest, amb) for area in range(1, 7)}
    atoms.update({atom: count / 12 for atom, count in twelfths.items()})
    layout = Layout(CATALOGUE, nodes, at_most=bounds(), hidden=remainders())
    cube = protect_year(layout, atoms, 3)
    reader = knowledge()  # case-years in whole twelfths
    know_the_rules(reader, layout)
    for key, value in published(cube).items():
        reader.publish(atoms_of(layout, key), value)
    small = [k for k in cube.withheld_keys() if 0 < (cube.values[k] or 0.0) < 3]
    assert ("HZE_RUN@avg", 1) in small
    for key in small:
        low, high = reader.bounds(atoms_of(layout, key))
        assert low <= 1e-9 and high >= 3 - 1e-9, (key, low * 12, high)
