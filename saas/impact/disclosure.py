"""The impact pages' groups as nodes of the tenant's protected cube (issue 11 §1).

The impact analysis sums areas into groups of its own: the areas an office serves and the
comparison areas of each window. Protected on their own, such group counts could be combined
with the cube's published cells (a group minus its shown areas gives a withheld area back; a
group's withheld count is the sum of shown areas). So the groups are *nodes of the cube*:
:func:`office_groups` names every group an impact page can show — for every office with an
opening date, its served areas, and its comparison areas for every window the figures allow
— and :func:`saas.protection.service.register_nodes` makes the cube build them into every
year's layout, next to the areas of every level. Primary and secondary suppression and the
LP check then cover the groups together with every report, template, snapshot and the
comparison, and the impact page and its exports read the groups' cells from the same cube
(:func:`saas.impact.services.analyse_office`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from saas.impact.groups import WINDOW_MAX, WINDOW_MIN, AreaGroups
from saas.impact.matching import Figures, matched_control, pre_periods
from saas.protection.cube import Equation
from saas.protection.service import Cube, register_nodes

SERVED = "impact-served"
COMPARISON = "impact-comparison"
MATCHED = "impact-matched"


def served_node(office_id: int) -> tuple[str, int]:
    return (SERVED, office_id)


def comparison_node(office_id: int, window: int) -> tuple[str, int, int]:
    return (COMPARISON, office_id, window)


def matched_node(office_id: int, window: int, approved_only: bool) -> tuple[str, int, int, bool]:
    """The matched comparison areas (:mod:`saas.impact.matching`): they rest on the figures
    used, so with ``approved_only`` they may be other areas and are a node of their own."""
    return (MATCHED, office_id, window, approved_only)


def office_groups(context: AreaGroups) -> dict[Hashable, frozenset[int]]:
    """Every group of areas an impact page or export can show: node → its areas."""
    found: dict[Hashable, frozenset[int]] = {}
    if context.data_years is None:
        return found
    first, last = context.data_years
    figures: dict[bool, Figures] = {}  # read once, for every office and window
    for office in context.offices:
        if office.opened_on is None:
            continue
        treated, _partial = context.treated(office)
        if not treated:
            continue
        found[served_node(office.id)] = frozenset(treated)
        hierarchies = {context.hierarchy(a) for a in treated}
        year = office.opened_on.year
        for window in range(WINDOW_MIN, WINDOW_MAX + 1):
            if year - window < first or year + window > last:
                continue  # no analysis with this window, nothing shown
            control = context.control(year - window, year + window, hierarchies)
            if control:
                found[comparison_node(office.id, window)] = frozenset(control)
                found.update(
                    _matched_groups(context, office.id, treated, control, year, window, figures)
                )
    return found


def _matched_groups(
    context: AreaGroups,
    office_id: int,
    treated: Sequence[int],
    control: Sequence[int],
    year: int,
    window: int,
    figures: dict[bool, Figures],
) -> dict[Hashable, frozenset[int]]:
    """The matched comparison areas of one office and window, with all figures and with
    approved ones only: without them as nodes, "all comparison areas − the matched ones"
    would give back the sum of the areas left out. ``figures`` holds the pre-period figures
    of every area and year per ``approved_only``, filled on first use."""
    assert context.data_years is not None
    first, last = context.data_years
    before = list(range(year - window, year))
    found: dict[Hashable, frozenset[int]] = {}
    for approved_only in (False, True):
        if approved_only not in figures:
            figures.update(pre_periods(sorted(context.figure_areas), range(first, last + 1)))
        chosen = matched_control(context, treated, control, before, figures[approved_only]).chosen
        if chosen:
            found[matched_node(office_id, window, approved_only)] = frozenset(chosen)
    return found


def _current_groups() -> dict[Hashable, frozenset[int]]:
    return office_groups(AreaGroups())


register_nodes(_current_groups)


def weighted_mean_is_safe(
    cube: Cube, years: Sequence[int], node: Hashable, weights: Mapping[str, float], mean: float
) -> bool:
    """May a weighted mean of the node's cells be shown beside everything the cube shows?

    ``weights`` maps families to weights (the annual cost per help type), ``mean`` is
    Σ cᵢ·kᵢ ÷ Σ cᵢ with cᵢ the family's cell of ``node`` summed over ``years`` (the weighted
    annual cost per case-year of the served areas). Published, it is one more equation over
    the cube's atoms: Σᵢ (kᵢ − mean)·cᵢ = 0, across the years. The years' problems are
    stacked, each as the cube has it: its shown cells as equations, and its earlier
    publications (:attr:`Cube.earlier`, the snapshots the cube was protected with) as
    equations over the figures as they were then — an unchanged figure is the same unknown
    in both, so two old cells can give a difference of current counts no current cell
    shows, and with the mean's ratio that difference gives the counts
    (``tests/impact/test_disclosure.py``). With that equation every withheld small cell
    of those years, now and as each snapshot withheld it, and every small count of cases
    without a help type, must keep an interval that contains 0 and reaches the threshold.
    """
    from saas.protection.cube import (
        Problem,
        blocks,
        cell_values,
        hidden_small,
        interval,
        protected,
    )

    @dataclass
    class Part:  # one year's problem, placed at ``at`` among the stacked unknowns
        at: int
        problem: Problem
        shown: list[tuple[np.ndarray, float]]
        mean_row: np.ndarray
        targets: list[np.ndarray]

    parts: list[Part] = []
    size = 0
    for year in years:
        yearly = cube.years.get(year)
        if yearly is None or node not in yearly.layout.nodes:
            continue
        layout = yearly.layout
        present = [f for f in weights if f in layout.families]
        if not present:
            continue
        kinds = frozenset().union(*(layout.families[f] for f in present))
        block = next((b for b in blocks(layout) if kinds <= b), kinds)
        earlier = cube.earlier.get(year, [])
        problem = Problem.of(layout, cube.atoms.get(year, {}), block, earlier)
        shown = {layout.canon(key): value for key, value in yearly.shown().items()}
        before = [
            (problem.row(layout.canon(key), version), value)
            for version, publication in enumerate(earlier, start=1)
            for key, value in publication.shown.items()
            if key[0] in layout.families
            and key[1] in layout.nodes
            and problem.covers(layout.canon(key))
        ]
        old_targets = []
        for version, publication in enumerate(earlier, start=1):
            old_values, _ = cell_values(layout, publication.atoms)
            for key in sorted(publication.withheld, key=str):
                old = old_values.get(key)
                if key[0] not in layout.families or key[1] not in layout.nodes:
                    continue
                canon = layout.canon(key)
                if old is not None and 0 < old < cube.threshold and problem.covers(canon):
                    old_targets.append(problem.row(canon, version))
            for canon in sorted(hidden_small(layout, publication.atoms, cube.threshold), key=str):
                if problem.covers(canon):
                    old_targets.append(problem.row(canon, version))
        mean_row = np.zeros(len(problem.lower))
        for family in present:
            mean_row += (weights[family] - mean) * problem.row(layout.canon((family, node)))
        by_canon = {layout.canon(k): v for k, v in yearly.values.items()}
        parts.append(
            Part(
                size,
                problem,
                [(problem.row(c), v) for c, v in shown.items() if problem.covers(c)] + before,
                mean_row,
                [
                    problem.row(c)
                    for c in sorted(yearly.primary, key=str)
                    if problem.covers(c) and 0 < (by_canon.get(c) or 0.0) < cube.threshold
                ]
                + [problem.row(c) for c in sorted(yearly.hidden, key=str) if problem.covers(c)]
                + old_targets,
            )
        )
        size += len(problem.lower)
    if not parts:
        return True

    def padded(at: int, row: np.ndarray) -> np.ndarray:
        full = np.zeros(size)
        full[at : at + len(row)] = row
        return full

    stacked = Problem(
        frozenset(),
        {},
        np.concatenate([p.problem.lower for p in parts]),
        [],
        np.concatenate(
            [
                np.ones(len(p.problem.lower))
                if p.problem.integrality is None
                else p.problem.integrality
                for p in parts
            ]
        ),
    )
    inequalities = [
        (padded(p.at, row), bound)
        for p in parts
        if p.problem.a_ub is not None and p.problem.b_ub is not None
        for row, bound in zip(p.problem.a_ub, p.problem.b_ub, strict=True)
    ]
    if inequalities:  # each year's "§ 41 ≤ the HzE total" (Layout.at_most)
        stacked.a_ub = np.array([row for row, _ in inequalities])
        stacked.b_ub = np.array([bound for _, bound in inequalities])
    equations: list[Equation] = [
        (padded(p.at, row), value, None) for p in parts for row, value in p.shown
    ]
    equations.append((sum((padded(p.at, p.mean_row) for p in parts), np.zeros(size)), 0.0, None))
    return all(
        protected(interval(stacked, equations, padded(p.at, target)), cube.threshold)
        for p in parts
        for target in p.targets
    )
