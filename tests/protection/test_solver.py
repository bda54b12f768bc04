"""The disclosure cube's solver path (saas/protection/solver.py) against plain scipy.

:func:`saas.protection.cube.interval` hands its programs to HiGHS itself (a sparse matrix
built once per equation set, the options set once, an unbounded maximum recognised without
a solve). Asserted here, on random problems and on random tenants' whole cubes: the result
is exactly what ``scipy.optimize.linprog(method="highs")`` / ``milp`` give on the dense arrays
— the same minimum and maximum, the same binding cells (dual values), the same "integral"
flag, the same errors — and so the same withheld cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas.protection import cube as cube_module
from saas.protection import solver
from saas.protection.cube import (
    Canon,
    Earlier,
    Equation,
    Interval,
    Problem,
    interval,
    protect_year,
)
from tests.conftest import on_postgres
from tests.protection.test_attack import Tenant, published, tenants

#: pure arithmetic, no database: the SQLite run covers it, the PostgreSQL run skips it
pytestmark = pytest.mark.skipif(on_postgres(), reason="no database involved")
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def scipy_interval(
    problem: Problem, equations: Sequence[Equation], objective: np.ndarray, *, integer: bool = False
) -> Interval:
    """``interval`` as it was before solver.py: dense arrays into scipy's linprog / milp."""
    from scipy.optimize import (  # type: ignore[import-untyped]
        Bounds,
        LinearConstraint,
        linprog,
        milp,
    )

    used = [e for e in equations if e[0].any()]
    a_eq = np.array([e[0] for e in used]) if used else None
    b_eq = np.array([e[1] for e in used]) if used else None
    found = Interval(0.0, 0.0)
    # Counts are whole numbers, yearly means (atom types marked as means in the layout) are
    # not: each unknown is integral or continuous by its own type, never the whole block at
    # once, so a count stays a whole number beside a fractional mean. Only where a published
    # value that sums counts alone is fractional (an inconsistent entry) may nobody assume
    # whole numbers, and the linear relaxation is the interval.
    integrality = (
        problem.integrality.copy()
        if problem.integrality is not None and len(problem.integrality) == len(objective)
        else np.ones(len(objective))
    )
    if integer and a_eq is not None and b_eq is not None:
        counts_only = ~(a_eq[:, integrality == 0] != 0).any(axis=1)
        fractional = ~np.isclose(b_eq, np.round(b_eq), atol=1e-7)
        if (counts_only & fractional).any():
            integrality[:] = 0
    # the inequalities a reader knows besides the cells (§ 41 ≤ the HzE total)
    a_ub = problem.a_ub if problem.a_ub is not None and len(problem.a_ub) else None
    b_ub = problem.b_ub if a_ub is not None else None
    for sign in (1.0, -1.0):
        if integer:
            constraints = [LinearConstraint(a_eq, b_eq, b_eq)] if a_eq is not None else []
            if a_ub is not None:
                constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
            res = milp(
                sign * objective,
                constraints=constraints,
                integrality=integrality,
                bounds=Bounds(problem.lower, np.inf),
            )
        else:
            bounds = [(lo, None) for lo in problem.lower]
            res = linprog(
                sign * objective,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=bounds,
                method="highs",
            )
        if res.status == 3 or (res.status != 0 and "nbounded" in str(res.message)):
            value = np.inf
        elif res.status != 0:
            raise RuntimeError(f"disclosure LP failed: {res.message}")
        else:
            value = float(sign * res.fun)
            if not integer and not np.allclose(res.x, np.round(res.x), atol=1e-7):
                found.integral = False
        binding: list[Canon] = []
        if not integer and a_eq is not None and res.status == 0:
            marginals = res.eqlin.marginals
            binding = [
                e[2]
                for e, m in zip(used, marginals, strict=True)
                if abs(m) > 1e-9 and e[2] is not None
            ]
        if sign > 0:
            found.low, found.bound_low = value, binding
        else:
            found.high, found.bound_high = value, binding
    return found


