"""Upload limits, measured with the hostile and the big files of issue 10.

    .venv/bin/python bench/uploads.py            # BENCH_RUNS=3 by default

Each file is posted in a fresh process (as one gunicorn worker would receive it) to the page
that takes it — figures import as Marl's coordinator, profile upload in the onboarding wizard
as the platform admin — on a SQLite copy of the migrated demo database (no figures). Printed
per file: HTTP status, seconds of the request, and the worker's peak memory (max RSS of the
process, which holds the app and the uploaded bytes). The floor, measured in the same run, is
the same request with a small valid file; ratios are against it. The worker timeout the
limits must stay under is gunicorn's 30 s.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "demo"  # noqa: S105 - the demo accounts of a throwaway database
RUNS = int(os.environ.get("BENCH_RUNS", "3"))

WORKER = r"""
import io, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from saas import create_app
url, kind, path = sys.argv[2], sys.argv[3], sys.argv[4]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URL": url,
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                  "SAAS_LOCKOUT_ENABLED": False, "SAAS_DEMO_PASSWORD": "demo"})
client = app.test_client()
data = open(path, "rb").read()
if kind == "figures":
    client.post("/marl/login", data={"email": "coordinator@marl.example", "password": "demo"})
    client.get("/marl/figures/import")
    started = time.perf_counter()
    upload = {"file": (io.BytesIO(data), path.rsplit("/", 1)[-1])}
    response = client.post(
        "/marl/figures/import", data=upload, content_type="multipart/form-data"
    )
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
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak = after / 1024  # the worker's peak RSS (ru_maxrss is in KiB on Linux)
print(json.dumps({"status": response.status_code, "seconds": seconds, "peak_mib": peak}))
"""


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


def make_files(folder: Path) -> dict[str, tuple[str, Path]]:
    """name → (page kind, file)."""
    from openpyxl import Workbook

    files: dict[str, tuple[str, Path]] = {}
    header = "area_code,metric_code,period,value\n"
    small = folder / "floor.csv"
    small.write_text(header + "".join(f"X{i},hze_34,2024-01,{i}\n" for i in range(20)))
    files["floor: 20-row CSV"] = ("figures", small)

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


def measure(database: str, folder: Path, kind: str, path: Path) -> dict[str, float]:
    copy = folder / "run.sqlite"
    shutil.copyfile(database, copy)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", WORKER, str(ROOT), f"sqlite:///{copy}", kind, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        return {"status": -1, "seconds": time.perf_counter() - started, "peak_mib": 0.0}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = build_database(folder)
        files = make_files(folder)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in files}
        for _run in range(RUNS):
            for name, (kind, path) in files.items():
                results[name].append(measure(database, folder, kind, path))
        floor = statistics.median(r["seconds"] for r in results["floor: 20-row CSV"])
        print(f"{'file':58} {'status':>6} {'seconds (runs)':>24} {'× floor':>8} {'peak MiB':>10}")
        for name, runs in results.items():
            seconds = [r["seconds"] for r in runs]
            statuses = sorted({int(r["status"]) for r in runs})
            spread = "/".join(f"{s:.2f}" for s in seconds)
            ratio = statistics.median(seconds) / floor
            memory = max(r["peak_mib"] for r in runs)
            print(
                f"{name:58} {','.join(map(str, statuses)):>6} {spread:>24} {ratio:8.1f} "
                f"{memory:10.0f}"
            )
        worst = max(max(r["seconds"] for r in runs) for runs in results.values())
        verdict = "under" if worst < 30 else "OVER"
        print(f"slowest request {worst:.1f} s: {verdict} the 30 s worker timeout")


if __name__ == "__main__":
    main()
