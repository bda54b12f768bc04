"""The uncertainty of the impact analysis by hand: DiD on panels, pre-trend slope, placebo
windows, intervals that include zero when nothing happened and exclude it when much did."""

from __future__ import annotations

import numpy as np
import pytest

from saas.impact.matching import rematch
from saas.impact.statistics import Panel, Rematch, analyse, did, placebo_years, slope

YEARS = tuple(range(2014, 2023))  # opening 2019, window 3: 2016–2018 | 2020–2022


def panel(cases: list[list[float]], population: float = 1000.0) -> Panel:
    counts = np.array(cases, dtype=float)
    return Panel(YEARS, counts, counts * 0.8, np.full(counts.shape, population))


def test_did_is_a_ratio_of_sums_over_areas_and_window_years():
    # treated: 40 a year before, 30 after; control 50 → 50: DiD = (30 − 40) − 0 = −10 ‰
    treated = panel([[40] * 5 + [35] + [30] * 3])
    control = panel([[50] * 9, [50] * 9])
    assert did(treated, control, [2016, 2017, 2018], [2020, 2021, 2022]) == pytest.approx(-10)
    # case-years are 0.8 × the cases here: −8 ‰
    assert did(
        treated, control, [2016, 2017, 2018], [2020, 2021, 2022], case_years=True
    ) == pytest.approx(-8)


def test_slope_by_least_squares():
    assert slope([2015, 2016, 2017, 2018], np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(1)
    assert slope([1, 2, 3], np.array([0.0, 3.0, 0.0])) == pytest.approx(0)


def test_placebo_windows_end_before_the_opening_year():
    treated = panel([[40] * 9])
    control = panel([[50] * 9])
    found = placebo_years(treated, control, 2019, 3)
    # first year 2014: a pretended opening P needs P − w ≥ 2014 and P + w ≤ 2018
    assert [(p.year, p.window) for p in found] == [(2015, 1), (2016, 2), (2017, 1)]
    assert all(p.effect == pytest.approx(0) for p in found)


def test_no_effect_gives_an_interval_with_zero():
    """40 cases a year everywhere: the estimate is 0 and chance alone spreads it."""
    treated = panel([[40] * 9])
    control = panel([[40, 42, 38, 41, 39, 40, 43, 37, 40]] * 5)
    result = analyse(treated, control, 2019, 3, replicates=300)
    assert result.did.low <= result.did.estimate <= result.did.high
    assert result.did.includes_zero
    assert len(result.events) == 7 and result.event_years == tuple(range(2016, 2023))
    # the year before the opening is the reference of the event study
    assert result.events[2].estimate == pytest.approx(0)
    assert len(result.placebo_areas) == 5 and result.permutation_p is not None


def test_a_large_drop_gives_an_interval_without_zero_and_parallel_pre_trends():
    treated = panel([[400] * 5 + [300] + [200] * 3, [400] * 5 + [300] + [200] * 3])
    control = panel([[400] * 9, [410] * 9, [390] * 9])
    result = analyse(treated, control, 2019, 3, replicates=300)
    assert result.did.estimate == pytest.approx(-200)
    assert result.did.high < 0
    assert result.pre_trend is not None and result.pre_trend.includes_zero
    assert result.adjusted_did == pytest.approx(-200)


def test_a_diverging_pre_trend_is_found_and_carried_forward():
    """The control rises 10 ‰ a year faster all along; nothing happens at the opening.
    The DiD (−40: 4 years between the window centres) is all trend."""
    treated = panel([[4000] * 9] * 2, population=10_000)
    control = panel([[3000 + 100 * i for i in range(9)]] * 3, population=10_000)
    result = analyse(treated, control, 2019, 3, replicates=300)
    assert result.did.estimate == pytest.approx(-40)
    assert result.pre_trend is not None
    assert result.pre_trend.estimate == pytest.approx(-10)
    assert not result.pre_trend.includes_zero and result.parallel is False
    assert result.adjusted_did == pytest.approx(0)


def test_the_bootstrap_is_reproducible():
    treated = panel([[40, 42, 41, 45, 44, 40, 35, 33, 30]])
    control = panel([[50, 51, 49, 52, 50, 51, 53, 52, 54]] * 3)
    one = analyse(treated, control, 2019, 3, replicates=200)
    two = analyse(treated, control, 2019, 3, replicates=200)
    assert (one.did.low, one.did.high) == (two.did.low, two.did.high)


def _near_and_far() -> tuple[Panel, Panel, Rematch]:
    """One served area at 30 ‰ all along; three comparison areas like it (30 ‰, flat) and
    three far from it before the opening (60 ‰) that rise to 90 ‰ after. The rule's
    k = 3 nearest on the observed figures are the three near ones."""
    treated = panel([[300] * 9], population=10_000)
    near = [[300] * 9] * 3
    far = [[600] * 6 + [900] * 3] * 3
    pool = panel([*near, *far], population=10_000)
    return treated, pool.take([0, 1, 2]), Rematch(pool, rematch(3, [2016, 2017, 2018]))


def test_the_rule_in_a_replicate_chooses_from_the_replicate_s_pool():
    treated, _near, rule = _near_and_far()
    everyone = np.arange(6)
    assert list(rule.choose(treated, rule.pool, everyone)) == [0, 1, 2]  # as on the page
    # a draw without the first near area: the two others and the first far one (ties by
    # the pool's order), whose rise then enters that replicate's comparison
    rows = np.array([1, 2, 3, 4, 5])
    assert list(rule.choose(treated, rule.pool.take(rows), rows)) == [0, 1, 2]
    drawn = rule.pool.take(rows).take(rule.choose(treated, rule.pool.take(rows), rows))
    assert did(treated, drawn, [2016, 2017, 2018], [2020, 2021, 2022]) == pytest.approx(-10)
    # the served group drawn twice is one group of twice the population: the same choice
    twice = treated.take([0, 0])
    assert list(rule.choose(twice, rule.pool, everyone)) == [0, 1, 2]


def test_matching_anew_in_every_replicate_widens_the_interval():
    """With the choice held fixed the replicates only ever compare with the near areas, and
    the interval is chance alone around 0 (±3 ‰: 900 cases a window). Matched anew, a draw
    with fewer than three near areas — about a third of them — compares with far ones too,
    whose rise pulls the effect to −10 ‰ and below: the low end falls far lower."""
    treated, near, rule = _near_and_far()
    fixed = analyse(treated, near, 2019, 3)
    anew = analyse(treated, near, 2019, 3, rematch=rule)
    assert fixed.did.estimate == anew.did.estimate == pytest.approx(0)
    assert -5 < fixed.did.low < 0 < fixed.did.high < 5
    assert anew.did.low < -10 < fixed.did.low
    assert anew.did.high - anew.did.low > 2 * (fixed.did.high - fixed.did.low)
    # the placebo areas are the chosen ones' in both
    assert anew.placebo_areas == fixed.placebo_areas
    assert analyse(treated, near, 2019, 3, rematch=rule).did == anew.did  # seeded
