"""Upload limits and background jobs, measured with the hostile and the big files of issue 10.

    .venv/bin/python bench/uploads.py            # BENCH_RUNS=3, BENCH_REDIS_URL=…/1 by default

Each file is posted in a fresh process (as one gunicorn worker would receive it) to the page
that takes it — figures import as Marl's coordinator, profile upload in the onboarding wizard
as the platform admin — on a SQLite copy of the migrated demo database (no figures), with
background jobs on (``SAAS_JOBS``, Redis at ``BENCH_REDIS_URL``, default thresholds). A file
over the job threshold is only stored by the request and checked by a job; the job then runs
in a fresh worker process of its own (an RQ worker in burst mode, as ``flask jobs worker``
runs it). A valid file of 117,000 rows goes the whole way: upload, check job, "Übernehmen"
(apply job), and an export of every value (export job).

Printed per step: HTTP status, seconds of the request and the request process's peak memory
(max RSS: the app and the uploaded bytes), then, where a job ran, its outcome, seconds and the
worker process's peak memory. The floor, measured in the same run, is the same request with a
small valid file; ratios are against it. The worker timeout requests must stay under is
gunicorn's 30 s; jobs have ``SAAS_JOB_TIMEOUT_SECONDS`` (900 s).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "demo"  # noqa: S105 - the demo accounts of a throwaway database
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")

CONFIG = r"""
import io, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from saas import create_app
url, redis_url, kind, path = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URL": url,
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                  "SAAS_LOCKOUT_ENABLED": False, "SAAS_DEMO_PASSWORD": "demo",
                  "SAAS_JOBS": True, "REDIS_URL": redis_url})
def peak():
    # VmHWM: this process's own peak RSS (ru_maxrss would carry over the forking parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

WORKER = (
    CONFIG
    + r"""
client = app.test_client()
data = open(path, "rb").read() if kind in ("figures", "profile") else b""
if kind != "profile":
    client.post("/marl/login", data={"email": "coordinator@marl.example", "password": "demo"})
    client.get("/marl/figures/import")
if kind == "figures":
    started = time.perf_counter()
    upload = {"file": (io.BytesIO(data), path.rsplit("/", 1)[-1])}
    response = client.post(
        "/marl/figures/import", data=upload, content_type="multipart/form-data"
    )
elif kind == "apply":
    started = time.perf_counter()
    response = client.post(f"/marl/figures/import/{path}/apply", data={})
elif kind == "export":
    started = time.perf_counter()
    response = client.get("/marl/figures/export.xlsx")
else:
    admin = {"email": "platform@sozialraum.example", "password": "demo"}
    client.post("/platform/login", data=admin)
    basics = {"name": "Bench", "slug": "bench", "default_locale": "de"}
    start = client.post("/platform/onboard/", data=basics)
    tenant_id = start.headers["Location"].rstrip("/").split("/")[-2]
    started = time.perf_counter()
    response = client.post(f"/platform/onboard/{tenant_id}/profile",
                           data={"source": "upload", "files": [(io.BytesIO(data), "tenant.yaml")]},
                           content_type="multipart/form-data")
seconds = time.perf_counter() - started
location = response.headers.get("Location", "")
job = location.rsplit("/", 1)[-1] if "/jobs/" in location else ""
print(json.dumps({"status": response.status_code, "seconds": seconds, "peak_mib": peak(),
                  "job": job}))
"""
)

JOB = (
    CONFIG
    + r"""
with app.app_context():
    from rq.job import Job
    from saas.jobs import queue
    from saas.jobs.worker import make_worker
    started = time.perf_counter()
    make_worker(fork=False).work(burst=True, logging_level="ERROR")
    seconds = time.perf_counter() - started
    job = Job.fetch(path, connection=queue.connection())
    result = job.return_value() or {}
    outcome = str(getattr(job.get_status(), "value", job.get_status()))
    if "file" in result:
        outcome = f"file {result['file']['size'] / 1e6:.1f} MB"
    elif "error" in result:
        outcome = "error"
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mib": peak(), "result": result}))
"""
)