@st.composite
def problems(draw: Any) -> tuple[Problem, list[Equation], np.ndarray]:
    """A few unknowns (counts and means, some with a negative lower bound as an inconsistent
    entry gives), equations over them — sums with some repeated, empty and weighted rows,
    values from a non-negative point (feasible) or drawn freely (maybe infeasible or
    fractional) — and an objective row."""
    n = draw(st.integers(1, 9))
    lower = np.array([draw(st.sampled_from([0.0, 0.0, 0.0, -1.0, -2.5])) for _ in range(n)])
    integrality = np.array([draw(st.sampled_from([1.0, 1.0, 0.0])) for _ in range(n)])
    coefficient = st.sampled_from([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, -1.0])
    point = np.array([draw(st.sampled_from([0.0, 1.0, 2.0, 3.0, 7.0, 0.5])) for _ in range(n)])
    free_values = draw(st.booleans())
    equations: list[Equation] = []
    for k in range(draw(st.integers(0, 8))):
        if equations and draw(st.integers(0, 5)) == 0:
            row = equations[draw(st.integers(0, len(equations) - 1))][0]  # the same row again
        else:
            row = np.array([draw(coefficient) for _ in range(n)])
        value = (
            float(draw(st.sampled_from([0.0, 1.0, 2.0, 4.0, 2.5]))) if free_values else row @ point
        )
        canon: Canon | None = (
            None if draw(st.integers(0, 3)) == 0 else (frozenset({f"k{k}"}), frozenset({k}))
        )
        equations.append((row, float(value), canon))
    objective = np.array([draw(st.sampled_from([0.0, 1.0, 1.0, 1.0, -1.0])) for _ in range(n)])
    problem = Problem(frozenset(), {}, lower, [], integrality)
    # inequalities as the layout's at_most gives them (one unknown at most a sum of others,
    # a slack where an entry breaks the rule), in about half the problems
    inequalities = draw(st.integers(0, 3)) if draw(st.booleans()) else 0
    if inequalities and n > 1:
        rows = []
        for _ in range(inequalities):
            small = draw(st.integers(0, n - 1))
            row = np.zeros(n)
            for big in draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3)) - {small}:
                row[big] = -1.0
            row[small] = 1.0
            rows.append(row)
        problem.a_ub = np.array(rows)
        problem.b_ub = np.array([draw(st.sampled_from([0.0, 0.0, 1.0])) for _ in rows])
    return problem, equations, objective


def outcome(
    function: Any, problem: Problem, equations: Sequence[Equation], objective: np.ndarray, **kw: Any
) -> tuple[Any, ...]:
    try:
        found = function(problem, equations, objective, **kw)
    except RuntimeError as error:
        return ("error", str(error))
    return (found.low, found.high, found.bound_low, found.bound_high, found.integral)


@SETTINGS
@given(problems(), st.booleans())
def test_the_solver_path_gives_exactly_scipys_intervals(
    drawn: tuple[Problem, list[Equation], np.ndarray], integer: bool
) -> None:
    problem, equations, objective = drawn
    expected = outcome(scipy_interval, problem, equations, objective, integer=integer)
    assert outcome(interval, problem, equations, objective, integer=integer) == expected
    # again, from the cached equation set (the same row objects and values)
    assert outcome(interval, problem, equations, objective, integer=integer) == expected
    # the same row objects with other values are another system
    shifted = [(row, value + 1.0, canon) for row, value, canon in equations]
    assert outcome(interval, problem, shifted, objective, integer=integer) == outcome(
        scipy_interval, problem, shifted, objective, integer=integer
    )


@SETTINGS
@given(problems())
def test_the_solver_gives_scipys_vertex_and_duals(
    drawn: tuple[Problem, list[Equation], np.ndarray],
) -> None:
    """Beyond what interval() reads: the optimal point and every dual value, bit for bit."""
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    problem, equations, objective = drawn
    used = [e for e in equations if e[0].any()]
    system = solver.system(equations, len(objective))
    for sign in (1.0, -1.0):
        expected = linprog(
            sign * objective,
            A_eq=np.array([e[0] for e in used]) if used else None,
            b_eq=np.array([e[1] for e in used]) if used else None,
            bounds=[(lo, None) for lo in problem.lower],
            method="highs",
        )
        found = solver.linprog(sign * objective, system, problem.lower)
        assert (found.status, found.message) == (expected.status, expected.message)
        if expected.status == 0:
            assert found.fun == expected.fun
            assert np.array_equal(found.x, expected.x)
            if used:
                assert np.array_equal(found.marginals, expected.eqlin.marginals)


