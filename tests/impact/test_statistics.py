"""The uncertainty of the impact analysis by hand: DiD on panels, pre-trend slope, placebo
windows, intervals that include zero when nothing happened and exclude it when much did."""

from __future__ import annotations

import numpy as np
import pytest

from saas.impact.statistics import Panel, analyse, did, placebo_years, slope

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
