"""The protected cube of one tenant and year: pure arithmetic, no Flask, no database.

Everything a tenant's users can obtain for a year is a *cell*: a count family (the HzE case
count, one help type, the ambulant group, § 8a, …) summed over a *node* (the whole
municipality or one area of any level of any hierarchy). Every cell is a sum of *atoms*:
(atom type, data area) — the finest parts the figures are entered in (one help type of one
area; the HzE count minus its help types is an atom type of its own). A reader who sees some
cells knows linear equations over the atoms (each shown cell: its atoms add up to its value),
that atoms are non-negative, and the inequalities of :attr:`Layout.at_most` (in every data
area, § 41's young adults are at most the HzE total they are contained in).

Protection (the τ-ARGUS rules for hierarchical tables, applied to all tables at once):

1. *primary*: every cell with ``0 < value < threshold`` is withheld, and every cell a
   published snapshot withheld (``forced``); a *hidden* count (:attr:`Layout.hidden`: the
   cases without a help type, the HzE total minus its help types — no cell of any table,
   but a reader can subtract) with ``0 < value < threshold`` is sensitive like a small cell,
   and protected by the cells around it (rule 3);
2. *secondary*, by lines: wherever a relation "whole = sum of its parts" (an area and its
   sub-areas, a family and its sub-families) has exactly one withheld member, another one is
   withheld, the smallest non-zero part first;
3. *secondary*, by linear programming: for every primary cell the reader's feasible interval
   is computed (:func:`interval`, ``scipy.optimize.linprog``, confirmed with ``milp`` — both
   programs handed to scipy's HiGHS directly, as they pose them, by :mod:`.solver`; counts
   in whole numbers, yearly means in whole twelfths, :data:`MEAN_STEPS`); a cell
   whose interval does not contain 0 or does not reach the threshold gets another cell
   withheld — one of the shown cells that bound it (the constraints with a non-zero dual
   value), the smallest first — until it does.

Cells with the same atoms (a district with one sub-area, the day-group share's numerator
and § 32) are one cell: withheld together. Cells shown in a published snapshot with the same
value (``known``) count as shown whatever the current pattern says.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from saas.protection import solver

Node = Hashable  # None: the whole municipality; otherwise an area id
Atom = tuple[str, Hashable]  # (atom type, data area)
CellKey = tuple[str, Node]  # (family code, node)
Canon = tuple[frozenset[str], frozenset[Hashable]]  # (atom types, data areas)


@dataclass(frozen=True)
class Layout:
    """The public structure: which atom types each family sums, which data areas each node.

    Readers know it (it is what the report pages and the catalogue say), so it is no secret.
    """

    families: Mapping[str, frozenset[str]]
    nodes: Mapping[Node, frozenset[Hashable]]
    #: the atom types that are yearly means (continuous unknowns); None: the types whose name
    #: carries the engine's mean mark ``@`` (``HZE_RUN@avg``) — every other type is a count
    means: frozenset[str] | None = None
    #: inequalities every reader knows, per data area: (atom type, the atom types whose sum
    #: it never exceeds) — § 41 ≤ the HzE total (:func:`saas.protection.families.bounds`)
    at_most: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: atom types that are no family's cell but a count a reader can work out (the HzE
    #: remainder: the total minus its help types): their small sums over a node are
    #: protected like small cells (:func:`hidden_small`)
    hidden: frozenset[str] = frozenset()

    def is_mean(self, kind: str) -> bool:
        return kind in self.means if self.means is not None else "@" in kind

    def canon(self, key: CellKey) -> Canon:
        family, node = key
        return (self.families[family], self.nodes[node])


@dataclass
class YearCube:
    """The protected cells of one year: value, and why a cell is withheld."""

    layout: Layout
    values: dict[CellKey, float | None]  # None: no figure behind the cell ("." )
    primary: set[Canon] = field(default_factory=set)
    secondary: set[Canon] = field(default_factory=set)
    threshold: int = 3
    #: the small hidden counts (:func:`hidden_small`): no cell, never withheld, but every
    #: further output must keep their intervals as wide as a withheld small cell's
    hidden: set[Canon] = field(default_factory=set)

    def withheld(self, key: CellKey) -> bool:
        canon = self.layout.canon(key)
        return canon in self.primary or canon in self.secondary

    def status(self, key: CellKey) -> str:
        """``"withheld"``, ``"missing"`` or ``"shown"``."""
        if self.withheld(key):
            return "withheld"
        return "missing" if self.values.get(key) is None else "shown"

    def shown(self) -> dict[CellKey, float]:
        """Every shown cell with its value (missing cells count as a shown 0)."""
        return {key: value or 0.0 for key, value in self.values.items() if not self.withheld(key)}

    def withheld_keys(self) -> set[CellKey]:
        return {key for key in self.values if self.withheld(key)}


# -- building the cells -----------------------------------------------------------------------


def cell_values(
    layout: Layout, atoms: Mapping[Atom, float]
) -> tuple[dict[CellKey, float | None], dict[Canon, float | None]]:
    """The value of every cell (None where no atom of it has a figure), by key and canon."""
    by_area: dict[Hashable, dict[str, float]] = {}
    for (kind, area), value in atoms.items():
        by_area.setdefault(area, {})[kind] = value
    canon_values: dict[Canon, float | None] = {}
    values: dict[CellKey, float | None] = {}
    for family in layout.families:
        for node in layout.nodes:
            key = (family, node)
            canon = layout.canon(key)
            if canon not in canon_values:
                found = [
                    by_area[area][kind]
                    for area in canon[1]
                    if area in by_area
                    for kind in canon[0]
                    if kind in by_area[area]
                ]
                # fsum: exact whatever the order of the frozensets (string hashes differ from
                # process to process, and a worker's cube must equal the parent's to the bit)
                canon_values[canon] = math.fsum(found) if found else None
            values[key] = canon_values[canon]
    return values, canon_values


def hidden_small(layout: Layout, atoms: Mapping[Atom, float], threshold: float) -> set[Canon]:
    """Every hidden count (an atom type of :attr:`Layout.hidden` summed over a node) with
    ``0 < value < threshold``."""
    found: set[Canon] = set()
    for kind in layout.hidden:
        for areas in set(layout.nodes.values()):
            value = sum(atoms.get((kind, area), 0.0) for area in areas)
            if 0 < value < threshold:
                found.add((frozenset({kind}), areas))
    return found


def _relations(canons: Iterable[Canon]) -> list[tuple[Canon, list[Canon]]]:
    """Every "whole = sum of its parts" among the cells: for one family, an area and the
    maximal areas below it; for one node, a family and its maximal sub-families — when the
    parts are disjoint and add up to the whole."""
    canons = list(canons)
    by_kinds: dict[frozenset[str], list[frozenset[Hashable]]] = {}
    by_areas: dict[frozenset[Hashable], list[frozenset[str]]] = {}
    for kinds, areas in canons:
        by_kinds.setdefault(kinds, []).append(areas)
        by_areas.setdefault(areas, []).append(kinds)
    found: list[tuple[Canon, list[Canon]]] = []

    def partitions(sets: list[frozenset[Any]]) -> list[tuple[frozenset[Any], list[frozenset[Any]]]]:
        result = []
        unique = sorted(set(sets), key=lambda s: (len(s), sorted(map(str, s))))
        for whole in unique:
            below = [s for s in unique if s < whole and s]
            maximal = [s for s in below if not any(s < t for t in below)]
            if len(maximal) < 2:
                continue
            if sum(len(s) for s in maximal) == len(whole) and frozenset().union(*maximal) == whole:
                result.append((whole, maximal))
        return result

    for kinds, area_sets in by_kinds.items():
        for whole, parts in partitions(area_sets):
            found.append(((kinds, whole), [(kinds, p) for p in parts]))
    for areas, kind_sets in by_areas.items():
        for whole, parts in partitions(kind_sets):
            found.append(((whole, areas), [(p, areas) for p in parts]))
    return found


# -- the reader's feasible interval -------------------------------------------------------------


def blocks(layout: Layout) -> list[frozenset[str]]:
    """The atom types linked by some family: each block is an independent problem."""
    parent: dict[str, str] = {k: k for kinds in layout.families.values() for k in kinds}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    linked = [*layout.families.values(), *({s, *big} for s, big in layout.at_most)]
    for kinds in linked:
        for kind in kinds:
            parent.setdefault(kind, kind)
        first, *rest = sorted(kinds)
        for other in rest:
            parent[find(other)] = find(first)
    grouped: dict[str, set[str]] = {}
    for k in parent:
        grouped.setdefault(find(k), set()).add(k)
    return [frozenset(g) for g in grouped.values()]


@dataclass(frozen=True)
class Earlier:
    """An earlier publication of the year: the cells it showed (with their values then), the
    cells it withheld, and the atoms it was built from (to know which figures changed)."""

    shown: Mapping[CellKey, float]
    withheld: frozenset[CellKey]
    atoms: Mapping[Atom, float]


#: a yearly mean of monthly stocks (the running case-years) is the sum of twelve whole
#: monthly stocks divided by 12 (:mod:`saas.indicators.engine`): a whole number of twelfths,
#: and a reader who knows that can tell more than the linear relaxation says (a withheld
#: 5/12 that is 75/12 minus twice another mean is an odd number of twelfths, never 0)
MEAN_STEPS = 12


@dataclass
class Problem:
    """The reader's knowledge as linear equations over the atoms of one block and year.

    Unknowns: the current atoms, and for every earlier publication a copy of each atom that
    has changed since (the reader is assumed to know which ones: the worst case); an atom
    that has not changed is the same unknown in every version. ``a_ub``/``b_ub``: the
    layout's inequalities (:attr:`Layout.at_most`) of every version, ``a_ub @ x <= b_ub``.

    ``scale``: the unknowns' unit per unit of the cells' values. 1 for counts; built with
    ``lattice=True``, a block of yearly means has its unknowns in twelfths
    (:data:`MEAN_STEPS`), whole numbers like counts: a cell's value, the lower bounds and
    the threshold are multiplied by ``scale`` (:meth:`scaled`) before they meet the rows.
    """

    kinds: frozenset[str]
    index: dict[tuple[int, Atom], int]
    lower: np.ndarray
    changed: list[set[Atom]]
    #: 1 for an unknown that is a count (a whole number), 0 for a yearly mean
    integrality: np.ndarray | None = None
    _rows: dict[tuple[Canon, int], np.ndarray] = field(default_factory=dict)
    a_ub: np.ndarray | None = None
    b_ub: np.ndarray | None = None
    scale: float = 1.0

    @classmethod
    def of(
        cls,
        layout: Layout,
        atoms: Mapping[Atom, float],
        kinds: frozenset[str],
        earlier: Sequence[Earlier] = (),
        *,
        lattice: bool = False,
    ) -> Problem:
        areas = frozenset().union(*layout.nodes.values()) if layout.nodes else frozenset()
        every = sorted(
            ((kind, area) for kind in kinds for area in areas), key=lambda a: (a[0], str(a[1]))
        )
        index: dict[tuple[int, Atom], int] = {(0, atom): i for i, atom in enumerate(every)}
        # an inconsistent entry (parts above their whole) gives a negative remainder
        lower = [min(0.0, atoms.get(atom, 0.0)) for atom in every]
        changed = []
        for version, publication in enumerate(earlier, start=1):
            moved = {a for a in every if publication.atoms.get(a, 0.0) != atoms.get(a, 0.0)}
            changed.append(moved)
            for atom in sorted(moved, key=lambda a: (a[0], str(a[1]))):
                index[(version, atom)] = len(lower)
                lower.append(min(0.0, publication.atoms.get(atom, 0.0)))
        integrality = np.ones(len(lower))
        # a block of means only (every block of the catalogue is all means or all counts):
        # on the lattice, its unknowns are whole twelfths
        scale = float(MEAN_STEPS) if lattice and kinds and all(map(layout.is_mean, kinds)) else 1.0
        if scale == 1.0:
            for (_version, (kind, _area)), i in index.items():
                if layout.is_mean(kind):
                    integrality[i] = 0
        bounds = np.array(lower) * scale
        if scale != 1.0:  # whole twelfths, not a last bit below them
            bounds = np.where(np.abs(bounds - np.round(bounds)) < 1e-7, np.round(bounds), bounds)
        problem = cls(kinds, index, bounds, changed, integrality, scale=scale)
        problem.a_ub, problem.b_ub = problem._inequalities(layout, atoms, areas, earlier)
        return problem

    def _inequalities(
        self,
        layout: Layout,
        atoms: Mapping[Atom, float],
        areas: frozenset[Hashable],
        earlier: Sequence[Earlier],
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """``small − Σ big ≤ slack`` for every inequality of the layout inside the block, in
        every data area and version; ``slack`` is 0 unless the version's figures break the
        rule (an inconsistent entry: the truth must stay feasible, as with the lower
        bounds)."""
        rows: dict[bytes, tuple[np.ndarray, float]] = {}
        versions = [atoms, *(e.atoms for e in earlier)]
        for small, big in layout.at_most:
            if small not in self.kinds or not set(big) <= self.kinds:
                continue
            for version, figures in enumerate(versions):
                for area in sorted(areas, key=str):
                    row = self.row((frozenset({small}), frozenset({area})), version).copy()
                    row -= self.row((frozenset(big), frozenset({area})), version)
                    excess = figures.get((small, area), 0.0) - sum(
                        figures.get((kind, area), 0.0) for kind in big
                    )
                    slack = max(0.0, excess) * self.scale
                    key = row.tobytes()
                    if key not in rows or rows[key][1] < slack:
                        rows[key] = (row, slack)
        if not rows:
            return None, None
        return np.array([r for r, _ in rows.values()]), np.array([b for _, b in rows.values()])

    def covers(self, canon: Canon) -> bool:
        return canon[0] <= self.kinds

    def scaled(self, value: float) -> float:
        """A cell's value (or a threshold) in the unknowns' unit: twelfths of a case-year
        are whole numbers, exactly (rounding off the division's last bit)."""
        found = value * self.scale
        if self.scale != 1.0 and abs(found - round(found)) < 1e-7:
            return float(round(found))
        return found

    def row(self, canon: Canon, version: int = 0) -> np.ndarray:
        """The cell as a row over the unknowns (``version`` 0: now, n: the n-th earlier)."""
        cached = self._rows.get((canon, version))
        if cached is None:
            cached = self._rows[(canon, version)] = self._row(canon, version)
        return cached

    def _row(self, canon: Canon, version: int) -> np.ndarray:
        row = np.zeros(len(self.lower))
        kinds, areas = canon
        moved = self.changed[version - 1] if version else set()
        for kind in kinds:
            for area in areas:
                atom = (kind, area)
                i = self.index.get((version if atom in moved else 0, atom))
                if i is not None:
                    row[i] = 1.0
        return row


#: one equation a reader knows: a row over the unknowns, its value, and the current cell it
#: comes from (None: an earlier publication's, which can no longer be withheld)
Equation = tuple[np.ndarray, float, Canon | None]


@dataclass
class Interval:
    low: float
    high: float
    #: the current shown cells that bound the minimum / the maximum (non-zero dual values)
    bound_low: list[Canon] = field(default_factory=list)
    bound_high: list[Canon] = field(default_factory=list)
    #: both optima were whole-number vertices: the integer interval is the same
    integral: bool = True
    #: the optimal points found (feasible: every equation, inequality and lower bound holds)
    points: list[np.ndarray] = field(default_factory=list, repr=False)


def interval(
    problem: Problem, equations: Sequence[Equation], objective: np.ndarray, *, integer: bool = False
) -> Interval:
    """The smallest and largest value of ``objective`` (a row) consistent with
    ``equations``, the problem's inequalities (``a_ub``) and non-negative atoms (``inf``
    when unbounded), by linear programming (``integer``: in whole numbers, ``milp``, then
    without duals). Posed to HiGHS by :mod:`saas.protection.solver` as scipy's ``linprog`` /
    ``milp`` pose it, the inequalities (``a_ub``) stacked in their order."""
    return _interval(problem, equations, objective, integer=integer)


def _interval(
    problem: Problem,
    equations: Sequence[Equation],
    objective: np.ndarray,
    *,
    integer: bool = False,
    signs: tuple[float, ...] = (1.0, -1.0),
    feasible: bool = False,
) -> Interval:
    """:func:`interval`, the minimum (sign 1) and/or the maximum (sign -1) only: an end not
    asked for is NaN. ``feasible``: a feasible point is known (as after the minimum)."""
    # the equations with a non-zero row, sparse, built once per equation set (solver.py)
    system = solver.system(equations, len(objective))
    used = [equations[i] for i in system.positions]
    a_ub, b_ub = problem.a_ub, problem.b_ub
    if a_ub is None or b_ub is None or a_ub.shape[1] != len(objective):
        a_ub = b_ub = None
    found = Interval(0.0 if 1.0 in signs else math.nan, 0.0 if -1.0 in signs else math.nan)
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
    if integer and used:
        counts_only = ~system.rows_with(integrality == 0)
        fractional = ~np.isclose(system.rhs, np.round(system.rhs), atol=1e-7)
        if (counts_only & fractional).any():
            integrality[:] = 0
    for sign in signs:
        if sign < 0 and feasible and a_ub is None and _free_upwards(system, objective):
            # feasible (the minimum was found) and an atom of the objective is in no
            # equation: the maximum is unbounded, as HiGHS would say
            found.high, found.bound_high = np.inf, []
            continue
        # with inequalities, the rows stacked as scipy's linprog resp. milp stacks them
        if integer:
            stacked = (
                system
                if a_ub is None or b_ub is None
                else solver.with_inequalities(system, a_ub, b_ub, first=False)
            )
            res = solver.milp(sign * objective, stacked, problem.lower, integrality)
        else:
            stacked = (
                system
                if a_ub is None or b_ub is None
                else solver.with_inequalities(system, a_ub, b_ub, first=True)
            )
            res = solver.linprog(sign * objective, stacked, problem.lower)
        if res.status == 3 or (res.status != 0 and "nbounded" in str(res.message)):
            value = np.inf
        elif res.status != 0:
            raise RuntimeError(f"disclosure LP failed: {res.message}")
        else:
            value = float(sign * res.fun)
            feasible = True
            found.points.append(res.x)
            if not integer and not np.allclose(res.x, np.round(res.x), atol=1e-7):
                found.integral = False
        binding: list[Canon] = []
        if not integer and used and res.status == 0:
            binding = [
                e[2]
                for e, m in zip(used, res.marginals, strict=True)
                if abs(m) > 1e-9 and e[2] is not None
            ]
        if sign > 0:
            found.low, found.bound_low = value, binding
        else:
            found.high, found.bound_high = value, binding
    return found


def _free_upwards(system: solver.System, objective: np.ndarray) -> bool:
    """Some atom with a positive objective coefficient is in no equation."""
    return bool((objective[~system.touched()] > 0).any())


def protected(found: Interval, threshold: float) -> bool:
    """The criterion: the interval contains 0 and reaches the threshold."""
    return found.low <= 1e-6 and found.high >= threshold - 1e-6


# -- feasible points: intervals known without a solve -------------------------------------------


class Points:
    """Points the reader's knowledge allows (feasible for a block's equations, inequalities
    and lower bounds): each is a witness for every cell at once. A cell with a point where it
    is 0 and one where it reaches the threshold is protected — the linear program would say
    so too (its minimum is at most, its maximum at least, that value) — so no solve is
    needed for it; likewise a cell with two points of different value is not determined.

    Withholding a cell drops its equation: every point stays feasible. Showing one again
    (:meth:`keep`) drops the points that do not satisfy it. The optima of the solves are
    added as they come (:attr:`Interval.points`), and the true figures are one point from the
    start. Which cells are withheld does not depend on the points: a witness only replaces a
    solve whose answer it already gives.
    """

    TOLERANCE = 1e-7  # HiGHS's primal feasibility tolerance

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self._rows: list[np.ndarray] = []
        self._seen: set[bytes] = set()
        self._matrix: np.ndarray | None = None
        self._integral: np.ndarray | None = None

    def add(self, point: np.ndarray) -> None:
        point = np.asarray(point, dtype=np.float64)
        if point.shape != (self.columns,) or not np.isfinite(point).all():
            return
        key = point.tobytes()
        if key not in self._seen:
            self._seen.add(key)
            self._rows.append(point)
            self._matrix = None

    def _stacked(self) -> tuple[np.ndarray, np.ndarray]:
        if self._matrix is None:
            self._matrix = np.array(self._rows) if self._rows else np.zeros((0, self.columns))
            self._integral = np.all(np.abs(self._matrix - np.round(self._matrix)) <= 1e-7, axis=1)
        assert self._integral is not None
        return self._matrix, self._integral

    def values(self, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The row's value at every point, and which points are whole numbers throughout."""
        matrix, integral = self._stacked()
        nonzero = np.flatnonzero(row)
        return matrix[:, nonzero] @ row[nonzero], integral

    def extend(self, points: Iterable[np.ndarray]) -> None:
        for point in points:
            self.add(point)

    def ends(
        self, row: np.ndarray, threshold: float, *, integer: bool
    ) -> tuple[bool | None, bool | None]:
        """Whether a point gives the row 0 or less, and whether one gives it the threshold
        or more: None where none does, else whether a whole-number point does
        (``integer``: only those count — the integer program's interval)."""
        values, integral = self.values(row)
        found: list[bool | None] = []
        for reached in (values <= 1e-6, values >= threshold - 1e-6):
            if integer:
                reached = reached & integral
            found.append(bool((reached & integral).any()) if reached.any() else None)
        return found[0], found[1]

    def undetermined(self, row: np.ndarray) -> bool:
        """Two points give the row different values: it is not determined."""
        values, _integral = self.values(row)
        return bool(len(values)) and float(values.max() - values.min()) > 1e-6

    def keep(self, row: np.ndarray, value: float) -> None:
        """A further equation ``row · x = value``: drop the points that break it."""
        if not self._rows:
            return
        values, _integral = self.values(row)
        kept = [
            p for p, v in zip(self._rows, values, strict=True) if abs(v - value) <= self.TOLERANCE
        ]
        if len(kept) != len(self._rows):
            self._rows = kept
            self._seen = {p.tobytes() for p in kept}
            self._matrix = None


def _truth(problem: Problem, atoms: Mapping[Atom, float], earlier: Sequence[Earlier]) -> np.ndarray:
    """The figures themselves as a point of the problem (each version's atoms)."""
    point = np.zeros(len(problem.lower))
    versions = [atoms, *(e.atoms for e in earlier)]
    for (version, atom), i in problem.index.items():
        point[i] = problem.scaled(versions[version].get(atom, 0.0))
    return point


# -- protection ---------------------------------------------------------------------------------


def protect_year(
    layout: Layout,
    atoms: Mapping[Atom, float],
    threshold: int,
    *,
    earlier: Sequence[Earlier] = (),
    check: bool = True,
) -> YearCube:
    """Primary and secondary suppression of every cell of one year (see the module).

    ``earlier``: the year's earlier publications (snapshots). Their withheld cells are
    withheld again; their shown cells are equations the reader has, on the figures as they
    were then — the intervals are computed over both versions together.
    """
    values, canon_values = cell_values(layout, atoms)

    def canons(keys: Iterable[CellKey]) -> set[Canon]:
        return {layout.canon(k) for k in keys if k[0] in layout.families and k[1] in layout.nodes}

    # shown before with the value it still has: a reader has it, withholding it is no help
    known = canons(
        k
        for e in earlier
        for k, v in e.shown.items()
        if values.get(k) is not None and values[k] == v
    )
    small = {c for c, v in canon_values.items() if v is not None and 0 < v < threshold}
    derivable = hidden_small(layout, atoms, threshold)
    forced = canons(k for e in earlier for k in e.withheld) - known
    primary = (small | forced) - known
    withheld = set(primary)

    def eligible(canon: Canon) -> bool:
        return canon not in withheld and canon not in known

    def cost(canon: Canon) -> tuple[Any, ...]:
        value = canon_values[canon] or 0.0
        return (value == 0, len(canon[1]) * len(canon[0]), value)

    relations = _relations(canon_values)
    changed = True
    while changed:
        changed = False
        for whole, parts in relations:
            hidden = [m for m in (whole, *parts) if m in withheld]
            if len(hidden) != 1:
                continue
            candidates = [p for p in parts if eligible(p)] or ([whole] if eligible(whole) else [])
            if candidates:
                withheld.add(min(candidates, key=cost))
                changed = True
    if check:
        sensitive = (small - known) | derivable
        points = _repair(
            layout, atoms, canon_values, sensitive, withheld, known, threshold, earlier
        )
        # a cell a snapshot withheld stays withheld (rule 4), even where it became derivable
        _release(layout, atoms, canon_values, small | forced, withheld, earlier, points)
    return YearCube(layout, values, primary & withheld, withheld - primary, threshold, derivable)


def _repair(
    layout: Layout,
    atoms: Mapping[Atom, float],
    canon_values: Mapping[Canon, float | None],
    sensitive: set[Canon],
    withheld: set[Canon],
    known: set[Canon],
    threshold: int,
    earlier: Sequence[Earlier],
) -> dict[frozenset[str], Points]:
    """Withhold further cells until every sensitive cell's interval — now and in every
    earlier publication — contains 0 and reaches the threshold: linear programming first,
    then confirmed in whole numbers where the optimum was fractional. Returns each block's
    feasible points (:class:`Points`), feasible for the equations of the cells left shown."""
    pools: dict[frozenset[str], Points] = {}
    for kinds in blocks(layout):
        problem = Problem.of(layout, atoms, kinds, earlier, lattice=True)
        points = pools[kinds] = Points(len(problem.lower))
        points.add(_truth(problem, atoms, earlier))
        before: list[Equation] = []
        targets: list[tuple[Canon, int]] = [
            (c, 0) for c in sorted(sensitive, key=_order) if problem.covers(c)
        ]
        for version, publication in enumerate(earlier, start=1):
            for key, value in publication.shown.items():
                if key[0] in layout.families and key[1] in layout.nodes:
                    canon = layout.canon(key)
                    if problem.covers(canon):
                        before.append((problem.row(canon, version), problem.scaled(value), None))
            old_values, _ = cell_values(layout, publication.atoms)
            for key in publication.withheld:
                if key[0] in layout.families and key[1] in layout.nodes:
                    old = old_values.get(key)
                    canon = layout.canon(key)
                    if old is not None and 0 < old < threshold and problem.covers(canon):
                        targets.append((canon, version))
            for canon in sorted(hidden_small(layout, publication.atoms, threshold), key=_order):
                if problem.covers(canon):
                    targets.append((canon, version))
        # the block's cells with their rows and values, in the order of ``canon_values``
        covered = [
            (c, problem.row(c), problem.scaled(v or 0.0))
            for c, v in canon_values.items()
            if problem.covers(c)
        ]
        fractional: set[tuple[Canon, int]] = set()
        for integer in (False, True):
            for target, version in targets if not integer else sorted(fractional, key=str):
                objective = problem.row(target, version)
                for _attempt in range(500):
                    # known points may already show an end of the interval (no solve)
                    low, high = points.ends(objective, problem.scaled(threshold), integer=integer)
                    if low is not None and high is not None:
                        if not (low and high) and not integer:
                            fractional.add((target, version))
                        break
                    equations = before + [
                        (row, value, c) for c, row, value in covered if c not in withheld
                    ]
                    if integer:
                        found = interval(problem, equations, objective, integer=True)
                        points.extend(found.points)
                        if protected(found, problem.scaled(threshold)):
                            break
                        found = interval(problem, equations, objective)  # which cells bind
                        points.extend(found.points)
                        binding = found.bound_high if found.low <= 1e-6 else found.bound_low
                    else:
                        # the minimum, then the maximum, each only where no point shows it:
                        # the cells that bind as :func:`interval` would name them
                        binding, low, high = _ends(
                            problem, equations, objective, threshold, points, low, high
                        )
                        if low is not None and high is not None:
                            if not (low and high):
                                fractional.add((target, version))
                            break
                    pool = [c for c in binding if c not in known] or [
                        e[2]
                        for e in equations
                        if e[2] is not None and e[2] not in known and e[0] @ objective
                    ]
                    if not pool:
                        break  # nothing left to withhold around it
                    withheld.add(
                        min(pool, key=lambda c: (len(c[1]) * len(c[0]), canon_values[c] or 0.0))
                    )
    return pools


def _ends(
    problem: Problem,
    equations: Sequence[Equation],
    objective: np.ndarray,
    threshold: int,
    points: Points,
    low: bool | None,
    high: bool | None,
) -> tuple[list[Canon], bool | None, bool | None]:
    """The ends of the interval the points do not show, by linear programming: (the cells
    binding the end that fails, as ``interval`` gives them; whether the minimum reaches 0 at
    a whole-number point — None if it does not reach 0 —, the same for the maximum and the
    threshold). The maximum is not solved when the minimum already fails: the cells that
    bind the minimum are the ones :func:`interval`'s caller withholds then."""
    if low is None:
        found = _interval(problem, equations, objective, signs=(1.0,))
        points.extend(found.points)
        if found.low > 1e-6:
            return found.bound_low, None, high
        low = found.integral
    if high is None:
        found = _interval(problem, equations, objective, signs=(-1.0,), feasible=True)
        points.extend(found.points)
        if found.high < problem.scaled(threshold) - 1e-6:
            return found.bound_high, low, None
        high = found.integral
    return [], low, high


def _release(
    layout: Layout,
    atoms: Mapping[Atom, float],
    canon_values: Mapping[Canon, float | None],
    small: set[Canon],
    withheld: set[Canon],
    earlier: Sequence[Earlier],
    pools: Mapping[frozenset[str], Points] | None = None,
) -> None:
    """Show again every withheld cell that is not a small count (nor one a snapshot
    withheld: ``small`` holds both) and whose value the shown cells determine anyway: a "–"
    a reader can work out protects nothing and only misleads. ``pools``: each block's
    feasible points from :func:`_repair` (a cell two of them give different values is not
    determined: no solve)."""
    for kinds in blocks(layout):
        problem = Problem.of(layout, atoms, kinds, earlier, lattice=True)
        points = (pools or {}).get(kinds) or Points(len(problem.lower))
        points.add(_truth(problem, atoms, earlier))
        before: list[Equation] = [
            (problem.row(layout.canon(key), version), problem.scaled(value), None)
            for version, publication in enumerate(earlier, start=1)
            for key, value in publication.shown.items()
            if key[0] in layout.families
            and key[1] in layout.nodes
            and problem.covers(layout.canon(key))
        ]
        equations = before + [
            (problem.row(c), problem.scaled(v or 0.0), c)
            for c, v in canon_values.items()
            if c not in withheld and problem.covers(c)
        ]
        span: _RowSpace | None = None
        for canon in sorted(withheld - small, key=_order):
            if not problem.covers(canon):
                continue
            row = problem.row(canon)
            if points.undetermined(row):
                continue  # two feasible points differ in it: the solve would say so
            value = problem.scaled(canon_values[canon] or 0.0)
            if span is None:
                span = _RowSpace([e[0] for e in equations], len(problem.lower))
            if span.contains(row):
                # a sum of shown equations: its value is determined, as the solve would say
                withheld.discard(canon)
                equations.append((row, value, canon))
                points.keep(row, value)
                continue
            found = interval(problem, equations, row)
            points.extend(found.points)
            if found.high - found.low < 1e-6:
                withheld.discard(canon)
                equations.append((row, value, canon))
                points.keep(row, value)
                span.add(row)  # determined by the bounds: the equations span more now


class _RowSpace:
    """The span of the equations' rows: a cell whose row lies in it is a linear combination
    of shown cells, so every reader has its value (its feasible interval is one point).

    An orthonormal basis from a QR decomposition with column pivoting (rank-revealing); a
    direction counts only with a pivot well above rounding, so a row is never taken for
    determined on rounding noise — at worst one that is goes to the solver as before."""

    def __init__(self, rows: Sequence[np.ndarray], columns: int) -> None:
        matrix = np.array(rows, dtype=np.float64).reshape(len(rows), columns)
        self.basis = np.zeros((columns, 0))
        if len(rows) and matrix.any():
            from scipy.linalg import qr  # type: ignore[import-untyped]

            matrix = np.unique(matrix, axis=0)  # a snapshot repeats the cells still shown
            if len(matrix) > columns:  # the same rows' span, from a square triangle
                matrix = qr(matrix, mode="r")[0][:columns]
            q, r, _pivots = qr(matrix.T, mode="economic", pivoting=True)
            pivots = np.abs(np.diag(r))
            self.basis = q[:, : int((pivots > 1e-8 * pivots[0]).sum())]

    def _residual(self, row: np.ndarray) -> np.ndarray:
        residual = np.asarray(row, dtype=np.float64)
        for _ in range(2):  # twice: orthogonal to working precision
            residual = residual - self.basis @ (self.basis.T @ residual)
        return residual

    def contains(self, row: np.ndarray) -> bool:
        return float(np.abs(self._residual(row)).max()) <= 1e-9

    def add(self, row: np.ndarray) -> None:
        """One more equation's row (Gram–Schmidt)."""
        residual = self._residual(row)
        norm = float(np.linalg.norm(residual))
        if norm > 1e-8 * max(1.0, float(np.linalg.norm(row))):
            self.basis = np.column_stack((self.basis, residual / norm))


def _order(canon: Canon) -> tuple[Any, ...]:
    return (len(canon[1]), sorted(canon[0]), sorted(map(str, canon[1])))
