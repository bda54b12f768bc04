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
from typing import Any

import numpy as np

from saas.impact.groups import WINDOW_MAX, WINDOW_MIN, AreaGroups
from saas.impact.matching import Figures, matched_control, pre_periods
from saas.protection.cube import MEAN_STEPS
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
    cube: Cube,
    years: Sequence[int],
    node: Hashable,
    weights: Mapping[str, float],
    mean: float | tuple[float, float],
) -> bool:
    """May a weighted mean of the node's cells be shown beside everything the cube shows?

    ``weights`` maps families to weights (the annual cost per help type); the mean is
    Σ cᵢ·kᵢ ÷ Σ cᵢ with cᵢ the family's cell of ``node`` summed over ``years`` (the weighted
    annual cost per case-year of the served areas). ``mean`` is what a reader can know of
    it: the value itself, or the interval ``(low, high)`` the published, rounded figures
    narrow it to (:func:`saas.impact.services.mean_bounds`). Published, it is two more
    inequalities over the cube's atoms, across the years: Σᵢ (kᵢ − high)·cᵢ ≤ 0 ≤
    Σᵢ (kᵢ − low)·cᵢ, and Σᵢ cᵢ > 0.

    The reader's problem is the cube's own, in whole numbers: case-years in whole twelfths
    (:data:`saas.protection.cube.MEAN_STEPS`), over every block the help types touch (the
    mean links them; "b + x shown, b = 2a by the cost" gives x's parity away only across
    blocks), each year's shown cells as equations, and its earlier publications
    (:attr:`Cube.earlier`, the snapshots the cube was protected with) as equations over the
    figures as they were then — an unchanged figure is the same unknown in both, so two old
    cells can give a difference of current counts no current cell shows, and with the
    mean that difference gives the counts (``tests/impact/test_disclosure.py``). With the
    mean, every withheld small cell of those years, now and as each snapshot withheld it,
    and every small count of cases without a help type, must keep a feasible value of 0
    and one at the threshold or above.

    Whole-number points are searched for directly (:func:`_whole_point`), one per end and
    cell, and every point found is kept: a point is a possible truth, so any later cell it
    puts at 0 or at the threshold needs no search of its own. The true figures are the first
    point.
    """
    from saas.protection.cube import Problem, blocks, cell_values, hidden_small

    low, high = (mean, mean) if isinstance(mean, int | float) else mean

    @dataclass
    class Part:  # one year's problem, placed at ``at`` among the stacked unknowns
        at: int
        problem: Problem
        truth: np.ndarray
        shown: list[tuple[np.ndarray, float]]
        mean_rows: tuple[np.ndarray, np.ndarray]  # Σ kᵢcᵢ, Σ cᵢ (case-years)
        targets: list[np.ndarray]

    parts: list[Part] = []
    size = 0
    for year in years:
        yearly = cube.years.get(year)
        if yearly is None or node not in yearly.layout.nodes:
            return False  # a year of the mean the check cannot see: not shown
        layout = yearly.layout
        present = [f for f in weights if f in layout.families]
        if not present:
            continue
        kinds = frozenset().union(*(layout.families[f] for f in present))
        # the mean's inequalities link the blocks of its families: the reader solves them as one
        block = frozenset(kinds).union(*(b for b in blocks(layout) if b & kinds))
        earlier = cube.earlier.get(year, [])
        atoms = cube.atoms.get(year, {})
        problem = Problem.of(layout, atoms, block, earlier, lattice=True)
        truth = np.zeros(len(problem.lower))
        versions = [atoms, *(e.atoms for e in earlier)]
        for (version, atom), i in problem.index.items():
            truth[i] = problem.scaled(versions[version].get(atom, 0.0))
        shown = {layout.canon(key): value for key, value in yearly.shown().items()}
        before = [
            (problem.row(layout.canon(key), version), problem.scaled(value))
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
        weighted = np.zeros(len(problem.lower))
        total = np.zeros(len(problem.lower))
        for family in present:
            row = problem.row(layout.canon((family, node))) / problem.scale  # in case-years
            weighted += weights[family] * row
            total += row
        by_canon = {layout.canon(k): v for k, v in yearly.values.items()}
        parts.append(
            Part(
                size,
                problem,
                truth,
                [(problem.row(c), problem.scaled(v)) for c, v in shown.items() if problem.covers(c)]
                + before,
                (weighted, total),
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

    weighted = sum((padded(p.at, p.mean_rows[0]) for p in parts), np.zeros(size))
    total = sum((padded(p.at, p.mean_rows[1]) for p in parts), np.zeros(size))
    inequalities = [
        (padded(p.at, row), bound)
        for p in parts
        if p.problem.a_ub is not None and p.problem.b_ub is not None
        for row, bound in zip(p.problem.a_ub, p.problem.b_ub, strict=True)
    ]  # each year's "§ 41 ≤ the HzE total" (Layout.at_most)
    inequalities += [
        (weighted - high * total, 0.0),  # the mean is at most ``high``
        (low * total - weighted, 0.0),  # and at least ``low``
        (-total, -1.0 / MEAN_STEPS),  # of some case-years: it was computed
    ]
    system = _System(
        np.array([padded(p.at, row) for p in parts for row, _ in p.shown]).reshape(-1, size),
        np.array([value for p in parts for _, value in p.shown]),
        np.array([row for row, _ in inequalities]),
        np.array([bound for _, bound in inequalities]),
        np.concatenate([p.problem.lower for p in parts]),
        np.concatenate(
            [
                np.ones(len(p.problem.lower))
                if p.problem.integrality is None
                else p.problem.integrality
                for p in parts
            ]
        ),
    )
    targets = [
        (padded(part.at, row), part.problem.scaled(cube.threshold))
        for part in parts
        for row in part.targets
    ]
    points = [np.concatenate([p.truth for p in parts])]
    for end in ("at most", "at least"):
        # one point that serves many cells at once first, then a point for each cell left
        found = _cover(system, targets, end)
        if found is not None:
            points.append(found)
        for target, reach in targets:
            bound = 0.0 if end == "at most" else reach
            if any(_meets(target @ x, end, bound) for x in points):
                continue
            found = _whole_point(system, target, end, bound)
            if found is None or not _meets(target @ found, end, bound):
                return False
            points.append(found)
    return True


@dataclass(frozen=True)
class _System:
    """The reader's knowledge for :func:`_whole_point`: ``a_eq·x = b_eq``, ``a_ub·x ≤ b_ub``,
    ``x ≥ lower``, whole numbers where ``integrality`` is 1."""

    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    b_ub: np.ndarray
    lower: np.ndarray
    integrality: np.ndarray


#: the branch-and-bound nodes one search may take before it counts as "no such point": the
#: answer must not depend on the machine's speed, and not finding a point withholds the mean
NODE_LIMIT = 2000
_TOLERANCE = 1e-6


def _meets(value: float, end: str, bound: float) -> bool:
    return value <= bound + _TOLERANCE if end == "at most" else value >= bound - _TOLERANCE


def _whole_point(system: _System, target: np.ndarray, end: str, bound: float) -> np.ndarray | None:
    """A point of the reader's knowledge in whole numbers with ``target·x`` at most / at
    least ``bound``, or None when there is none (or none was found within
    :data:`NODE_LIMIT`). The linear relaxation first: without a real point there is no whole
    one, and its optimum vertex is often whole already."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # type: ignore[import-untyped]

    sign = 1.0 if end == "at most" else -1.0
    relaxed = linprog(
        sign * target,
        A_ub=system.a_ub,
        b_ub=system.b_ub,
        A_eq=system.a_eq if len(system.b_eq) else None,
        b_eq=system.b_eq if len(system.b_eq) else None,
        bounds=np.column_stack([system.lower, np.full(len(system.lower), np.inf)]),
        method="highs",
    )
    if relaxed.status == 0:
        if not _meets(float(target @ relaxed.x), end, bound):
            return None
        whole = system.integrality == 1
        if np.allclose(relaxed.x[whole], np.round(relaxed.x[whole]), atol=1e-7):
            x = relaxed.x.copy()
            x[whole] = np.round(x[whole])
            if _holds(system, x):
                return x
    elif relaxed.status == 2:  # infeasible
        return None
    elif relaxed.status != 3:  # not unbounded: a failure, which must not show the mean
        raise RuntimeError(f"disclosure LP failed: {relaxed.message}")
    constraints = [LinearConstraint(system.a_ub, -np.inf, system.b_ub)]
    if len(system.b_eq):
        constraints.append(LinearConstraint(system.a_eq, system.b_eq, system.b_eq))
    if end == "at most":
        constraints.append(LinearConstraint(target[np.newaxis], -np.inf, bound))
    else:
        constraints.append(LinearConstraint(target[np.newaxis], bound, np.inf))
    found = milp(
        np.zeros(len(target)),
        constraints=constraints,
        integrality=system.integrality,
        bounds=Bounds(system.lower, np.inf),
        options={"node_limit": NODE_LIMIT},
    )
    return _checked(system, found)


def _cover(
    system: _System, targets: Sequence[tuple[np.ndarray, float]], end: str
) -> np.ndarray | None:
    """One whole-number point that serves many ``targets`` at once: ``end`` "at most", the
    sum of the targets as small as it can be (many at 0); "at least", the sum of the
    targets capped at their thresholds as large as it can be (one capped copy per target,
    zᵢ ≤ targetᵢ·x and zᵢ ≤ thresholdᵢ). Only a shortcut: a cell the point does not serve
    is searched for on its own. None when no point was found within :data:`NODE_LIMIT`."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    if not targets:
        return None
    rows = np.array([t for t, _ in targets])
    n, k = len(system.lower), len(targets) if end == "at least" else 0

    def wide(a: np.ndarray) -> np.ndarray:  # the rows over x and the capped copies
        return np.hstack([a, np.zeros((len(a), k))])

    constraints = [LinearConstraint(wide(system.a_ub), -np.inf, system.b_ub)]
    if len(system.b_eq):
        constraints.append(LinearConstraint(wide(system.a_eq), system.b_eq, system.b_eq))
    if end == "at most":
        objective = rows.sum(axis=0)
    else:  # zᵢ − targetᵢ·x ≤ 0, zᵢ ≤ thresholdᵢ; maximise Σ zᵢ
        constraints.append(LinearConstraint(np.hstack([-rows, np.eye(k)]), -np.inf, 0.0))
        objective = np.concatenate([np.zeros(n), -np.ones(k)])
    found = milp(
        objective,
        constraints=constraints,
        integrality=np.concatenate([system.integrality, np.zeros(k)]),
        bounds=Bounds(
            np.concatenate([system.lower, np.full(k, -np.inf)]),
            np.concatenate([np.full(n, np.inf), [reach for _, reach in targets][:k]]),
        ),
        options={"node_limit": NODE_LIMIT},
    )
    return _checked(system, found, n)


def _checked(system: _System, found: Any, n: int | None = None) -> np.ndarray | None:
    """The point ``milp`` found (its first ``n`` values), its whole-number values rounded,
    if it still meets every row (HiGHS's tolerances are its own); else None."""
    if found.x is None or found.status not in (0, 1):
        return None
    x = np.asarray(found.x[: n if n is not None else len(found.x)], dtype=float).copy()
    whole = system.integrality == 1
    x[whole] = np.round(x[whole])
    return x if _holds(system, x) else None


def _holds(system: _System, x: np.ndarray) -> bool:
    """``x`` (rounded to whole numbers) still meets every equation and inequality, up to
    the floating point error of the rows' sums."""

    def slack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return 1e-9 * (np.abs(a) @ np.abs(x) + np.abs(b)) + 1e-7

    return bool(
        np.all(x >= system.lower - _TOLERANCE)
        and np.all(system.a_ub @ x - system.b_ub <= slack(system.a_ub, system.b_ub))
        and np.all(np.abs(system.a_eq @ x - system.b_eq) <= slack(system.a_eq, system.b_eq))
    )
