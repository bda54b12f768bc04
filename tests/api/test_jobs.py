"""A run over large cold years is not computed in the request: 202 and a job to follow, as
the report page sends the browser to the job page (tests/impact/test_background.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, current_app

from saas.protection import service
from tests.api.conftest import Api, make_token
from tests.impact.test_background import _forget_every_cube
from tests.jobs import conftest as jobs
from tests.jobs.conftest import run_worker
from tests.reports.conftest import shared

jobs_on = jobs.jobs_on


@pytest.fixture
def cold(app: Flask, jobs_on: dict[str, Any], redis_url: str) -> Iterator[None]:
    """Jobs on, no year of the cube built anywhere, and any cold year too large for a request."""
    for config in (app.config, current_app.config):
        config["SAAS_CUBE_REQUEST_ATOMS"] = 0
    _forget_every_cube(redis_url)
    yield
    _forget_every_cube(redis_url)


@pytest.mark.redis
def test_a_run_over_cold_years_answers_202_and_its_job_says_when_to_ask_again(
    app: Flask, api: Api, cold: None
) -> None:
    token = make_token("coordinator@marl.example")
    path = f"/reports/run?template={shared('entwicklung-hze').id}&from=2015&to=2024"
    first = api.get(path, token)
    assert first.status_code == 202
    job = first.get_json()["job"]
    assert first.headers["Location"] == job["url"] == f"/api/v1/jobs/{job['id']}"
    waiting = api.get(f"/jobs/{job['id']}", token).get_json()
    assert waiting["status"] == "queued" and waiting["result_url"] is None
    # another user of the tenant, and another tenant, do not see the job
    assert api.get(f"/jobs/{job['id']}", make_token("admin@marl.example")).status_code == 404
    hamm = make_token("admin@hamm.example", "hamm")
    assert api.get(f"/jobs/{job['id']}", hamm).status_code == 404
    assert run_worker()
    done = api.get(f"/jobs/{job['id']}", token).get_json()
    assert done["status"] == "finished" and done["percent"] == 100
    assert done["result_url"] == f"/api/v1{path}"
    with service._LOCK:  # another gunicorn worker: nothing in memory, the years in the store
        service._CACHE.clear()
    again = api.get(path, token)
    assert again.status_code == 200 and again.get_json()["last_year"] == 2024


def test_without_background_jobs_the_request_computes_the_run(app: Flask, api: Api) -> None:
    token = make_token("coordinator@marl.example")
    path = f"/reports/run?template={shared('entwicklung-hze').id}&from=2023&to=2024"
    assert api.get(path, token).status_code == 200