def build_database(folder: Path) -> str:
    from flask_migrate import upgrade

    from saas import create_app
    from saas.core.db import db

    url = f"sqlite:///{folder}/template.sqlite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MIGRATION_DATABASE_URL": url,
            "SAAS_DEMO_PASSWORD": PASSWORD,
        }
    )
    with app.app_context():
        upgrade()
        from saas.demo import load_demo

        load_demo(echo=lambda _m: None, figures=False)
        db.session.remove()
        db.engine.dispose()
    return str(folder / "template.sqlite")


#: Marl's demo areas and the monthly metrics of the catalogue that are neither a part nor a
#: total of others (no part ≤ total checks between the rows)
MARL_AREAS = 13
INDEPENDENT = (
    "EB_RUN", "EB_NEW", "EB_END", "EGH35A_RUN", "EGH35A_NEW", "EGH35A_END",
    "ION_COUNT", "KWG8A_COUNT", "HZE_EXP_TOTAL", "SRO_OTHER_HELP",
)  # fmt: skip
VALID = "CSV, 117,000 valid rows (job path)"


def valid_file(folder: Path, database: str) -> Path:
    """13 areas × 10 metrics × 900 months (1950–2024): every row valid, no warning."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        codes = [
            code
            for (code,) in connection.execute(
                "SELECT a.code FROM areas a JOIN tenants t ON t.id = a.tenant_id"
                " WHERE t.slug = 'marl' ORDER BY a.code"
            )
        ]
    assert len(codes) == MARL_AREAS, codes
    path = folder / "valid-117k.csv"
    with path.open("w") as out:
        out.write("area_code,metric_code,period,value\n")
        for index, area in enumerate(codes):
            for metric in INDEPENDENT:
                for year in range(1950, 2025):
                    for month in range(1, 13):
                        out.write(f"{area},{metric},{year}-{month:02d},{10 + index}\n")
    return path


def make_files(folder: Path, database: str) -> dict[str, tuple[str, Path]]:
    """name → (page kind, file)."""
    from openpyxl import Workbook

    files: dict[str, tuple[str, Path]] = {}
    header = "area_code,metric_code,period,value\n"
    small = folder / "floor.csv"
    small.write_text(header + "".join(f"X{i},hze_34,2024-01,{i}\n" for i in range(20)))
    files["floor: 20-row CSV"] = ("figures", small)
    files[VALID] = ("figures", valid_file(folder, database))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["area_code", "metric_code", "period", "value"])
    for i in range(300_000):
        sheet.append([f"A{i % 97}", "hze_34", f"20{10 + i % 15}-{1 + i % 12:02d}", i % 9])
    path = folder / "rows-300k.xlsx"
    workbook.save(path)
    files["XLSX, 300,000 rows"] = ("figures", path)

    line = "A1,hze_34,2024-01,1\n"
    path = folder / "legal-49mb.csv"
    with path.open("w") as out:
        out.write(header)
        out.write(line * ((49 * 1024 * 1024) // len(line)))
    files["CSV, 49 MB (under the 50 MB cap)"] = ("figures", path)
    path = folder / "big-51mb.csv"
    with path.open("w") as out:
        out.write(header)
        out.write(line * ((51 * 1024 * 1024) // len(line)))
    files["CSV, 51 MB"] = ("figures", path)

    buffer = io.BytesIO()
    tiny = Workbook()
    tiny.active.append(["area_code", "metric_code", "period", "value"])
    tiny.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path = folder / "shared-strings-bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item, source.read(item.filename))
        body = b"<si><t>" + b"x" * 1000 + b"</t></si>"
        target.writestr("xl/sharedStrings.xml", b"<sst>" + body * (1_300_000) + b"</sst>")
    files[f"XLSX, {path.stat().st_size / 1e6:.1f} MB, shared strings inflating to 1.3 GB"] = (
        "figures",
        path,
    )

    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    path = folder / "alias-bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    files[f"YAML alias bomb, {path.stat().st_size / 1e3:.1f} KB"] = ("profile", path)
    path = folder / "deep.yaml"
    path.write_text("x: " + "[" * 100_000 + "]" * 100_000 + "\n")
    files["YAML nested 100,000 deep"] = ("profile", path)
    return files


def _python(script: str, *args: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return {"status": -1, "outcome": "crash", "seconds": time.perf_counter() - started}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def clear_queue() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [*client.scan_iter(match="rq:*"), *client.scan_iter(match="saas:jobs:*")]
    if keys:
        client.delete(*keys)
    client.close()


def step(url: str, kind: str, arg: str) -> dict[str, Any]:
    """One request, then the job it queued (if any) in a worker process of its own."""
    clear_queue()
    measured = _python(WORKER, url, REDIS_URL, kind, arg)
    if measured.get("job"):
        run = _python(JOB, url, REDIS_URL, "job", measured["job"])
        redirect = run.get("result", {}).get("redirect", "")
        if redirect:  # the batch's page: what became of the file
            import sqlite3

            run["batch"] = int(redirect.rsplit("/", 1)[-1])
            with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                (status,) = connection.execute(
                    "SELECT status FROM import_batches WHERE id = ?", (run["batch"],)
                ).fetchone()
            run["outcome"] = f"batch {status}"
        measured["job_run"] = run
    return measured


def measure(database: str, folder: Path, name: str, kind: str, path: Path) -> list[Any]:
    """(step name, measurement) of a file: its upload, for the valid file the whole way."""
    copy = folder / "run.sqlite"
    shutil.copyfile(database, copy)
    url = f"sqlite:///{copy}"
    steps = [(name, step(url, kind, str(path)))]
    if name == VALID:
        batch = steps[0][1].get("job_run", {}).get("batch")
        if batch:
            steps.append(("  Übernehmen (apply job)", step(url, "apply", str(batch))))
            steps.append(("  export XLSX of every value (export job)", step(url, "export", "")))
    return steps


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = build_database(folder)
        files = make_files(folder, database)
        results: dict[str, list[dict[str, Any]]] = {}
        for _run in range(RUNS):
            for name, (kind, path) in files.items():
                for label, measured in measure(database, folder, name, kind, path):
                    results.setdefault(label, []).append(measured)
        floor = statistics.median(r["seconds"] for r in results["floor: 20-row CSV"])
        print(
            f"{'step':58} {'status':>6} {'request s (runs)':>20} {'× floor':>8} {'MiB':>6}"
            f"  {'job outcome':>18} {'job s (runs)':>22} {'job MiB':>8}"
        )
        worst = 0.0
        for name, runs in results.items():
            seconds = [r["seconds"] for r in runs]
            worst = max(worst, *seconds)
            statuses = ",".join(map(str, sorted({int(r["status"]) for r in runs})))
            line = (
                f"{name:58} {statuses:>6} {'/'.join(f'{s:.2f}' for s in seconds):>20} "
                f"{statistics.median(seconds) / floor:8.1f} "
                f"{max(r.get('peak_mib', 0) for r in runs):6.0f}"
            )
            jobs = [r["job_run"] for r in runs if "job_run" in r]
            if jobs:
                outcomes = ",".join(sorted({j["outcome"] for j in jobs}))
                job_seconds = "/".join(f"{j['seconds']:.1f}" for j in jobs)
                line += (
                    f"  {outcomes:>18} {job_seconds:>22} "
                    f"{max(j.get('peak_mib', 0) for j in jobs):8.0f}"
                )
            print(line)
        verdict = "under" if worst < 30 else "OVER"
        print(f"slowest request {worst:.1f} s: {verdict} the 30 s worker timeout")


if __name__ == "__main__":
    main()
