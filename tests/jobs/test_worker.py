"""Large imports and exports run as background jobs, with a real RQ worker (issue 10 §6,
issue 12 §2): progress on the job page, the same report as a synchronous import, files ready
for download, each job visible to its own user only, Redis down → a message, never a 500."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq.job import Job
from sqlalchemy import func, select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue, ImportBatch
from saas.jobs import queue
from tests.conftest import csrf_token, login, tenant
from tests.jobs.conftest import run_worker

pytestmark = pytest.mark.redis

AREAS = ("A1", "A2", "B-3")
METRICS = ("ION_COUNT", "MARL_LOCAL", "HZE_EXP_TOTAL")
PERIODS = [f"{y}-{m:02d}" for y in range(2015, 2025) for m in range(1, 13)]


def big_csv() -> bytes:
    """1,080 rows (3 areas × 3 metrics × 120 months), more than the test threshold of 500."""
    lines = ["area_code,metric_code,period,value"]
    lines += [
        f"{a},{m},{p},{10 + i % 3}" for a in AREAS for m in METRICS for i, p in enumerate(PERIODS)
    ]
    return ("\n".join(lines) + "\n").encode()


def upload(client: FlaskClient, data: bytes, name: str = "gross.csv") -> Any:
    token = csrf_token(client, "/marl/figures/import")
    return client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def job_id(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    match = re.fullmatch(r"/marl/jobs/([0-9a-f-]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def stored_count(marl: Any) -> int:
    db.session.rollback()
    with tenant_scope(marl):
        count = db.session.execute(select(func.count()).select_from(FigureValue)).scalar_one()
    db.session.rollback()
    return count


def words(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_large_import_is_checked_and_applied_by_the_worker(auth, marl, jobs_on) -> None:
    client = auth("coordinator", "marl")
    before = stored_count(marl)
    first = job_id(upload(client, big_csv()))
    waiting = client.get(f"/marl/jobs/{first}")
    html = waiting.get_data(as_text=True)
    assert waiting.status_code == 200
    # progress without JavaScript (meta refresh) and with the script of our own origin
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert '<progress class="job-bar" max="100" value="0"' in html
    assert "/static/js/jobs.js" in html
    assert client.get(f"/marl/jobs/{first}/status").get_json()["status"] == "queued"

    assert run_worker()
    job = Job.fetch(first, connection=queue.connection())
    assert job.meta["phase"] in ("checking", "comparing") and job.meta["done"] >= 1000
    preview = client.get(f"/marl/jobs/{first}")
    assert preview.status_code == 303, (job.get_status(), job.return_value(), words(preview))
    page = client.get(preview.headers["Location"])
    assert "1.080 neue Werte" in words(page) and "Es wurde noch nichts geschrieben." in words(page)
    assert stored_count(marl) == before  # nothing written before "Übernehmen"

    token = csrf_token(client, preview.headers["Location"])
    second = job_id(client.post(f"{preview.headers['Location']}/apply", data={"csrf_token": token}))
    assert run_worker()
    done = client.get(f"/marl/jobs/{second}")
    assert done.status_code == 303
    summary = words(client.get(done.headers["Location"]))
    assert "Import abgeschlossen. 1.080 neue Werte" in summary
    assert stored_count(marl) == before + 1080
    with tenant_scope(marl):  # applied as the coordinator who started it, content dropped
        batch = db.session.execute(select(ImportBatch)).scalar_one()
        assert batch.status == "applied" and batch.content == b""


def test_a_file_with_errors_gets_the_row_and_column_report(auth, marl, jobs_on) -> None:
    client = auth("coordinator", "marl")
    data = big_csv().replace(b"A2,ION_COUNT,2016-03,", b"NOWHERE,ION_COUNT,2016-03,")
    job = job_id(upload(client, data))
    run_worker()
    report = client.get(client.get(f"/marl/jobs/{job}").headers["Location"])
    assert report.status_code == 400
    text = words(report)
    assert "Die Datei wurde nicht importiert" in text
    line = 2 + len(METRICS) * len(PERIODS) + PERIODS.index("2016-03")  # A2's first metric
    assert f"{line} area_code Unbekanntes Gebiet „NOWHERE“." in text


def test_the_forking_worker_runs_jobs_too(auth, marl, jobs_on) -> None:
    """The deployed worker forks a work horse per job; its database pool starts fresh."""
    client = auth("coordinator", "marl")
    job = job_id(upload(client, big_csv()))
    assert run_worker(fork=True)
    assert client.get(f"/marl/jobs/{job}").status_code == 303


def test_large_export_is_written_by_the_worker_and_downloaded(auth, marl, store, jobs_on) -> None:
    client = auth("coordinator", "marl")
    job_id(upload(client, big_csv()))
    run_worker()
    preview = client.get("/marl/figures/import/1")
    assert preview.status_code == 200
    token = csrf_token(client, "/marl/figures/import/1")
    job_id(client.post("/marl/figures/import/1/apply", data={"csrf_token": token}))
    run_worker()

    export = job_id(client.get("/marl/figures/export.xlsx?from=2015-01&to=2024-12"))
    run_worker()
    page = client.get(f"/marl/jobs/{export}")
    assert page.status_code == 200 and "Die Datei ist fertig." in words(page)
    download = client.get(f"/marl/jobs/{export}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert "kennzahlen.xlsx" in download.headers["Content-Disposition"]
    # the file imports back without a change (synchronously: the XLSX is small)
    client.application.config["SAAS_IMPORT_JOB_BYTES"] = 10**8
    again = upload(client, download.data, "kennzahlen.xlsx")
    assert "0 neue Werte, 0 geänderte Werte" in words(client.get(again.headers["Location"]))


def test_a_report_pdf_is_rendered_by_the_worker(auth, jobs_on) -> None:
    from tests.reports.conftest import shared

    client = auth("coordinator", "marl")
    template = shared("entwicklung-hze")
    job = job_id(
        client.get(f"/marl/reports/run/export.pdf?template={template.id}&from=2020&to=2024")
    )
    run_worker()
    download = client.get(f"/marl/jobs/{job}/download")
    assert download.status_code == 200 and download.data[:5] == b"%PDF-"
    assert download.mimetype == "application/pdf"


def test_a_job_is_seen_by_its_own_user_only(app: Flask, auth, marl, jobs_on) -> None:
    client = auth("coordinator", "marl")
    job = job_id(upload(client, big_csv()))
    colleague = app.test_client()
    login(colleague, "admin@marl.example", "marl")
    assert colleague.get(f"/marl/jobs/{job}").status_code == 404
    assert colleague.get(f"/marl/jobs/{job}/status").status_code == 404
    stranger = app.test_client()
    login(stranger, "admin@hamm.example", "hamm")
    assert stranger.get(f"/hamm/jobs/{job}").status_code == 404
    assert stranger.get(f"/hamm/jobs/{job}/download").status_code == 404
    assert client.get("/marl/jobs/not-a-job").status_code == 404


def test_a_job_runs_as_its_user_and_is_refused_when_the_right_is_gone(
    app: Flask, auth, marl, jobs_on
) -> None:
    """The worker acts as the user who started the job, not as the system."""
    from saas.auth.models import Membership, User
    from saas.core.tenancy import all_tenants

    client = auth("coordinator", "marl")
    job = job_id(upload(client, big_csv()))
    with all_tenants():
        user = db.session.execute(
            select(User).where(User.email == "coordinator@marl.example")
        ).scalar_one()
        membership = db.session.execute(
            select(Membership).where(
                Membership.user_id == user.id, Membership.tenant_id == tenant("marl").id
            )
        ).scalar_one()
        membership.role = "viewer"  # viewers may not enter figures
        db.session.commit()
    run_worker()
    state = Job.fetch(job, connection=queue.connection())
    assert state.return_value() == {"error": "Dafür fehlt Ihnen die Berechtigung."}
    with tenant_scope(marl):  # the file was not checked: its batch still waits
        assert db.session.execute(select(ImportBatch.status)).scalar_one() == "queued"


def test_redis_down_gives_a_message_not_a_500(app: Flask, auth, marl, jobs_on) -> None:
    from flask import current_app

    for target in (app, current_app):
        target.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
        with target.app_context():
            queue.close()
    client = auth("coordinator", "marl")
    response = upload(client, big_csv())
    assert response.status_code == 503
    assert "Hintergrundverarbeitung nicht erreichbar" in words(response)
    with tenant_scope(marl):
        assert db.session.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 0
    assert client.get("/marl/jobs/0123abcd").status_code == 503
    small = upload(client, b"area_code,metric_code,period,value\nA1,ION_COUNT,2023-01,4\n")
    assert small.status_code == 303  # small files need no worker
