"""A large ring export (CSV/XLSX) is written by a background job, as the reports' and the
figures' large exports: the request queues it and the job page offers the file; a small one
is written in the request. Both give the same file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, current_app

from tests.comparison.conftest import leave_all, ring
from tests.comparison.test_pages import ALL_INDICATORS, published  # noqa: F401
from tests.jobs import conftest as jobs
from tests.jobs.conftest import run_worker

jobs_on = jobs.jobs_on

pytestmark = pytest.mark.redis


@pytest.fixture
def job_cells(app: Flask, jobs_on: dict[str, Any]) -> Iterator[Any]:
    def limit(cells: int) -> None:
        for config in (app.config, current_app.config):
            config["SAAS_RING_EXPORT_JOB_CELLS"] = cells

    yield limit


def _url(fmt: str) -> str:
    return (
        f"/marl/comparison/{ring('nrw-staedte').id}/export.{fmt}?{ALL_INDICATORS}"
        "&counts=absolute&year_from=2023"
    )


def _rows(data: bytes, fmt: str) -> list[list[Any]]:
    if fmt == "csv":
        return [line.split(";") for line in data.decode("utf-8-sig").splitlines()]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_ring_export_is_written_by_a_job(published, auth, job_cells, fmt):  # noqa: F811
    job_cells(10**9)
    client = auth("viewer", "marl")
    direct = client.get(_url(fmt))
    assert direct.status_code == 200 and "attachment" in direct.headers["Content-Disposition"]

    job_cells(3)  # 2 municipalities × 1 year × 4 indicators = 8 values: more than 3
    first = client.get(_url(fmt))
    assert first.status_code == 303, first.status_code
    assert "/marl/jobs/" in first.location
    waiting = client.get(first.location)
    assert waiting.status_code == 200
    assert "Vergleich NRW-Städte als " + fmt.upper() in waiting.get_data(as_text=True)
    assert run_worker()
    done = client.get(first.location)
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert f"vergleich-nrw-staedte.{fmt}" in page
    download = client.get(first.location + "/download")
    assert download.status_code == 200
    assert f"vergleich-nrw-staedte.{fmt}" in download.headers["Content-Disposition"]
    # the job's file is the request's: same indicators, years, units and numbers
    assert _rows(download.data, fmt) == _rows(direct.data, fmt)
    assert any(row[2] == "Stadt Marl" and row[3] in ("550", 550) for row in _rows(direct.data, fmt))


def test_a_small_ring_export_stays_in_the_request(published, auth, job_cells):  # noqa: F811
    job_cells(8)  # exactly 8 values: not more
    response = auth("viewer", "marl").get(_url("xlsx"))
    assert response.status_code == 200
    assert response.data[:2] == b"PK"


def test_the_job_checks_the_participation_again(published, auth, job_cells):  # noqa: F811
    """A municipality that left the ring between the request and the job gets no file."""
    job_cells(0)
    client = auth("viewer", "marl")
    first = client.get(_url("xlsx"))
    assert first.status_code == 303
    leave_all(published["marl"])
    assert run_worker()
    done = client.get(first.location)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "/download" not in html
    assert client.get(first.location + "/download").status_code == 404


def test_a_non_participant_queues_nothing(published, auth, job_cells):  # noqa: F811
    job_cells(0)
    client = auth("admin", "rv-saarbruecken")
    url = f"/rv-saarbruecken/comparison/{ring('nrw-staedte').id}/export.xlsx"
    assert client.get(url).status_code == 404


def test_without_redis_a_large_ring_export_says_so(published, auth, app, job_cells):  # noqa: F811
    """Jobs on, Redis gone: a 503 that speaks of the download, not of an import's files."""
    from saas.jobs import queue

    job_cells(3)
    for target in (app, current_app):
        target.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
        with target.app_context():
            queue.close()
    response = auth("viewer", "marl").get(_url("csv"))
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Downloads werden im Hintergrund erstellt" in text and "Große Dateien" not in text
