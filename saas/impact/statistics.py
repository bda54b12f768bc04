"""The uncertainty of an office's difference-in-differences: intervals, pre-trend, event
study and placebos. Pure numpy on yearly figures per area; no database, no Flask.

Data: per area and year the HzE cases (Destatis count), the running case-years (mean of the
monthly stocks) and the under-21 population, for the treated areas and the comparison areas.
Every rate is a ratio of sums over a group's areas (and a window's years), as on the page.

Interval (95 %)
    A bootstrap that resamples the *areas* of each group with replacement (a cluster
    bootstrap: an area's years stay together, so the correlation of an area's years is kept)
    and, within each replicate, draws every area-year's case count from a Poisson
    distribution around the observed count (the chance variation of small counts, which is
    all there is when a group has a single area). Case-years move with the drawn cases.
    ``REPLICATES`` replicates from a fixed seed, so the same figures give the same interval.
    The interval is the 2.5th to 97.5th percentile of the replicates. A comparison group
    chosen by a rule (the matched areas, :mod:`saas.impact.matching`) is chosen anew in every
    replicate (:class:`Rematch`): the areas it was chosen from are drawn instead, with their
    counts, and the rule picks from them on the replicate's figures, so the interval carries
    the uncertainty of the choice as well.

Pre-trend test
    The slope of the gap (treated rate − comparison rate, ‰) per year over the years before
    the opening year (all years with figures, at least two), by least squares, with its
    bootstrap interval. An interval that excludes zero means the groups were not moving in
    parallel before the opening: the difference-in-differences then also carries that trend.
    The *trend-adjusted* estimate subtracts the pre-trend carried forward (slope × the
    distance in years between the centres of the two windows).

Event study
    For each year of the analysed period the gap minus the gap in the year before the
    opening (= 0): the effect by year relative to the opening, each with its interval.

Placebos
    *Placebo years*: the same groups with a pretended opening in a year before the real one,
    with a window as long as the years before the real opening allow (at least one year each
    side). *Placebo areas*: each comparison area in turn pretends to be the served area
    against the remaining comparison areas, at the real opening. Effects of a size like the
    real one in the placebos mean the real one may be chance or trend; (1 + the placebo areas
    with an effect at least as large in absolute value) / (1 + their number) is a permutation
    p-value (with three comparison areas it cannot fall below 0.25).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

REPLICATES = 999
SEED = 20_260_101
SCALE = 1000.0  # ‰

Array = NDArray[np.float64]


@dataclass
class Panel:
    """Yearly figures of one group: rows are areas, columns ``years``."""

    years: tuple[int, ...]
    cases: Array
    case_years: Array
    population: Array

    def take(self, rows: Sequence[int] | NDArray[np.int64]) -> Panel:
        index = np.asarray(rows, dtype=np.int64)
        return Panel(self.years, self.cases[index], self.case_years[index], self.population[index])

    @property
    def size(self) -> int:
        return int(self.cases.shape[0])


#: ``choose(treated, pool, rows)``: the rows of ``pool`` that compare in a replicate
Choose = Callable[[Panel, Panel, NDArray[np.int64]], NDArray[np.int64]]


@dataclass(frozen=True)
class Rematch:
    """A comparison group chosen by a rule (the matched areas): every replicate draws the
    ``pool`` the rule chose from, and ``choose`` chooses anew on the replicate's figures."""

    pool: Panel  # the areas the rule chooses from, in the order that breaks its ties
    choose: Choose


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def includes_zero(self) -> bool:
        return self.low <= 0 <= self.high


@dataclass(frozen=True)
class Placebo:
    """One placebo: a pretended opening ``year`` (window ``window``) or a comparison
    ``area`` pretending to be served."""

    label: str
    year: int
    window: int
    effect: float


@dataclass
class Uncertainty:
    did: Interval
    did_case_years: Interval
    pre_trend: Interval | None
    pre_trend_years: tuple[int, ...]
    adjusted_did: float | None
    event_years: tuple[int, ...]
    events: list[Interval]
    placebo_years: list[Placebo] = field(default_factory=list)
    placebo_areas: list[Placebo] = field(default_factory=list)
    #: (1 + placebo areas with |effect| ≥ |real effect|) / (1 + placebo areas); None without
    permutation_p: float | None = None
    replicates: int = REPLICATES

    @property
    def parallel(self) -> bool | None:
        return None if self.pre_trend is None else self.pre_trend.includes_zero


def _columns(panel: Panel, years: Sequence[int]) -> list[int]:
    return [panel.years.index(y) for y in years]


def _rate(cases: Array, population: Array) -> Array:
    """Ratio of sums over areas (axis 0) per year, in ‰; NaN where there is no population."""
    num, den = cases.sum(axis=0), population.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den * SCALE, np.nan)


def _window_rate(counts: Array, population: Array, cols: list[int]) -> float:
    den = float(population[:, cols].sum())
    return float(counts[:, cols].sum()) / den * SCALE if den else float("nan")


def did(
    treated: Panel,
    control: Panel,
    before: Sequence[int],
    after: Sequence[int],
    *,
    case_years: bool = False,
) -> float:
    """(treated after − treated before) − (control after − control before), ‰ points."""
    b, a = _columns(treated, before), _columns(treated, after)

    def change(panel: Panel) -> float:
        counts = panel.case_years if case_years else panel.cases
        return _window_rate(counts, panel.population, a) - _window_rate(counts, panel.population, b)

    return change(treated) - change(control)


def gaps(treated: Panel, control: Panel) -> Array:
    """Treated rate − comparison rate per year (‰)."""
    return _rate(treated.cases, treated.population) - _rate(control.cases, control.population)


