"""Property-based tests for statistical disclosure control (SPEC §5, domain facts §7)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas.core.disclosure import (
    DEFAULT_THRESHOLD,
    GRAND_TOTAL,
    Cell,
    ColumnTotal,
    Protected,
    RowTotal,
    is_small,
    protect_series,
    protect_table,
    recoverable,
    suppress_rate,
)

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Many small values, so that primary and secondary suppression are exercised a lot.
COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 40))
THRESHOLDS = st.integers(2, 5)


@st.composite
def tables(draw, max_rows=8, max_columns=8, values=COUNTS):
    n_rows = draw(st.integers(2, max_rows))
    n_columns = draw(st.integers(2, max_columns))
    return {
        (f"area-{i}", f"type-{j}"): draw(values) for i in range(n_rows) for j in range(n_columns)
    }


MARGINS = st.sampled_from([(True, True), (True, True), (True, False), (False, True)])


# --------------------------------------------------------------------------------------------
# Independent helpers (they do not use the module's internals)


def true_margins(cells):
    rows = {r for r, _ in cells}
    columns = {c for _, c in cells}

    def total(values):
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    row_totals = {r: total(v for (kr, _), v in cells.items() if kr == r) for r in rows}
    column_totals = {c: total(v for (_, kc), v in cells.items() if kc == c) for c in columns}
    return row_totals, column_totals, total(cells.values())


def published_entries(result: Protected):
    """Every published (shown, not suppressed, not missing) entry: key -> value."""
    shown = {}
    for key, value in result.cells.items():
        shown[key] = value
    for row, value in result.row_totals.items():
        shown[RowTotal(row)] = value
    for column, value in result.column_totals.items():
        shown[ColumnTotal(column)] = value
    if result.with_row_totals or result.with_column_totals:
        shown[GRAND_TOTAL] = result.grand_total
    return {key: value for key, value in shown.items() if value is not None}


class SearchBudgetExceeded(Exception):
    pass


def has_alternative(result: Protected, cells, window: int = 2, budget: int = 100_000):
    """Brute force: for each suppressed entry, is there a second non-negative integer value
    consistent with everything published? Enumerates integer assignments of all unknown
    entries (suppressed cells and margins, and margins that are not published) within
    ``truth ± window`` subject to every row, column and total equation.

    Returns {suppressed key: bool}.
    """
    rows = sorted({r for r, _ in cells})
    columns = sorted({c for _, c in cells})
    row_totals, column_totals, grand = true_margins(cells)
    truth = dict(cells)
    truth.update({RowTotal(r): row_totals[r] for r in rows})
    truth.update({ColumnTotal(c): column_totals[c] for c in columns})
    truth[GRAND_TOTAL] = grand
    shown = published_entries(result)
    variables = [key for key in truth if key not in shown]

    # Equations: sum(coefficient * entry) == 0.
    equations = []
    for r in rows:
        equations.append([((r, c), 1) for c in columns] + [(RowTotal(r), -1)])
    for c in columns:
        equations.append([((r, c), 1) for r in rows] + [(ColumnTotal(c), -1)])
    equations.append([(RowTotal(r), 1) for r in rows] + [(GRAND_TOTAL, -1)])
    equations.append([(ColumnTotal(c), 1) for c in columns] + [(GRAND_TOTAL, -1)])
    prepared = []
    for terms in equations:
        constant = sum(coef * shown[key] for key, coef in terms if key in shown)
        free_terms = [(key, coef) for key, coef in terms if key not in shown]
        assert free_terms or constant == 0, "published values are inconsistent"
        if free_terms:
            prepared.append((free_terms, constant))
    domains = {key: (max(0, truth[key] - window), truth[key] + window) for key in variables}
    # Sanity: the true values satisfy every equation.
    for terms, constant in prepared:
        assert constant + sum(coef * truth[key] for key, coef in terms) == 0

    remaining = [budget]

    def propagate(assignment):
        assignment = dict(assignment)
        changed = True
        while changed:
            changed = False
            for terms, constant in prepared:
                total = constant
                open_terms = []
                for key, coef in terms:
                    if key in assignment:
                        total += coef * assignment[key]
                    else:
                        open_terms.append((key, coef))
                if not open_terms:
                    if total != 0:
                        return None
                elif len(open_terms) == 1:
                    key, coef = open_terms[0]
                    value = -total * coef
                    low, high = domains[key]
                    if not low <= value <= high:
                        return None
                    assignment[key] = value
                    changed = True
                else:
                    low = total + sum(
                        coef * domains[key][0 if coef > 0 else 1] for key, coef in open_terms
                    )
                    high = total + sum(
                        coef * domains[key][1 if coef > 0 else 0] for key, coef in open_terms
                    )
                    if not low <= 0 <= high:
                        return None
        return assignment

    def search(assignment) -> bool:
        remaining[0] -= 1
        if remaining[0] < 0:
            raise SearchBudgetExceeded
        assignment = propagate(assignment)
        if assignment is None:
            return False
        open_variables = [key for key in variables if key not in assignment]
        if not open_variables:
            return True
        key = open_variables[0]
        low, high = domains[key]
        for value in sorted(range(low, high + 1), key=lambda v: (abs(v - truth[key]), v)):
            if search({**assignment, key: value}):
                return True
        return False

    assert search({}), "the true values must be a feasible assignment"
    answer = {}
    for key in result.suppressed:
        low, high = domains[key]
        others = sorted(
            (v for v in range(low, high + 1) if v != truth[key]),
            key=lambda v: (abs(v - truth[key]), v),
        )
        answer[key] = False
        for value in others:
            remaining[0] = budget
            if search({key: value}):
                answer[key] = True
                break
    return answer


# --------------------------------------------------------------------------------------------
# Properties


@PROPERTY
@given(tables(), THRESHOLDS, MARGINS)
def test_no_small_value_is_published(cells, threshold, margins):
    result = protect_table(
        cells, threshold=threshold, row_totals=margins[0], column_totals=margins[1]
    )
    for key, value in published_entries(result).items():
        assert not 0 < value < threshold, (key, value)
    # and every small entry is a primary suppression
    row_totals, column_totals, grand = true_margins(cells)
    small = {k for k, v in cells.items() if 0 < v < threshold}
    if margins[0]:
        small |= {RowTotal(r) for r, v in row_totals.items() if 0 < v < threshold}
    if margins[1]:
        small |= {ColumnTotal(c) for c, v in column_totals.items() if 0 < v < threshold}
    if 0 < grand < threshold:
        small.add(GRAND_TOTAL)
    assert result.primary == small
    assert not result.primary & result.secondary


@PROPERTY
@given(tables(), THRESHOLDS, MARGINS)
def test_no_suppressed_value_is_recoverable_by_subtraction(cells, threshold, margins):
    result = protect_table(
        cells, threshold=threshold, row_totals=margins[0], column_totals=margins[1]
    )
    assert recoverable(result) == set()


@PROPERTY
@given(tables(max_rows=3, max_columns=3), THRESHOLDS, MARGINS)
def test_every_suppressed_value_has_two_feasible_values_brute_force(cells, threshold, margins):
    result = protect_table(
        cells, threshold=threshold, row_totals=margins[0], column_totals=margins[1]
    )
    if not result.suppressed:
        return
    try:
        alternatives = has_alternative(result, cells)
    except SearchBudgetExceeded:  # pragma: no cover - diagnostic
        pytest.fail(f"brute force search exceeded its budget for {cells!r}")
    determined = {key for key, ok in alternatives.items() if not ok}
    assert determined == set(), (cells, threshold, margins, result)


@PROPERTY
@given(tables(), THRESHOLDS, MARGINS)
def test_published_values_equal_the_input(cells, threshold, margins):
    with_rows, with_columns = margins
    result = protect_table(
        cells, threshold=threshold, row_totals=with_rows, column_totals=with_columns
    )
    assert result.cells.keys() == cells.keys()
    for key, value in result.cells.items():
        if key in result.suppressed:
            assert value is None
        else:
            assert value == cells[key]
    row_totals, column_totals, grand = true_margins(cells)
    if with_rows:
        assert result.row_totals.keys() == row_totals.keys()
        for row, value in result.row_totals.items():
            suppressed = RowTotal(row) in result.suppressed
            assert value == (None if suppressed else row_totals[row])
    else:
        assert result.row_totals == {}
    if with_columns:
        assert result.column_totals.keys() == column_totals.keys()
        for column, value in result.column_totals.items():
            suppressed = ColumnTotal(column) in result.suppressed
            assert value == (None if suppressed else column_totals[column])
    else:
        assert result.column_totals == {}
    assert result.grand_total == (None if GRAND_TOTAL in result.suppressed else grand)


@PROPERTY
@given(tables(), THRESHOLDS, MARGINS, st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_input_order(cells, threshold, margins, random):
    kwargs = {"threshold": threshold, "row_totals": margins[0], "column_totals": margins[1]}
    first = protect_table(cells, **kwargs)
    assert protect_table(dict(cells), **kwargs) == first
    items = list(cells.items())
    random.shuffle(items)
    assert protect_table(dict(items), **kwargs) == first


@PROPERTY
@given(
    tables(values=st.one_of(st.none(), st.integers(0, 4), st.integers(0, 40))),
    THRESHOLDS,
    MARGINS,
)
def test_missing_values_stay_missing_and_protection_holds(cells, threshold, margins):
    result = protect_table(
        cells, threshold=threshold, row_totals=margins[0], column_totals=margins[1]
    )
    for key, value in cells.items():
        if value is None:
            assert result.cells[key] is None
            assert key in result.missing
            assert key not in result.suppressed
            assert result.status(key) == "missing"
        elif key not in result.suppressed:
            assert result.cells[key] == value
    for key, value in published_entries(result).items():
        assert not 0 < value < threshold, (key, value)
    assert recoverable(result) == set()


@PROPERTY
@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=3), COUNTS, min_size=1, max_size=8),
    st.booleans(),
    THRESHOLDS,
)
def test_series_properties(values, with_total, threshold):
    total = sum(values.values()) if with_total else None
    result = protect_series(values, total, threshold)
    shown = [v for v in result.values.values() if v is not None]
    if result.total is not None:
        shown.append(result.total)
    assert all(not 0 < v < threshold for v in shown)
    for key, value in values.items():
        assert result.values[key] == (None if key in result.suppressed else value)
    assert result.total == (None if GRAND_TOTAL in result.suppressed else total)
    assert recoverable(result) == set()
    if with_total and result.total is not None:
        hidden = [k for k in values if k in result.suppressed]
        assert len(hidden) != 1
        # brute force: each hidden value can take another non-negative value
        rest = result.total - sum(v for v in result.values.values() if v is not None)
        for key in hidden:
            # another hidden value can absorb the difference
            assert rest >= values[key]
            others = [values[k] for k in hidden if k != key]
            assert others and (values[key] > 0 or any(o > 0 for o in others))


# --------------------------------------------------------------------------------------------
# Hand-written examples


def test_two_by_two_with_one_small_cell():
    cells = {("a", "x"): 1, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    result = protect_table(cells)
    assert result.primary == {("a", "x")}
    assert len(result.suppressed) >= 4
    assert recoverable(result) == set()
    assert all(ok for ok in has_alternative(result, cells).values())
    # Here the cheapest pattern keeps every margin: the four cells form the protecting cycle.
    assert result.suppressed == set(cells)
    assert result.row_totals == {"a": 11, "b": 50}
    assert result.column_totals == {"x": 21, "y": 40}
    assert result.grand_total == 61
    assert result.status(("a", "x")) == "primary"
    assert result.status(("b", "y")) == "secondary"
    assert result.status(RowTotal("a")) == "published"


def test_row_with_one_small_value_and_published_total():
    series = protect_series({"x": 1, "y": 10, "z": 20}, total=31)
    assert series.primary == {"x"}
    assert series.secondary == {"y"}
    assert series.values == {"x": None, "y": None, "z": 20}
    assert series.total == 31
    # the same row as a one-row table with a row total
    table = protect_table(
        {("row", "x"): 1, ("row", "y"): 10, ("row", "z"): 20}, column_totals=False
    )
    assert table.primary == {("row", "x")}
    assert table.secondary == {("row", "y")}
    assert table.row_totals == {"row": 31}
    assert recoverable(table) == set()


def test_table_without_small_cells_is_unchanged():
    cells = {(r, c): 5 + 3 * i + j for i, r in enumerate("abc") for j, c in enumerate("xyz")}
    cells[("b", "y")] = 0  # zeros are not disclosive
    result = protect_table(cells)
    assert result.cells == cells
    assert result.primary == result.secondary == frozenset()
    assert None not in result.row_totals.values()
    assert None not in result.column_totals.values()
    assert result.grand_total == sum(cells.values())


def test_small_total_is_suppressed_as_primary():
    cells = {("a", "x"): 1, ("a", "y"): 0, ("b", "x"): 7, ("b", "y"): 9}
    result = protect_table(cells)
    assert RowTotal("a") in result.primary
    assert ("a", "x") in result.primary
    assert result.row_totals["a"] is None
    assert recoverable(result) == set()
    assert all(has_alternative(result, cells).values())


def test_subtraction_attack_finds_naive_suppression():
    cells = {("a", "x"): 1, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    naive = dataclasses.replace(
        protect_table(cells),
        cells={**cells, ("a", "x"): None},
        secondary=frozenset(),
    )
    assert recoverable(naive) == {("a", "x")}
    assert has_alternative(naive, cells) == {("a", "x"): False}


def test_subtraction_attack_propagates_derived_values():
    # Suppressing (a,x) and (a,y) protects nothing when column y is published with one
    # unknown: (a,y) follows from column y, then (a,x) from row a.
    cells = {("a", "x"): 1, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    leaky = dataclasses.replace(
        protect_table(cells),
        cells={**cells, ("a", "x"): None, ("a", "y"): None},
        secondary=frozenset({("a", "y")}),
    )
    assert recoverable(leaky) == {("a", "x"), ("a", "y")}


def test_without_margins_only_primary_suppression_is_needed():
    cells = {("a", "x"): 1, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    result = protect_table(cells, row_totals=False, column_totals=False)
    assert result.suppressed == {("a", "x")}
    assert result.grand_total is None
    assert result.status(GRAND_TOTAL) == "unpublished"
    assert result.status(RowTotal("a")) == "unpublished"


def test_threshold_is_configurable():
    cells = {("a", "x"): 4, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    assert protect_table(cells).suppressed == frozenset()
    assert ("a", "x") in protect_table(cells, threshold=5).primary


def test_as_cells_lists_published_values_in_order():
    cells = {("b", "y"): 30, ("a", "x"): 4, ("a", "y"): 10, ("b", "x"): 20}
    result = protect_table(cells)
    assert result.as_cells() == [
        Cell(("a", "x"), 4),
        Cell(("a", "y"), 10),
        Cell(("b", "x"), 20),
        Cell(("b", "y"), 30),
    ]


def test_series_edge_cases():
    # a lone small value with a published total: the total goes
    only = protect_series({"x": 1}, total=40)
    assert only.values == {"x": None} and only.total is None
    # a small total is suppressed
    assert protect_series({"x": 1, "y": 1}, total=2).total is None
    # no total: only the primary suppression
    assert protect_series({"x": 1, "y": 10, "z": 20}, None).suppressed == {"x"}
    # a zero is only used as the second suppression when nothing else is left
    assert protect_series({"x": 1, "y": 0, "z": 40}, 41).secondary == {"z"}
    with pytest.raises(ValueError):
        protect_series({"x": 5}, total=3)


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [
        (None, 3, False),
        (0, 3, False),
        (1, 3, True),
        (2, 3, True),
        (3, 3, False),
        (4, 5, True),
        (0.5, 3, True),
    ],
)
def test_is_small(value, threshold, expected):
    assert is_small(value, threshold) is expected


def test_is_small_default_threshold():
    assert DEFAULT_THRESHOLD == 3
    assert is_small(2) and not is_small(3)


def test_suppress_rate():
    assert suppress_rate(2, 1000, 2.0) is None
    assert suppress_rate(1, 10, 100.0, threshold=3) is None
    assert suppress_rate(0, 1000, 0.0) == 0.0
    assert suppress_rate(3, 1000, 3.0) == 3.0
    assert suppress_rate(4, 1000, 4.0, threshold=5) is None
    assert suppress_rate(None, 1000, 4.0) is None
    assert suppress_rate(5, 0, None) is None
    assert suppress_rate(5, 0, 1.0) is None


@pytest.mark.parametrize(
    "cells",
    [
        {("a", "x"): -1, ("a", "y"): 3},
        {("a", "x"): float("nan"), ("a", "y"): 3},
        {("a",): 1},
    ],
)
def test_invalid_input_is_rejected(cells):
    with pytest.raises(ValueError):
        protect_table(cells)


def test_zero_cells_are_not_used_to_fake_protection():
    # Row a: the small 1 sits next to zeros only and the big value; column totals published.
    cells = {
        ("a", "x"): 1,
        ("a", "y"): 0,
        ("a", "z"): 30,
        ("b", "x"): 0,
        ("b", "y"): 0,
        ("b", "z"): 25,
        ("c", "x"): 12,
        ("c", "y"): 0,
        ("c", "z"): 8,
    }
    result = protect_table(cells)
    assert recoverable(result) == set()
    assert all(has_alternative(result, cells).values())


def test_brute_force_over_all_tiny_tables():
    """Exhaustive: every 2x2 table with values in {0, 1, 2, 5} and thresholds 2 and 3."""
    keys = list(itertools.product("ab", "xy"))
    for values in itertools.product((0, 1, 2, 5), repeat=4):
        cells = dict(zip(keys, values, strict=True))
        for threshold in (2, 3):
            result = protect_table(cells, threshold=threshold)
            assert recoverable(result) == set()
            assert all(has_alternative(result, cells).values()), (cells, threshold)
