"""Statistical disclosure control for comparison tables (SPEC §5, domain facts §7).

Pure Python, independent of Flask and the database.

Small counts (``0 < n < threshold``, default threshold 3) about another tenant or a small
area must never be shown, and no suppressed value may be recoverable from what *is* shown.

The model
---------
A two-dimensional table of non-negative counts with its margins is treated as an
*extended table*: the cells, one extra column of row totals, one extra row of column totals
and the grand total in the corner. Every row and every column of the extended table is one
linear equation ("the cells of this line add up to its total"). Unknown entries (suppressed
ones, and margins the caller chose not to publish) are the edges of a bipartite graph between
row-lines and column-lines; the null space of the equations is that graph's cycle space.

Two attacks are checked:

* :func:`recoverable` -- the subtraction attack: repeatedly take any line with exactly one
  unknown entry, derive it from the others, mark it known and go on (derived values
  propagate). This is the attack a reader with a spreadsheet would run.
* an exact check (used internally): a suppressed entry can take a second non-negative integer
  value consistent with everything published iff it lies on a cycle of unknown entries along
  which the alternating ``+1/-1`` move keeps every entry non-negative. (The equations are
  totally unimodular, so if any alternative solution exists such a cycle exists.) This also
  catches the cases the subtraction attack misses (a "bridge" between two suppression cycles,
  or protection that relies on a suppressed zero going below zero).

Missing values (``None``) are shown as missing, not as suppressed; totals are the sums of the
non-missing values, so a missing cell is public knowledge and contributes nothing.

Margins in ``primary``/``secondary`` are represented by :class:`RowTotal`,
:class:`ColumnTotal` and :data:`GRAND_TOTAL`; cells by their ``(row, column)`` key.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

__all__ = [
    "DEFAULT_THRESHOLD",
    "GRAND_TOTAL",
    "Cell",
    "ColumnTotal",
    "GrandTotal",
    "Protected",
    "ProtectedSeries",
    "RowTotal",
    "is_small",
    "protect_series",
    "protect_table",
    "recoverable",
    "suppress_rate",
    "tenant_threshold",
]

DEFAULT_THRESHOLD = 3


def tenant_threshold(settings: Mapping[str, Any] | None) -> int:
    """A tenant's disclosure threshold: its setting ``disclosure_threshold``, never below
    :data:`DEFAULT_THRESHOLD`. The one threshold every output of the tenant uses (reports at
    every level, snapshots, the comparison, the impact pages)."""
    try:
        own = int((settings or {}).get("disclosure_threshold") or 0)
    except (TypeError, ValueError):
        own = 0
    return max(DEFAULT_THRESHOLD, own)


@dataclass(frozen=True)
class Cell:
    """One cell of a table: its key and its (published) count, ``None`` when not shown."""

    key: tuple[Hashable, Hashable]
    value: float | None


@dataclass(frozen=True)
class RowTotal:
    """Key of a row's total in ``Protected.primary`` / ``.secondary`` / ``recoverable()``."""

    row: Any


@dataclass(frozen=True)
class ColumnTotal:
    """Key of a column's total in ``Protected.primary`` / ``.secondary`` / ``recoverable()``."""

    column: Any


@dataclass(frozen=True)
class GrandTotal:
    """Key of the grand total (and of a series' total)."""


GRAND_TOTAL = GrandTotal()