def slope(years: Sequence[int], values: Array) -> float:
    """Least-squares slope of ``values`` over ``years``."""
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def _estimates(
    treated: Panel,
    control: Panel,
    before: Sequence[int],
    after: Sequence[int],
    opening: int,
    trend_years: Sequence[int],
    event_years: Sequence[int],
) -> Array:
    """[DiD, DiD of case-years, pre-trend slope, event effects …] of one (re)sample."""
    gap = gaps(treated, control)
    base = gap[treated.years.index(opening - 1)]
    trend = (
        slope(trend_years, gap[_columns(treated, trend_years)]) if len(trend_years) >= 2 else np.nan
    )
    events = [gap[treated.years.index(y)] - base for y in event_years]
    return np.array(
        [
            did(treated, control, before, after),
            did(treated, control, before, after, case_years=True),
            trend,
            *events,
        ]
    )


def _resample(panel: Panel, rng: np.random.Generator) -> tuple[Panel, NDArray[np.int64]]:
    """Areas drawn with replacement; every area-year's cases drawn from Poisson(observed).
    With the drawn panel come the rows of ``panel`` it drew."""
    rows = rng.integers(0, panel.size, panel.size) if panel.size > 1 else np.zeros(1, np.int64)
    chosen = panel.take(rows)
    drawn = rng.poisson(chosen.cases).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(chosen.cases > 0, drawn / chosen.cases, 1.0)
    return Panel(chosen.years, drawn, chosen.case_years * factor, chosen.population), rows


def _replicate(
    treated: Panel, control: Panel, rematch: Rematch | None, rng: np.random.Generator
) -> tuple[Panel, Panel]:
    """One replicate's groups: both drawn; with ``rematch`` the comparison group is chosen
    anew from the drawn pool (the served areas drawn first, as without)."""
    drawn, _rows = _resample(treated, rng)
    if rematch is None:
        return drawn, _resample(control, rng)[0]
    pool, rows = _resample(rematch.pool, rng)
    return drawn, pool.take(rematch.choose(drawn, pool, rows))


def analyse(
    treated: Panel,
    control: Panel,
    opening: int,
    window: int,
    *,
    control_names: Sequence[str] = (),
    replicates: int = REPLICATES,
    rematch: Rematch | None = None,
) -> Uncertainty:
    """Intervals, pre-trend, event study and placebos (module docstring).

    ``treated`` and ``control`` hold the same years: every year with complete figures from
    at least ``opening − window`` to ``opening + window``. With ``rematch`` (its pool holds
    the same years) ``control`` is what its rule chose on the observed figures, and every
    replicate chooses anew from the drawn pool instead of drawing ``control``.
    """
    years = treated.years
    before = list(range(opening - window, opening))
    after = list(range(opening + 1, opening + window + 1))
    trend_years = [y for y in years if y < opening]
    event_years = [y for y in years if opening - window <= y <= opening + window]
    point = _estimates(treated, control, before, after, opening, trend_years, event_years)
    rng = np.random.default_rng(SEED)
    draws = np.array(
        [
            _estimates(
                *_replicate(treated, control, rematch, rng),
                before,
                after,
                opening,
                trend_years,
                event_years,
            )
            for _ in range(replicates)
        ]
    )
    low, high = np.nanpercentile(draws, [2.5, 97.5], axis=0)

    def interval(i: int) -> Interval:
        return Interval(float(point[i]), float(low[i]), float(high[i]))

    pre_trend = interval(2) if len(trend_years) >= 2 else None
    adjusted = None
    if pre_trend is not None:
        distance = float(np.mean(after) - np.mean(before))
        adjusted = float(point[0]) - pre_trend.estimate * distance
    result = Uncertainty(
        did=interval(0),
        did_case_years=interval(1),
        pre_trend=pre_trend,
        pre_trend_years=tuple(trend_years),
        adjusted_did=adjusted,
        event_years=tuple(event_years),
        events=[interval(3 + i) for i in range(len(event_years))],
        replicates=replicates,
    )
    result.placebo_years = placebo_years(treated, control, opening, window)
    result.placebo_areas = placebo_areas(control, opening, window, control_names)
    if result.placebo_areas:
        real = abs(result.did.estimate)
        # the real effect counts among the permutations: (1 + as large) / (1 + placebos)
        larger = sum(abs(p.effect) >= real for p in result.placebo_areas)
        result.permutation_p = (1 + larger) / (1 + len(result.placebo_areas))
    return result


def placebo_years(treated: Panel, control: Panel, opening: int, window: int) -> list[Placebo]:
    """Pretended openings before the real one, each window ending before the opening year."""
    first = treated.years[0]
    found = []
    for year in range(first + 1, opening - 1):
        span = min(window, year - first, opening - 1 - year)
        if span < 1:
            continue
        effect = did(
            treated,
            control,
            range(year - span, year),
            range(year + 1, year + span + 1),
        )
        found.append(Placebo(str(year), year, span, effect))
    return found


def placebo_areas(
    control: Panel, opening: int, window: int, names: Sequence[str] = ()
) -> list[Placebo]:
    """Each comparison area as if it had been served, against the other comparison areas."""
    if control.size < 3:
        return []
    before = range(opening - window, opening)
    after = range(opening + 1, opening + window + 1)
    found = []
    for row in range(control.size):
        rest = [r for r in range(control.size) if r != row]
        effect = did(control.take([row]), control.take(rest), before, after)
        if not np.isfinite(effect):
            continue  # an area without population (an industrial zone) has no rate
        label = names[row] if row < len(names) else str(row)
        found.append(Placebo(label, opening, window, effect))
    return found
