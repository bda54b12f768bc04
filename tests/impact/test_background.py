"""An impact page whose protected cube is cold and large does not build it in the request:
a background job builds it (into the store shared through Redis) and sends the user back
(issue 12: nothing a user waits for blocks a worker; Marl's ten years took 18–32 s cold,
RV Saarbrücken's minutes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, current_app

from saas.core.urls import safe_next
from saas.protection import service
from saas.protection.tasks import protect_years
from tests.impact.conftest import office_id
from tests.jobs import conftest as jobs
from tests.jobs.conftest import run_worker

jobs_on = jobs.jobs_on


def _forget_every_cube(url: str) -> None:
    """Neither this process's memory nor the shared store holds a year (a cold deployment)."""
    import redis

    with service._LOCK:
        service._CACHE.clear()
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{service._Store.PREFIX}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def request_atoms(app: Flask, jobs_on: dict[str, Any], redis_url: str) -> Iterator[Any]:
    def limit(atoms: int) -> None:
        for config in (app.config, current_app.config):
            config["SAAS_CUBE_REQUEST_ATOMS"] = atoms

    _forget_every_cube(redis_url)
    yield limit
    _forget_every_cube(redis_url)


@pytest.mark.redis
def test_a_large_cold_cube_is_built_by_a_job_and_the_page_follows(
    auth: Any, marl: Any, request_atoms: Any
) -> None:
    request_atoms(0)  # any cold year is too large for a request
    client = auth("admin")
    url = f"/marl/impact/{office_id(marl, 'stb-drewer-nord')}"
    first = client.get(url)
    assert first.status_code == 303, first.status_code
    assert "/marl/jobs/" in first.location
    waiting = client.get(first.location)
    assert waiting.status_code == 200
    assert "Statistische Geheimhaltung" in waiting.get_data(as_text=True)
    assert run_worker()
    done = client.get(first.location)
    assert done.status_code == 303 and done.location.endswith(url), done.location
    with service._LOCK:  # another gunicorn worker: nothing in memory, the years in the store
        service._CACHE.clear()
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    assert "Drewer-Nord" in page.get_data(as_text=True)


@pytest.mark.redis
def test_a_cube_small_enough_is_built_in_the_request(
    auth: Any, marl: Any, request_atoms: Any
) -> None:
    request_atoms(10**9)
    page = auth("admin").get(f"/marl/impact/{office_id(marl, 'stb-drewer-nord')}")
    assert page.status_code == 200


@pytest.mark.parametrize("url", ["//evil.example/x", "https://evil.example/", "/\\evil.example/x"])
def test_the_job_goes_back_to_a_local_page_only(url: str) -> None:
    assert safe_next(url, "") == ""
    with pytest.raises(ValueError, match="not a local path"):
        protect_years([2024], url)


def test_a_local_page_is_one() -> None:
    assert safe_next("/marl/impact/3?window=3", "") == "/marl/impact/3?window=3"


@pytest.mark.redis
def test_a_report_run_over_cold_years_goes_the_same_way(
    auth: Any, marl: Any, request_atoms: Any
) -> None:
    from tests.reports.conftest import shared

    request_atoms(0)
    client = auth("admin")
    url = f"/marl/reports/run?template={shared('entwicklung-hze').id}&from=2015&to=2024"
    first = client.get(url)
    assert first.status_code == 303 and "/marl/jobs/" in first.location, first.status_code
    assert run_worker()
    done = client.get(first.location)
    assert done.status_code == 303 and done.location.endswith(url), done.location
    assert client.get(url).status_code == 200


def test_the_job_reports_each_batch_of_years(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job page moves while the years are built: one batch of as many years as worker
    processes at a time, its progress written after each (it said "0 of 10" until the end)."""
    from saas.protection import tasks

    built: list[list[int]] = []
    reported: list[tuple[int, int]] = []
    monkeypatch.setenv("SAAS_CUBE_WORKERS", "2")
    monkeypatch.setattr(tasks, "tenant_cube", lambda years: built.append(list(years)))
    monkeypatch.setattr(
        tasks, "progress", lambda done, total, phase, force=False: reported.append((done, total))
    )
    assert tasks.protect_years([2024, 2021, 2023, 2022, 2023], "/marl/impact/") == {
        "redirect": "/marl/impact/"
    }
    assert built == [[2021, 2022], [2023, 2024]]
    assert reported == [(0, 4), (2, 4), (4, 4)]


@pytest.mark.redis
def test_without_redis_the_page_says_what_could_not_run(
    app: Flask, auth: Any, marl: Any, request_atoms: Any
) -> None:
    """Jobs on, Redis gone: a 503 that speaks of this page's disclosure control, not of the
    "large files" of an import."""
    from saas.jobs import queue

    request_atoms(0)
    for target in (app, current_app):
        target.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
        with target.app_context():
            queue.close()
    response = auth("admin").get(f"/marl/impact/{office_id(marl, 'stb-drewer-nord')}")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Geheimhaltung dieser Seite wird im Hintergrund berechnet" in text
    assert "Große Dateien" not in text
