"""The cube's rules on hand-computable tables (no database)."""

from __future__ import annotations

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
