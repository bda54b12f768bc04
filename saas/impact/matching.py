"""Matched comparison areas: the never-served areas most like the served ones before the opening.

The comparison group of :mod:`saas.impact.services` is every area no office served in the
analysed period (:meth:`AreaGroups.control`). As an option the analysis compares with the
*matched* areas instead, chosen from exactly those candidates by a fixed rule:

Features
    Over the years of the "before" window (``Y − window … Y − 1``), from the figures the
    analysis uses (all figures, or with ``approved_only`` only years whose figures are all
    approved): the *level* — the HzE-Eckwert as a ratio of sums over those years (Σ cases ÷
    Σ under-21 population × 1,000) — and the *slope* — the least-squares slope of the yearly
    Eckwert over those years (‰ points a year; with a one-year window there is no slope and
    the level alone counts). The served areas count as one group, as in the analysis: their
    yearly rate is the ratio of sums over the served areas.
Candidates
    The comparison areas with a case count and a positive under-21 population in every
    "before" year; an area without (an industrial zone without population, a gap) cannot be
    matched and is left out.
Distance
    Each feature is standardised by its standard deviation over the candidates (population
    standard deviation; a feature that does not vary adds nothing); the distance is the
    Euclidean distance of the standardised features to the served group's.
Number
    ``k = min(candidates, max(MINIMUM, PER_SERVED × served areas))``: two per served area, at
    least three (the bootstrap and the placebo areas need several areas), at most all. The
    ``k`` nearest are chosen; ties are broken by area code, then id — the same figures always
    give the same areas.
In the bootstrap
    The interval must not take the chosen areas as given: another draw of the figures could
    have chosen others. So every replicate of :mod:`saas.impact.statistics` draws the
    candidates (those with figures in every year of the intervals) with replacement and with
    Poisson counts, as it draws any group, and :func:`rematch` applies this rule — the same
    :func:`features` and :func:`nearest`, on the replicate's figures of the "before" years
    only — to choose its ``k`` comparison areas among them; a candidate drawn twice is two
    areas of the replicate. Where ``k`` is every candidate, each replicate takes all it drew,
    as a fixed choice would.

Pure except :func:`pre_periods` (which reads the engine); no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from saas.impact.groups import INDICATOR, AreaGroups
from saas.impact.statistics import Array, Choose, Panel
from saas.indicators.definitions import INDICATORS
from saas.indicators.engine import compute

PER_SERVED = 2
MINIMUM = 3

#: (area, year) → (cases, under-21 population) of the pre-period
Figures = Mapping[tuple[int, int], tuple[float, float]]


@dataclass(frozen=True)
class Matching:
    """The matched comparison areas and how they were chosen."""

    chosen: tuple[int, ...]  # by area code, as the analysis orders its groups
    candidates: tuple[int, ...]  # the comparison areas that could be matched
    unmatched: tuple[int, ...]  # comparison areas without pre-period figures
    k: int
    features: tuple[str, ...]  # ("level", "slope") or ("level",)
    distances: dict[int, float]


def size(served: int, candidates: int) -> int:
    """How many areas are matched: two per served area, at least three, at most all."""
    return min(candidates, max(MINIMUM, PER_SERVED * served))


def features(cases: Array, population: Array, years: Sequence[int]) -> Array:
    """(level, slope) of each row of areas × ``years`` (the slope left out for one year);
    a row with a year without a positive population is NaN."""
    scale = INDICATORS[INDICATOR].scale
    cases, population = np.asarray(cases, dtype=float), np.asarray(population, dtype=float)
    valid = (population > 0).all(axis=1) & np.isfinite(cases).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = cases.sum(axis=1) / population.sum(axis=1) * scale
        columns = [level]
        if len(years) >= 2:
            rates = cases / population * scale
            x = np.asarray(years, dtype=float) - float(np.mean(years))
            centred = rates - rates.mean(axis=1, keepdims=True)
            columns.append((centred * x).sum(axis=1) / (x * x).sum())
    found = np.stack(columns, axis=1)
    found[~valid] = np.nan
    return found


def nearest(
    target: Array, values: Array, k: int, ranks: Sequence[int] | NDArray[np.int64]
) -> tuple[NDArray[np.int64], Array]:
    """The rows of the ``k`` ``values`` nearest to ``target`` and their distances.

    Each feature is standardised by its population standard deviation over ``values``;
    ties are broken by ``ranks`` (an area's place in the order by code), then by row."""
    spread = values.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(spread > 0, (values - target) / spread, 0.0)
    distances = np.sqrt((scaled**2).sum(axis=1))
    rows = np.lexsort((np.arange(len(values)), np.asarray(ranks), distances))
    return rows[:k], distances


def match(
    treated: Sequence[int],
    control: Sequence[int],
    years: Sequence[int],
    figures: Figures,
    order: Mapping[int, tuple[str, int]],
) -> Matching:
    """The rule of the module docstring; ``order`` gives each area its (code, id)."""
    names = ("level", "slope")[: 1 if len(years) < 2 else 2]

    def grid(areas: Sequence[int], part: int) -> Array:
        found = [[figures.get((a, y), (np.nan, np.nan))[part] for y in years] for a in areas]
        return np.array(found, dtype=float).reshape(len(areas), len(years))

    # the served areas count as one group: its yearly rate is a ratio of sums over them
    target = features(
        grid(treated, 0).sum(axis=0, keepdims=True),
        grid(treated, 1).sum(axis=0, keepdims=True),
        years,
    )[0]
    found = features(grid(control, 0), grid(control, 1), years)
    matchable = [not np.isnan(row).any() for row in found]
    candidates = [a for a, ok in zip(control, matchable, strict=True) if ok]
    unmatched = tuple(a for a, ok in zip(control, matchable, strict=True) if not ok)
    if np.isnan(target).any() or not candidates:
        return Matching((), tuple(candidates), unmatched, 0, names, {})
    rank = {a: i for i, a in enumerate(sorted(candidates, key=lambda a: order[a]))}
    k = size(len(treated), len(candidates))
    rows, distances = nearest(target, found[matchable], k, [rank[a] for a in candidates])
    chosen = tuple(sorted((candidates[r] for r in rows), key=lambda a: order[a]))
    return Matching(
        chosen,
        tuple(candidates),
        unmatched,
        k,
        names,
        {a: float(d) for a, d in zip(candidates, distances, strict=True)},
    )


def rematch(k: int, before: Sequence[int]) -> Choose:
    """The rule for one bootstrap replicate (:class:`saas.impact.statistics.Rematch`).

    ``choose(treated, pool, rows)`` takes the replicate's served areas and its pool — the
    candidates drawn with replacement, ``rows`` their places in the pool ordered by code —
    and gives the rows of the ``k`` nearest, by the replicate's own figures of the
    ``before`` years only and the same features, standardisation and ties as :func:`match`
    (two copies of an area are two areas of the replicate). With ``k`` = all, all."""

    def choose(treated: Panel, pool: Panel, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        if k >= pool.size:
            return np.arange(pool.size)
        columns = [pool.years.index(y) for y in before]
        # the served group's row on top of the pool's: one computation of the features
        found = features(
            np.vstack([treated.cases[:, columns].sum(axis=0), pool.cases[:, columns]]),
            np.vstack([treated.population[:, columns].sum(axis=0), pool.population[:, columns]]),
            before,
        )
        if np.isnan(found[0]).any():
            # served areas drawn without population: no rate, the replicate's estimate is
            # NaN whichever areas compare (and left out of the percentiles)
            return np.arange(k)
        return nearest(found[0], found[1:], k, rows)[0]

    return choose


def pre_period(
    area_ids: Sequence[int], years: Iterable[int], approved_only: bool
) -> dict[tuple[int, int], tuple[float, float]]:
    """Cases and under-21 population per area and year, as the analysis reads them
    (engine values per area; with ``approved_only`` only the approved ones)."""
    return pre_periods(area_ids, years)[approved_only]


def pre_periods(
    area_ids: Sequence[int], years: Iterable[int]
) -> dict[bool, dict[tuple[int, int], tuple[float, float]]]:
    """:func:`pre_period` with all figures (False) and approved ones only (True), read once."""
    result: dict[bool, dict[tuple[int, int], tuple[float, float]]] = {False: {}, True: {}}
    for value in compute([INDICATOR], years, by="area", area_ids=list(area_ids)):
        if value.indicator != INDICATOR or not isinstance(value.group, int):
            continue
        if value.numerator is None or value.denominator is None:
            continue
        found = (float(value.numerator), float(value.denominator))
        result[False][(value.group, value.year)] = found
        if value.approved:
            result[True][(value.group, value.year)] = found
    return result


def matched_control(
    context: AreaGroups,
    treated: Sequence[int],
    control: Sequence[int],
    before_years: Sequence[int],
    figures: Figures,
) -> Matching:
    """:func:`match` on the context's areas (codes for the order)."""
    order = {a: (context.by_id[a].code, a) for a in (*treated, *control)}
    return match(treated, control, before_years, figures, order)
