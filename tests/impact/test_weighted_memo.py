"""The weighted annual cost's disclosure check is remembered while its inputs stay the same."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from saas.impact import services


def fake_cube(revision: str, primary: set[Any]) -> Any:
    layout = SimpleNamespace(nodes={None: frozenset({1, 2}), "served": frozenset({1})})
    yearly = SimpleNamespace(layout=layout, primary=primary, secondary=set())
    return SimpleNamespace(threshold=3, revisions={2019: revision}, years={2019: yearly})


def test_same_inputs_are_checked_once_and_a_change_is_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def check(cube: Any, years: Any, node: Any, weights: Any, mean: float) -> bool:
        calls.append(cube.revisions[2019])
        return len(calls) % 2 == 1

    monkeypatch.setattr(services.disclosure, "weighted_mean_is_safe", check)
    monkeypatch.setattr(services, "_WEIGHTED", {})
    weights = {"A": 40_000.0, "B": 60_000.0}
    assert services._weighted_mean_is_safe(fake_cube("r1", set()), [2019], "served", weights, 50e3)
    assert services._weighted_mean_is_safe(fake_cube("r1", set()), [2019], "served", weights, 50e3)
    assert calls == ["r1"]
    # changed figures, another withheld pattern, other costs: asked again each time
    assert not services._weighted_mean_is_safe(
        fake_cube("r2", set()), [2019], "served", weights, 50e3
    )
    services._weighted_mean_is_safe(fake_cube("r2", {"x"}), [2019], "served", weights, 50e3)
    services._weighted_mean_is_safe(fake_cube("r2", {"x"}), [2019], "served", {"A": 1.0}, 1.0)
    assert calls == ["r1", "r2", "r2", "r2"]
