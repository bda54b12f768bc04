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

Pure except :func:`pre_periods` (which reads the engine); no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from saas.impact.groups import INDICATOR, AreaGroups
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


def _features(
    areas: Sequence[int], years: Sequence[int], figures: Figures
) -> tuple[float, ...] | None:
    """(level, slope) of the areas summed (slope left out for one year); None if a year
    lacks a case count or a positive population."""
    cases, population = [], []
    for year in years:
        found = [figures.get((area, year)) for area in areas]
        if any(f is None for f in found):
            return None
        cases.append(sum(f[0] for f in found if f is not None))
        population.append(sum(f[1] for f in found if f is not None))
    if not years or min(population) <= 0:
        return None
    scale = INDICATORS[INDICATOR].scale
    level = sum(cases) / sum(population) * scale
    if len(years) < 2:
        return (level,)
    rates = np.array(cases) / np.array(population) * scale
    x = np.asarray(years, dtype=float) - float(np.mean(years))
    slope = float((x * (rates - rates.mean())).sum() / (x * x).sum())
    return (level, slope)


def match(
    treated: Sequence[int],
    control: Sequence[int],
    years: Sequence[int],
    figures: Figures,
    order: Mapping[int, tuple[str, int]],
) -> Matching:
    """The rule of the module docstring; ``order`` gives each area its (code, id)."""
    names = ("level", "slope")[: 1 if len(years) < 2 else 2]
    target = _features(treated, years, figures)
    found = {area: _features([area], years, figures) for area in control}
    candidates = [a for a in control if found[a] is not None]
    unmatched = tuple(a for a in control if found[a] is None)
    if target is None or not candidates:
        return Matching((), tuple(candidates), unmatched, 0, names, {})
    values = np.array([found[a] for a in candidates], dtype=float)
    spread = values.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(spread > 0, (values - np.array(target)) / spread, 0.0)
    distances = {
        a: float(np.sqrt((row**2).sum())) for a, row in zip(candidates, scaled, strict=True)
    }
    k = size(len(treated), len(candidates))
    nearest = sorted(candidates, key=lambda a: (distances[a], order[a]))[:k]
    chosen = tuple(sorted(nearest, key=lambda a: order[a]))
    return Matching(chosen, tuple(candidates), unmatched, k, names, distances)


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
