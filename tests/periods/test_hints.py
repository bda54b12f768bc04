"""The desk's plausibility rules and its opening period, as plain functions."""

from __future__ import annotations

from datetime import date

import pytest

from saas.periods import desk


@pytest.fixture
def german(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        yield


def test_year_on_year_needs_both_the_share_and_the_minimum_difference(german):
    assert desk.hints(16, 10, [], "de") == ["+60 % gegenüber dem Vorjahr"]
    assert desk.hints(4, 2, [], "de") == []  # +100 %, but only 2 cases more
    assert desk.hints(12, 10, [], "de") == []  # 2 more: within the threshold
    assert desk.hints(9, 0, [], "de") == ["Vorjahr 0, jetzt 9"]
    assert desk.hints(None, 7, [], "de") == ["fehlt (Vorjahr: 7)"]


def test_z_score_over_the_last_periods(german):
    steady = [100, 102, 98, 101, 99, 100, 103, 97, 100, 101, 99, 100]
    [hint] = desk.hints(130, None, steady, "de")
    assert hint.startswith("ungewöhnlich gegenüber den letzten 12 Perioden (z-Wert +")
    assert desk.hints(103, None, steady, "de") == []
    assert desk.hints(130, None, steady[:5], "de") == []  # too short a history
    assert desk.hints(3, None, [1, 1, 1, 1, 1, 2, 1], "de") == []  # large z, 2 cases only


def test_opening_period_is_the_latest_month_with_data_up_to_last_month():
    today = date(2026, 12, 2)
    assert desk.opening_period(["2024-11", "2024-12", "2024"], today) == "2024-12"
    assert desk.opening_period(["2026-12", "2026-10"], today) == "2026-10"  # not the current
    assert desk.opening_period([], today) == "2026-11"
    assert desk.shift_month("2024-01", -1) == "2023-12"
    assert desk.year_before("2024-03") == "2023-03" and desk.previous_period("2024") == "2023"
