"""The cube is built once per year's inputs, not once per process (Marl's demo figures).

:func:`saas.protection.service.tenant_cube` keeps the years it built in memory and shares their
withheld cells through a store (Redis in a deployment; here a dictionary standing in for it),
so another gunicorn worker, a command or a job takes them instead of building them cold
again; several large cold years are built in worker processes at once. Neither may change a
single withheld cell: the store is keyed by every input of the year and the protection code,
and a stored pattern that leaves a small count shown is not used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from saas.core.tenancy import tenant_scope
from saas.protection import service
from saas.protection.service import Cube, tenant_cube
from tests.conftest import tenant

YEARS = [2023, 2024]


class FakeRedis:
    """The two calls the store makes, on a dictionary."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: str, ex: int | None = None) -> None:
        assert ex and ex > 0
        self.data[key] = value.encode()


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRedis]:
    fake = FakeRedis()
    monkeypatch.setattr(service._STORE, "_client", lambda: fake)
    service._CACHE.clear()
    yield fake
    service._CACHE.clear()


def pattern(cube: Cube) -> dict[int, Any]:
    return {year: (c.primary, c.secondary, c.values) for year, c in cube.years.items()}


def cube_of_marl(years: list[int] = YEARS) -> Cube:
    marl = tenant("marl")
    with tenant_scope(marl):
        return tenant_cube(years, marl)


def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the years built from now on."""
    built: list[int] = []
    original = service.protect_year

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "protect_year", counting)
    return built


def test_another_process_takes_the_years_from_the_store(
    app: Any, store: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cube_of_marl()
    assert len(store.data) == len(YEARS)
    assert any(c.primary for c in first.years.values())  # Marl has small counts to withhold
    service._CACHE.clear()  # what another process holds in memory: nothing

    def cold(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a year was built again")

    monkeypatch.setattr(service, "protect_year", cold)
    again = cube_of_marl()
    assert pattern(again) == pattern(first)
    assert again.revisions == first.revisions


def test_a_stored_pattern_that_shows_a_small_count_is_not_used(
    app: Any, store: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cube_of_marl([2024])
    (key,) = store.data
    stored = json.loads(store.data[key])
    assert stored["primary"]
    store.data[key] = json.dumps({"primary": [], "secondary": stored["secondary"]}).encode()
    service._CACHE.clear()
    built = builds(monkeypatch)
    again = cube_of_marl([2024])
    assert built == [1]
    assert pattern(again) == pattern(first)


def test_other_inputs_never_meet_a_stored_pattern(
    app: Any, store: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    cube_of_marl([2024])
    service._CACHE.clear()
    marl = tenant("marl")
    marl.settings = {**(marl.settings or {}), "disclosure_threshold": 5}
    built = builds(monkeypatch)
    with tenant_scope(marl):
        stricter = tenant_cube([2024], marl)
    assert built == [1]
    assert stricter.threshold == 5
    assert len(store.data) == 2


def test_years_built_in_worker_processes_are_the_same(
    app: Any, store: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service._STORE, "_client", lambda: None)  # build every time
    monkeypatch.setenv("SAAS_CUBE_WORKERS", "1")
    serial = cube_of_marl()
    service._CACHE.clear()
    monkeypatch.setenv("SAAS_CUBE_WORKERS", "2")
    monkeypatch.setattr(service, "PARALLEL_ATOMS", 0)
    calls: list[int] = []
    original = service._parallel

    def spy(builds: Any, threshold: int, count: int) -> Any:
        calls.append(count)
        return original(builds, threshold, count)

    monkeypatch.setattr(service, "_parallel", spy)
    parallel = cube_of_marl()
    assert calls == [2]
    assert pattern(parallel) == pattern(serial)