@settings(SETTINGS, max_examples=25)
@given(tenants(), st.data())
def test_the_same_cells_are_withheld_as_with_plain_scipy(
    tenant: Tenant, data: st.DataObject
) -> None:
    """Whole cubes, with and without an earlier publication (a snapshot, one figure
    corrected since): the repair's and the release's every interval as scipy's."""
    layout, atoms, threshold = tenant.layout, tenant.atoms, tenant.threshold
    corrected = dict(atoms)
    atom = data.draw(st.sampled_from(sorted(atoms, key=str)))
    corrected[atom] = max(0.0, atoms[atom] + data.draw(st.sampled_from([-2, -1, 1, 3])))

    def both() -> tuple[Any, ...]:
        first = protect_year(layout, atoms, threshold)
        snapshot = Earlier(published(first), frozenset(first.withheld_keys()), atoms)
        later = protect_year(layout, corrected, threshold, earlier=[snapshot])
        return first.primary, first.secondary, later.primary, later.secondary

    found = both()
    original = cube_module.interval
    cube_module.interval = scipy_interval
    try:
        expected = both()
    finally:
        cube_module.interval = original
    assert found == expected


def _without_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every interval by a solve, as before the feasible points and the row span."""
    monkeypatch.setattr(cube_module.Points, "ends", lambda *_a, **_k: (None, None))
    monkeypatch.setattr(cube_module.Points, "undetermined", lambda *_a, **_k: False)
    monkeypatch.setattr(cube_module._RowSpace, "contains", lambda *_a, **_k: False)


@settings(SETTINGS, max_examples=40)
@given(tenants(), st.data())
def test_the_shortcuts_withhold_exactly_what_every_solve_withholds(
    tenant: Tenant, data: st.DataObject
) -> None:
    """Whole cubes, with and without an earlier publication (a snapshot, one figure
    corrected since, or the figures unchanged): an interval known from feasible points
    (:class:`~saas.protection.cube.Points`) or a cell determined by the row span of the
    shown cells is never a different decision from the one its solve gives."""
    layout, atoms, threshold = tenant.layout, tenant.atoms, tenant.threshold
    corrected = dict(atoms)
    if data.draw(st.booleans()):
        atom = data.draw(st.sampled_from(sorted(atoms, key=str)))
        corrected[atom] = max(0.0, atoms[atom] + data.draw(st.sampled_from([-2, -1, 1, 3])))

    def both() -> tuple[Any, ...]:
        first = protect_year(layout, atoms, threshold)
        snapshot = Earlier(published(first), frozenset(first.withheld_keys()), atoms)
        later = protect_year(layout, corrected, threshold, earlier=[snapshot])
        return first.primary, first.secondary, later.primary, later.secondary

    found = both()
    with pytest.MonkeyPatch.context() as patch:
        _without_shortcuts(patch)
        expected = both()
    assert found == expected


def test_the_shortcuts_save_solves_on_a_demo_like_year() -> None:
    """Not hollow: on a drawn tenant with many small cells the shortcuts answer intervals
    that would otherwise be solved (counted through the solver's one entry point)."""
    from hypothesis import find

    tenant = find(
        tenants(most_areas=7),
        lambda t: sum(1 for v in t.atoms.values() if 0 < v < t.threshold) >= 6,
        settings=settings(derandomize=True, database=None, max_examples=500),
    )
    counted = {"solves": 0}
    original = solver._run

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted["solves"] += 1
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "_run", counting)
        fast = protect_year(tenant.layout, tenant.atoms, tenant.threshold)
        shortcut_solves = counted["solves"]
        counted["solves"] = 0
        _without_shortcuts(patch)
        slow = protect_year(tenant.layout, tenant.atoms, tenant.threshold)
    assert (fast.primary, fast.secondary) == (slow.primary, slow.secondary)
    assert shortcut_solves < counted["solves"]