def is_small(value: float | None, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """True for a disclosive count: ``0 < value < threshold``.

    A 0 is not disclosive and ``None`` is missing, so neither is small.
    """
    if value is None:
        return False
    return 0 < value < threshold


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Protected:
    """A protected two-dimensional table.

    ``cells``/``row_totals``/``column_totals``/``grand_total`` hold the publishable values,
    ``None`` where suppressed or missing. ``row_totals``/``column_totals`` are empty and
    ``grand_total`` is ``None`` when the caller did not ask for those margins (the grand total
    is published when row or column totals are). ``primary`` holds the keys suppressed because
    they are small, ``secondary`` those suppressed to protect them; both may contain margin
    keys (:class:`RowTotal`, :class:`ColumnTotal`, :data:`GRAND_TOTAL`). ``missing`` holds the
    keys whose value is ``None`` because the input had no value.
    """

    cells: dict[tuple[Hashable, Hashable], float | None]
    row_totals: dict[Any, float | None]
    column_totals: dict[Any, float | None]
    grand_total: float | None
    primary: frozenset[Hashable]
    secondary: frozenset[Hashable]
    threshold: float = DEFAULT_THRESHOLD
    with_row_totals: bool = True
    with_column_totals: bool = True
    missing: frozenset[Hashable] = frozenset()
    rows: tuple[Hashable, ...] = ()
    columns: tuple[Hashable, ...] = ()

    @property
    def suppressed(self) -> frozenset[Any]:
        """All suppressed keys (cells and margins)."""
        return self.primary | self.secondary

    def status(self, key: Hashable) -> str:
        """``"primary"``, ``"secondary"``, ``"missing"``, ``"unpublished"`` or ``"published"``."""
        if key in self.primary:
            return "primary"
        if key in self.secondary:
            return "secondary"
        if key in self.missing:
            return "missing"
        if (isinstance(key, RowTotal) and not self.with_row_totals) or (
            isinstance(key, ColumnTotal) and not self.with_column_totals
        ):
            return "unpublished"
        if key == GRAND_TOTAL and not (self.with_row_totals or self.with_column_totals):
            return "unpublished"
        return "published"

    def as_cells(self) -> list[Cell]:
        """The cells in row/column order with their published value (``None`` if not shown)."""
        order = {row: i for i, row in enumerate(self.rows)}
        col_order = {col: j for j, col in enumerate(self.columns)}
        keys = sorted(self.cells, key=lambda k: (order[k[0]], col_order[k[1]]))
        return [Cell(key, self.cells[key]) for key in keys]


@dataclass(frozen=True)
class ProtectedSeries:
    """A protected one-dimensional list of counts (see :func:`protect_series`).

    The total's key in ``primary``/``secondary`` is :data:`GRAND_TOTAL`. ``total`` is ``None``
    when suppressed, missing or not given (``with_total`` tells whether one was given).
    """

    values: dict[Hashable, float | None]
    total: float | None
    primary: frozenset[Hashable]
    secondary: frozenset[Hashable]
    threshold: float = DEFAULT_THRESHOLD
    with_total: bool = True
    missing: frozenset[Hashable] = frozenset()

    @property
    def suppressed(self) -> frozenset[Any]:
        return self.primary | self.secondary


# --------------------------------------------------------------------------------------------
# Validation helpers


def _check_threshold(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise TypeError(f"threshold must be a number, got {threshold!r}")
    if not threshold >= 0:
        raise ValueError(f"threshold must be >= 0, got {threshold!r}")


def _check_count(key: Hashable, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"count for {key!r} must be a number or None, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"count for {key!r} must be finite and non-negative, got {value!r}")


def _canonical(items: Iterable[Hashable]) -> list[Hashable]:
    """Unique items in a deterministic order that does not depend on the input order."""
    unique = list(dict.fromkeys(items))
    try:
        return sorted(cast(list[Any], unique))
    except TypeError:
        return sorted(unique, key=lambda item: (type(item).__name__, repr(item)))


def _sum(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


# --------------------------------------------------------------------------------------------
# The extended table as a bipartite graph


@dataclass
class _Entry:
    key: Hashable
    row_node: int
    col_node: int
    value: float | None  # None: missing (public knowledge: contributes nothing)
    rank: int  # 0 cell, 1 row/column total, 2 grand total
    requested: bool  # False for margins the caller does not publish at all
    index: int  # canonical order, for deterministic tie-breaking


@dataclass
class _Structure:
    entries: dict[Hashable, _Entry]
    incident: list[list[Hashable]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        rows: list[Hashable],
        columns: list[Hashable],
        cell_values: Mapping[tuple[Any, Any], float | None],
        row_totals: Mapping[Any, float | None],
        column_totals: Mapping[Any, float | None],
        grand_total: float | None,
        with_row_totals: bool,
        with_column_totals: bool,
    ) -> _Structure:
        row_node = {row: i for i, row in enumerate(rows)}
        total_row = len(rows)
        col_node = {col: total_row + 1 + j for j, col in enumerate(columns)}
        total_col = total_row + 1 + len(columns)
        entries: list[_Entry] = []

        def add(key: Hashable, r: int, c: int, value: float | None, rank: int, req: bool) -> None:
            entries.append(_Entry(key, r, c, value, rank, req, len(entries)))

        for row in rows:
            for col in columns:
                key = (row, col)
                if key in cell_values:
                    add(key, row_node[row], col_node[col], cell_values[key], 0, True)
        for row in rows:
            add(RowTotal(row), row_node[row], total_col, row_totals.get(row), 1, with_row_totals)
        for col in columns:
            value = column_totals.get(col)
            add(ColumnTotal(col), total_row, col_node[col], value, 1, with_column_totals)
        add(
            GRAND_TOTAL,
            total_row,
            total_col,
            grand_total,
            2,
            with_row_totals or with_column_totals,
        )
        structure = cls({e.key: e for e in entries})
        structure.incident = [[] for _ in range(total_col + 1)]
        for entry in entries:
            structure.incident[entry.row_node].append(entry.key)
            structure.incident[entry.col_node].append(entry.key)
        return structure

    # -- the subtraction attack ---------------------------------------------------------------

    def subtraction_attack(self, unknown: set[Hashable]) -> set[Hashable]:
        """Keys derivable by repeatedly solving lines that have exactly one unknown entry."""
        unknown = set(unknown)
        derived: set[Hashable] = set()
        changed = True
        while changed:
            changed = False
            for line in self.incident:
                open_entries = [key for key in line if key in unknown]
                if len(open_entries) == 1:
                    (key,) = open_entries
                    unknown.discard(key)
                    derived.add(key)
                    changed = True
        return derived

    # -- the exact check ----------------------------------------------------------------------

    def _can_move(self, entry: _Entry, forward: bool) -> bool:
        """Can ``entry`` take part in a +-1 cycle move traversed row-line -> column-line
        (``forward``) or column-line -> row-line, without becoming negative?

        With signs chosen so that every line of the extended table sums to zero, a single
        margin (row/column total) enters with a minus sign; cells and the grand total with a
        plus sign. Traversing forward adds 1 to the signed entry.
        """
        decreases = forward if entry.rank == 1 else not forward
        return not decreases or (entry.value or 0) > 0

    def is_free(self, key: Hashable, unknown: set[Hashable]) -> bool:
        """True if the unknown entry ``key`` has a second non-negative value consistent with
        all known entries (it lies on a feasible cycle of unknown entries)."""
        entry = self.entries[key]
        u, v = entry.row_node, entry.col_node
        if self._can_move(entry, True) and self._reaches(v, u, key, unknown):
            return True
        return self._can_move(entry, False) and self._reaches(u, v, key, unknown)

    def _reaches(self, start: int, goal: int, skip: Hashable, unknown: set[Hashable]) -> bool:
        seen = {start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for key in self.incident[node]:
                if key == skip or key not in unknown:
                    continue
                entry = self.entries[key]
                forward = node == entry.row_node
                other = entry.col_node if forward else entry.row_node
                if other in seen or not self._can_move(entry, forward):
                    continue
                if other == goal:
                    return True
                seen.add(other)
                queue.append(other)
        return False

    def degree(self, node: int, unknown: set[Hashable]) -> int:
        return sum(1 for key in self.incident[node] if key in unknown)

    def is_leaf(self, key: Hashable, unknown: set[Hashable]) -> bool:
        """Is ``key`` the only unknown entry of its row-line or of its column-line?"""
        entry = self.entries[key]
        return 1 in (self.degree(entry.row_node, unknown), self.degree(entry.col_node, unknown))


# --------------------------------------------------------------------------------------------
# Tables


def protect_table(
    cells: Mapping[tuple[Any, Any], float | None],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    row_totals: bool = True,
    column_totals: bool = True,
) -> Protected:
    """Protect a two-dimensional table of counts keyed by ``(row, column)``.

    1. Primary suppression: every cell (and every published total) with
       ``0 < value < threshold``.
    2. Margins are the true sums of the non-missing cells and are published unless small.
    3. Secondary suppression until neither the subtraction attack (:func:`recoverable`) nor
       the exact check finds a suppressed value that is determined by what is published: for
       an exposed entry, suppress another entry of the line in which it is the only unknown,
       preferring cells over totals, non-zero over zero, entries that close a protecting cycle,
       entries that do not open a new singleton line, and then the smallest value.

    A ``(row, column)`` combination absent from ``cells`` is treated like a missing cell.
    """
    _check_threshold(threshold)
    for key, value in cells.items():
        if not isinstance(key, tuple) or len(key) != 2:
            raise ValueError(f"cell keys must be (row, column) tuples, got {key!r}")
        _check_count(key, value)

    rows = _canonical(key[0] for key in cells)
    columns = _canonical(key[1] for key in cells)
    true_rows = {r: _sum(v for (kr, _), v in cells.items() if kr == r) for r in rows}
    true_cols = {c: _sum(v for (_, kc), v in cells.items() if kc == c) for c in columns}
    true_grand = _sum(cells.values())
    structure = _Structure.build(
        rows, columns, cells, true_rows, true_cols, true_grand, row_totals, column_totals
    )
    entries = structure.entries

    missing = {key for key, e in entries.items() if e.value is None}
    primary = {key for key, e in entries.items() if e.requested and is_small(e.value, threshold)}
    unpublished = {key for key, e in entries.items() if not e.requested} - missing
    unknown = primary | unpublished
    secondary: set[Hashable] = set()

    while True:
        protected_keys = primary | secondary
        simple = structure.subtraction_attack(unknown) & protected_keys
        exposed = simple | {key for key in protected_keys if not structure.is_free(key, unknown)}
        if not exposed:
            break
        target = min(
            exposed,
            key=lambda k: (k not in simple, not structure.is_leaf(k, unknown), entries[k].index),
        )
        choice = _choose_secondary(structure, target, unknown, missing)
        secondary.add(choice)
        unknown.add(choice)

    def shown(key: Hashable) -> float | None:
        return None if key in unknown else entries[key].value

    result = Protected(
        cells={key: shown(key) for key in cells},
        row_totals={r: shown(RowTotal(r)) for r in rows} if row_totals else {},
        column_totals={c: shown(ColumnTotal(c)) for c in columns} if column_totals else {},
        grand_total=shown(GRAND_TOTAL) if (row_totals or column_totals) else None,
        primary=frozenset(primary),
        secondary=frozenset(secondary),
        threshold=threshold,
        with_row_totals=row_totals,
        with_column_totals=column_totals,
        missing=frozenset(missing),
        rows=tuple(rows),
        columns=tuple(columns),
    )
    leaked = recoverable(result)
    if leaked:  # pragma: no cover - the loop above guarantees this cannot happen
        raise RuntimeError(f"disclosure control failed, recoverable: {leaked!r}")
    return result


def _choose_secondary(
    structure: _Structure, target: Hashable, unknown: set[Hashable], missing: set[Hashable]
) -> Hashable:
    """The next entry to suppress so that the exposed ``target`` gets (closer to) protection."""
    entries = structure.entries
    entry = entries[target]
    ends = (entry.row_node, entry.col_node)

    def candidates(nodes: Iterable[int]) -> list[Hashable]:
        found = dict.fromkeys(
            key
            for node in nodes
            for key in structure.incident[node]
            if key not in unknown and key not in missing
        )
        return list(found)

    def new_singletons(key: Hashable) -> int:
        candidate = entries[key]
        ends = {candidate.row_node, candidate.col_node}
        return sum(1 for node in ends if structure.degree(node, unknown) == 0)

    def closes(key: Hashable) -> bool:
        return structure.is_free(target, unknown | {key})

    def preference(key: Hashable) -> tuple[Any, ...]:
        candidate = entries[key]
        return (
            candidate.rank,  # cells before totals before the grand total
            candidate.value == 0,  # a suppressed 0 protects in one direction only
            not closes(key),
            new_singletons(key),  # avoid creating another line with a single unknown
            candidate.value,
            candidate.index,
        )

    # The lines in which the target is the only unknown need a second unknown.
    lines = [node for node in ends if structure.degree(node, unknown) == 1]
    pool = candidates(lines)
    if pool:
        return min(pool, key=preference)
    # The target is determined through a longer chain (e.g. a bridge between two suppression
    # cycles, or a cycle blocked by suppressed zeros): take the best entry that frees it.
    everything = candidates(range(len(structure.incident)))
    closing = [key for key in everything if closes(key)]
    if closing:
        return min(closing, key=preference)
    pool = candidates(ends) or everything
    if not pool:  # pragma: no cover - a table with everything suppressed is always safe
        raise RuntimeError(f"no entry left to protect {target!r}")
    return min(pool, key=preference)


def _structure_of(protected: Protected) -> tuple[_Structure, set[Hashable]]:
    """The public structure of a protected table and its unknown entries."""
    rows, columns = list(protected.rows), list(protected.columns)
    if not rows and protected.cells:
        rows = _canonical(key[0] for key in protected.cells)
        columns = _canonical(key[1] for key in protected.cells)
    structure = _Structure.build(
        rows,
        columns,
        protected.cells,
        protected.row_totals,
        protected.column_totals,
        protected.grand_total,
        protected.with_row_totals,
        protected.with_column_totals,
    )
    suppressed = protected.suppressed
    unknown = {
        key
        for key, entry in structure.entries.items()
        if key in suppressed or (not entry.requested and key not in protected.missing)
    }
    return structure, unknown


def recoverable(protected: Protected | ProtectedSeries) -> set[Hashable]:
    """Suppressed keys a reader can recover by subtraction from what is published.

    Repeatedly finds a line (row, column, the row of column totals or the column of row
    totals) with exactly one unknown entry among its cells and its total, derives that entry,
    marks it known and continues, so derived values propagate. Uses only public information
    (published values, which entries are suppressed, missing or not published). Returns the
    suppressed keys (cells and margin keys) that become known; empty means safe against this
    attack.
    """
    if isinstance(protected, ProtectedSeries):
        # One line: the values plus the total (which may include units not listed).
        suppressed = set(protected.suppressed)
        if protected.with_total and protected.values and len(suppressed) == 1:
            return suppressed
        return set()
    structure, unknown = _structure_of(protected)
    return structure.subtraction_attack(unknown) & set(protected.suppressed)


# --------------------------------------------------------------------------------------------
# Series and rates


def protect_series(
    values: dict[Hashable, float | None],
    total: float | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> ProtectedSeries:
    """Protect a one-dimensional list of counts (e.g. the tenants of a ring for one indicator
    and year) with an optional published ``total`` (``None``: no total is shown).

    Small values are suppressed (primary), a small total too. If exactly one entry (a value or
    the total) is suppressed while a total is given, the smallest published value is suppressed
    as well (non-zero preferred), or the total when there is no other value. The total may
    exceed the sum of the values (units not listed) but not fall below it.
    """
    _check_threshold(threshold)
    for key, value in values.items():
        _check_count(key, value)
    _check_count(GRAND_TOTAL, total)
    listed = _sum(values.values()) or 0
    if total is not None and total < listed - 1e-9 * max(1.0, listed):
        raise ValueError(f"total {total!r} is smaller than the sum of the values {listed!r}")
    order = {key: i for i, key in enumerate(_canonical(values))}
    with_total = total is not None
    missing = {key for key, value in values.items() if value is None}
    primary = {key for key, value in values.items() if is_small(value, threshold)}
    if is_small(total, threshold):
        primary.add(GRAND_TOTAL)
    secondary: set[Hashable] = set()
    if with_total and len(primary) == 1:
        # The only unknown of the line could be recovered by subtraction: hide a second entry.
        pool = [key for key in values if key not in primary and key not in missing]
        if pool:
            secondary.add(min(pool, key=lambda k: (values[k] == 0, values[k], order[k])))
        elif GRAND_TOTAL not in primary and values:
            secondary.add(GRAND_TOTAL)
    suppressed = primary | secondary
    return ProtectedSeries(
        values={key: None if key in suppressed else value for key, value in values.items()},
        total=None if GRAND_TOTAL in suppressed else total,
        primary=frozenset(primary),
        secondary=frozenset(secondary),
        threshold=threshold,
        with_total=with_total,
        missing=frozenset(missing),
    )


def suppress_rate(
    numerator: float | None,
    denominator: float | None,
    value: float | None,
    threshold: float = DEFAULT_THRESHOLD,
) -> float | None:
    """The rate ``value`` unless it would disclose a small count.

    Returns ``None`` when the numerator count is small (``0 < numerator < threshold``), when
    the numerator is unknown (it cannot be checked), when the denominator is 0 (undefined) or
    when ``value`` is missing; otherwise ``value`` unchanged. A rate of 0 is not disclosive.
    """
    _check_threshold(threshold)
    if value is None or numerator is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if is_small(numerator, threshold):
        return None
    if denominator is not None and denominator == 0:
        return None
    return value
