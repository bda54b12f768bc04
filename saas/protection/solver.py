"""The feasible interval's linear programs, posed to HiGHS exactly as scipy poses them.

:func:`saas.protection.cube.interval` is called thousands of times per tenant (8,129 times in
one ``flask demo``), mostly on the same equations with another objective. Through
``scipy.optimize.linprog(method="highs")`` / ``milp`` each call built a dense matrix from the
equation list, had scipy validate and convert it (dense → CSC, bounds list → arrays, every
option checked one by one, the bound marginals read in a Python loop) — about two thirds of
the time, HiGHS's own solving the rest.

Here a set of equations becomes a :class:`System` once (CSC straight from the rows' non-zeros,
cached while the same row objects and values come back), and each minimum or maximum is
handed to the HiGHS build inside scipy (``scipy.optimize._highspy``, the one ``linprog`` and
``milp`` call) with the very arrays and options they would pass: the same HiGHS version, input
and settings give the same optimum, vertex and dual values, so the withheld cells do not
change. ``tests/protection/test_solver.py`` holds this against scipy's public functions on
random problems; a scipy upgrade that moves the private module fails there, not silently.
A block with inequalities (§ 41 ≤ the HzE count, :attr:`~saas.protection.cube.Layout.at_most`)
takes the same path (:func:`with_inequalities`): its rows stacked as ``linprog`` stacks them
(the inequalities first) resp. ``milp`` (the equations first). It used to go through scipy's
public functions with dense arrays: half the time of the demo's publication was scipy's
input handling (2026-12-04, bench/RESULTS.md).
Why not the ``highspy`` package (the HiGHS team's bindings, HiGHS 1.15 where scipy ships
1.12): tried on 228 of RV Saarbrücken's 2024 programs it gave the same optima, vertices and
duals but solved no faster (456 solves: 36–42 s against scipy's build's 31–32 s, loaded
machine), so it would be one more dependency, and another HiGHS version whose vertices
nothing holds to scipy's, for no gain.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

#: the equation sets kept (one repair step of one block reuses its set for every cell)
_KEEP = 16


@dataclass(frozen=True)
class System:
    """The equations with a non-zero row, as HiGHS takes them: ``A x = rhs``, A by columns."""

    #: the positions of these equations in the list they came from
    positions: tuple[int, ...]
    rows: int
    columns: int
    start: np.ndarray  # int32, CSC column starts
    index: np.ndarray  # int32, row of each entry
    value: np.ndarray  # float64
    rhs: np.ndarray  # float64
    #: the HiGHS model with this matrix, made on first use (the costs change per solve)
    model: list[Any] = field(default_factory=list, compare=False, repr=False)
    #: with inequalities (:func:`with_inequalities`): every row's bounds (``rhs`` holds the
    #: equations' only) and how many inequality rows stand before the equations
    row_lower: np.ndarray | None = None
    row_upper: np.ndarray | None = None
    offset: int = 0
    #: the systems with the problem's inequalities, made on first use (:func:`with_inequalities`)
    stacked: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def touched(self) -> np.ndarray:
        """Per column: does any equation contain it (a non-zero coefficient)."""
        return np.diff(self.start) > 0

    def rows_with(self, columns: np.ndarray) -> np.ndarray:
        """Per equation: does it contain one of ``columns`` (a boolean mask over columns)."""
        entry_column = np.repeat(np.arange(self.columns), np.diff(self.start))
        found = np.zeros(self.rows, dtype=bool)
        found[self.index[columns[entry_column]]] = True
        return found


_SYSTEMS: OrderedDict[tuple[Any, ...], tuple[list[np.ndarray], System]] = OrderedDict()
#: each row's non-zeros, while the row exists (by id, checked against a weak reference)
_NONZEROS: dict[int, tuple[weakref.ref[np.ndarray], np.ndarray, np.ndarray]] = {}


def _nonzeros(row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    found = _NONZEROS.get(id(row))
    if found is not None and found[0]() is row:
        return found[1], found[2]
    columns = np.flatnonzero(row)
    values = np.asarray(row, dtype=np.float64)[columns]
    key = id(row)
    _NONZEROS[key] = (weakref.ref(row, lambda _ref: _NONZEROS.pop(key, None)), columns, values)
    return columns, values


def system(equations: Sequence[tuple[np.ndarray, float, Any]], columns: int) -> System:
    """The equations (row, value, …) with a non-zero row as one sparse system.

    Cached by the identity of the row arrays and the values: the cache keeps the rows alive,
    so an id cannot be reused by another array while its entry exists (rows are never
    changed in place: :meth:`saas.protection.cube.Problem.row` hands out cached rows).
    """
    rows = [e[0] for e in equations]
    values = [float(e[1]) for e in equations]
    key = (columns, tuple(map(id, rows)), tuple(values))
    cached = _SYSTEMS.get(key)
    if cached is not None:
        _SYSTEMS.move_to_end(key)
        return cached[1]
    positions: list[int] = []
    column_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    for position, row in enumerate(rows):
        nonzero, value = _nonzeros(row)
        if len(nonzero):
            positions.append(position)
            column_parts.append(nonzero)
            value_parts.append(value)
    if positions:
        column_of = np.concatenate(column_parts)
        row_of = np.repeat(np.arange(len(positions)), [len(p) for p in column_parts])
        # by column, and within a column by row (stable): the canonical CSC of csc_array
        order = np.argsort(column_of, kind="stable")
        index = row_of[order].astype(np.int32)
        data = np.concatenate(value_parts)[order]
        counts = np.bincount(column_of, minlength=columns)
    else:
        index, data = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
        counts = np.zeros(columns, dtype=np.int64)
    start = np.zeros(columns + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    built = System(
        tuple(positions),
        len(positions),
        columns,
        start,
        index,
        data,
        np.array([values[i] for i in positions], dtype=np.float64),
    )
    _SYSTEMS[key] = (rows, built)
    while len(_SYSTEMS) > _KEEP:
        _SYSTEMS.popitem(last=False)
    return built


def with_inequalities(
    equations: System, a_ub: np.ndarray, b_ub: np.ndarray, *, first: bool
) -> System:
    """The equations and ``a_ub · x ≤ b_ub`` as one system, the rows in scipy's order:
    ``linprog`` stacks the inequalities before the equations (``first``), ``milp`` takes its
    constraints in the order given (the equations, then the inequalities). Cached on the
    equation set (the inequalities are the problem's, fixed while its equations change)."""
    key = (id(a_ub), first)
    found = equations.stacked.get(key)
    if found is not None and found.stacked.get("source") is a_ub:
        return found
    columns = equations.columns
    ub = np.asarray(b_ub, dtype=np.float64)
    dense = np.asarray(a_ub, dtype=np.float64)
    ub_row, ub_column = np.nonzero(dense)
    eq_column = np.repeat(np.arange(columns), np.diff(equations.start))
    eq_row = equations.index.astype(np.int64) + (len(ub) if first else 0)
    ub_row = ub_row + (0 if first else equations.rows)
    row_of = np.concatenate((eq_row, ub_row))
    column_of = np.concatenate((eq_column, ub_column))
    data = np.concatenate((equations.value, dense[np.nonzero(dense)]))
    # by column, and within a column by row: the canonical CSC of the stacked matrix
    order = np.lexsort((row_of, column_of))
    index = row_of[order].astype(np.int32)
    data = data[order]
    start = np.zeros(columns + 1, dtype=np.int32)
    np.cumsum(np.bincount(column_of, minlength=columns), out=start[1:])
    low_ub = np.full(len(ub), -np.inf)
    if first:
        row_lower = np.concatenate((low_ub, equations.rhs))
        row_upper = np.concatenate((ub, equations.rhs))
    else:
        row_lower = np.concatenate((equations.rhs, low_ub))
        row_upper = np.concatenate((equations.rhs, ub))
    built = System(
        equations.positions,
        equations.rows + len(ub),
        columns,
        start,
        index,
        data,
        equations.rhs,
        row_lower=row_lower,
        row_upper=row_upper,
        offset=len(ub) if first else 0,
    )
    built.stacked["source"] = a_ub  # the cache entry holds the matrix: its id stays its own
    equations.stacked[key] = built
    return built


@dataclass
class Solution:
    """What :func:`interval` reads of ``linprog``'s / ``milp``'s result, with their codes."""

    status: int  # scipy's: 0 optimal, 2 infeasible, 3 unbounded, 4 other …
    message: str
    #: the rest only with status 0
    fun: float = 0.0
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: the dual value of each equation
    marginals: np.ndarray = field(default_factory=lambda: np.zeros(0))


@cache
def _highs() -> Any:
    from scipy.optimize._highspy import _core  # type: ignore[import-untyped]

    return _core


@cache
def _options(kind: str) -> Any:
    """The options ``linprog(method="highs")`` (``"lp"``) resp. ``milp`` (``"milp"``) set.

    scipy passes more keys, all ``None`` (left at HiGHS's defaults) or ``sense`` (ignored;
    minimising is the default): these are the ones it sets."""
    h = _highs()
    options = h.HighsOptions()
    options.log_to_console = False
    if kind == "lp":
        options.presolve = "on"
        options.highs_debug_level = h.HighsDebugLevel.kHighsDebugLevelNone
        options.output_flag = False
        options.simplex_strategy = h.simplex_constants.SimplexStrategy.kSimplexStrategyDual
    return options


def _status(highs_status: Any, highs_message: str) -> tuple[int, str]:
    from scipy.optimize._linprog_highs import (  # type: ignore[import-untyped]
        _highs_to_scipy_status_message,
    )

    status, message = _highs_to_scipy_status_message(highs_status, highs_message)
    return int(status), str(message)


def linprog(c: np.ndarray, equations: System, lower: np.ndarray) -> Solution:
    """``linprog(c, A_eq, b_eq, bounds=[(l, None) …], method="highs")``, solved the same way."""
    # scipy replaces infinite bounds by ±kHighsInf, which is inf in this build: no-op
    upper = np.full(len(c), np.inf)
    lb = np.array(lower, dtype=np.float64)
    return _run(np.asarray(c, dtype=np.float64), equations, lb, upper, None, _options("lp"))


def milp(c: np.ndarray, equations: System, lower: np.ndarray, integrality: np.ndarray) -> Solution:
    """``milp(c, constraints=[A_eq = b_eq], integrality, bounds=(lower, inf))``, the same way."""
    return _run(
        np.asarray(c, dtype=np.float64),
        equations,
        np.asarray(lower, dtype=np.float64),
        np.full(len(c), np.inf),
        np.asarray(integrality).astype(np.uint8),
        _options("milp"),
    )


def _model(equations: System) -> Any:
    """The HiGHS model of the equations, its matrix and right-hand sides filled in once
    (``passModel`` copies it, so one model object serves every solve)."""
    if equations.model:
        return equations.model[0]
    h = _highs()
    lp = h.HighsLp()
    lp.num_col_ = equations.columns
    lp.num_row_ = equations.rows
    lp.a_matrix_.num_col_ = equations.columns
    lp.a_matrix_.num_row_ = equations.rows
    lp.a_matrix_.format_ = h.MatrixFormat.kColwise
    lp.row_lower_ = equations.rhs if equations.row_lower is None else equations.row_lower
    lp.row_upper_ = equations.rhs if equations.row_upper is None else equations.row_upper
    lp.a_matrix_.start_ = equations.start
    lp.a_matrix_.index_ = equations.index
    lp.a_matrix_.value_ = equations.value
    equations.model.append(lp)
    return lp


def _run(
    c: np.ndarray,
    equations: System,
    lower: np.ndarray,
    upper: np.ndarray,
    integrality: np.ndarray | None,
    options: Any,
) -> Solution:
    """scipy's ``_highs_wrapper``, less what :func:`interval` does not read (bound marginals,
    slacks, iteration counts) and with the options checked once."""
    h = _highs()
    lp = _model(equations)
    lp.col_cost_ = c
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    if integrality is not None and integrality.size > 0:
        lp.integrality_ = [h.HighsVarType(i) for i in integrality]
    else:
        lp.integrality_ = []
    is_mip = integrality is not None and int(np.sum(integrality)) > 0

    highs = h._Highs()
    if highs.passOptions(options) == h.HighsStatus.kError:
        status = highs.getModelStatus()
        return Solution(*_status(status, highs.modelStatusToString(status)))
    if highs.passModel(lp) == h.HighsStatus.kError:
        status = h.HighsModelStatus.kModelError
        return Solution(*_status(status, highs.modelStatusToString(status)))
    if highs.run() == h.HighsStatus.kError:
        status = highs.getModelStatus()
        return Solution(*_status(status, highs.modelStatusToString(status)))
    status = highs.getModelStatus()
    info = highs.getInfo()
    limits = (
        h.HighsModelStatus.kTimeLimit,
        h.HighsModelStatus.kIterationLimit,
        h.HighsModelStatus.kSolutionLimit,
    )
    mip_failed = status not in (h.HighsModelStatus.kOptimal, *limits) or (
        status in limits and info.objective_function_value == h.kHighsInf
    )
    if (is_mip and mip_failed) or (not is_mip and status != h.HighsModelStatus.kOptimal):
        message = (
            f"model_status is {highs.modelStatusToString(status)}; primal_status is "
            f"{highs.solutionStatusToString(info.primal_solution_status)}"
        )
        return Solution(*_status(status, message))
    solution = highs.getSolution()
    duals = np.array(solution.row_dual)
    if equations.row_lower is not None:  # the equations' duals only (scipy's ``eqlin``)
        duals = duals[equations.offset : equations.offset + len(equations.positions)]
    return Solution(
        *_status(status, highs.modelStatusToString(status)),
        fun=info.objective_function_value,
        x=np.array(solution.col_value),
        marginals=duals,
    )
