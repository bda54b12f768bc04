"""How long `flask demo` takes on a fresh SQLite database (issue: under a minute).

    .venv/bin/python bench/demo_load.py

Migrates a temporary database, then times the demo load (three profiles, accounts, ten years
of synthetic figures and activities), and, as the floor measured in the same run, a bare
executemany of the same number of rows into a table of the same width.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from saas import create_app  # noqa: E402
from saas.core.db import db  # noqa: E402
from saas.core.tenancy import all_tenants  # noqa: E402
from saas.figures.models import FigureValue  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URL": url})
        with app.app_context():
            upgrade()
            from saas.demo import load_demo

            started = time.perf_counter()
            load_demo(echo=lambda _m: None)
            demo_seconds = time.perf_counter() - started
            with all_tenants():
                values = db.session.execute(
                    select(func.count()).select_from(FigureValue)
                ).scalar_one()
        floor_db = sqlite3.connect(f"{tmp}/floor.sqlite")
        floor_db.execute(
            "CREATE TABLE f (id INTEGER PRIMARY KEY, tenant_id INT, metric_id INT, area_id INT,"
            " period TEXT, value REAL, source TEXT, version INT, created_at TEXT, updated_at TEXT)"
        )
        rows = [
            (1, i % 52, i % 90, "2024-01", float(i), "synthetic", 1, "x", "x")
            for i in range(values)
        ]
        started = time.perf_counter()
        floor_db.executemany(
            "INSERT INTO f (tenant_id, metric_id, area_id, period, value, source, version,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
        floor_db.commit()
        floor_seconds = time.perf_counter() - started
    print(f"demo load: {demo_seconds:.1f} s for {values} figure values (+ activities)")
    print(f"floor (bare executemany of {values} rows): {floor_seconds:.2f} s")
    print(f"ratio demo / floor: {demo_seconds / floor_seconds:.1f}")
    print("target: demo load under 60 s →", "met" if demo_seconds < 60 else "NOT met")


if __name__ == "__main__":
    main()
