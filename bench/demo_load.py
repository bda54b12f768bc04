"""How long `flask demo` takes on a fresh database (issue: under a minute).

    .venv/bin/python bench/demo_load.py                        # SQLite, one run
    BENCH_RUNS=3 .venv/bin/python bench/demo_load.py           # three runs
    BENCH_BACKEND=postgresql .venv/bin/python bench/demo_load.py

Each run is a fresh process on a freshly migrated database (as `flask demo` on a new machine:
nothing cached in memory from an earlier run). SQLite: a temporary file. PostgreSQL: its own
database ``bench_demo`` next to the one in ``BENCH_DATABASE_URL`` (never touches that one),
migrated as the owner; the demo is loaded as a runtime role without superuser rights or
BYPASSRLS, as in production. Dropped at the end.

Times the demo load (three profiles, accounts, ten years of synthetic figures and activities,
the demo rings and their publications — which build the protected disclosure cube of every
published year) and its phases, and, as the floor measured in the same run, a bare
executemany of the same number of rows into a table of the same width on the same backend.
Without ``REDIS_URL``: every cube is built cold (the store shared by the processes is off).
Prints the wall time and the CPU time of the loading process itself (steadier on a shared
machine; neither the database server's CPU nor that of the cube's worker processes is in it).
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BACKEND = os.environ.get("BENCH_BACKEND") or "sqlite"
RUNS = int(os.environ.get("BENCH_RUNS") or 1)
DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
PG_DB = "bench_demo"
PG_ROLE = "sozialraum_bench_demo"
PG_ROLE_PASSWORD = "bench-demo-pw"  # noqa: S105 (throwaway, dropped at the end)
TARGET = 60.0
#: the phases, by the first words of the demo's own progress lines
PHASES = (
    ("profiles", "Profil "),
    ("figures", "Synthetische Demodaten "),
    ("publication", "Vergleichsring-Veröffentlichung "),
)


def _rows(values: int) -> list[tuple[object, ...]]:
    return [
        (1, i % 52, i % 90, "2024-01", float(i), "synthetic", 1, "x", "x") for i in range(values)
    ]


def _sqlite_floor(tmp: str, values: int) -> float:
    import sqlite3

    floor_db = sqlite3.connect(f"{tmp}/floor.sqlite")
    floor_db.execute(
        "CREATE TABLE f (id INTEGER PRIMARY KEY, tenant_id INT, metric_id INT, area_id INT,"
        " period TEXT, value REAL, source TEXT, version INT, created_at TEXT, updated_at TEXT)"
    )
    rows = _rows(values)
    started = time.perf_counter()
    floor_db.executemany(
        "INSERT INTO f (tenant_id, metric_id, area_id, period, value, source, version,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )
    floor_db.commit()
    return time.perf_counter() - started


def _pg_floor(owner_url: str, values: int) -> float:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(owner_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database
    ) as conn:
        conn.execute(
            "CREATE TABLE bench_floor (id serial PRIMARY KEY, tenant_id int, metric_id int,"
            " area_id int, period text, value double precision, source text, version int,"
            " created_at text, updated_at text)"
        )
        rows = _rows(values)
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_floor (tenant_id, metric_id, area_id, period, value, source,"
                " version, created_at, updated_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                rows,
            )
        conn.commit()
        return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished child processes:
    steadier than the wall clock on a shared machine, but blind to the database server and
    to the cube's worker processes (children of the fork server, not of this process) — so
    it is the loader's own CPU, comparable only between runs that build the cube inline."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_run() -> dict[str, object]:
    """One demo load in this process on a fresh database: seconds, phases, floor."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from saas import create_app
    from saas.core.db import db
    from saas.core.tenancy import all_tenants
    from saas.figures.models import FigureValue

    stamps: list[tuple[str, float]] = []
    started = 0.0

    def echo(line: str) -> None:
        stamps.append((line, time.perf_counter() - started))

    with tempfile.TemporaryDirectory() as tmp:
        owner_url = app_url = f"sqlite:///{tmp}/bench.sqlite"
        extra: dict[str, object] = {}
        if BACKEND == "postgresql":
            from bench import _pg

            owner_url, app_url, _reused = _pg.create_database(
                os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL,
                PG_DB,
                PG_ROLE,
                PG_ROLE_PASSWORD,
                reuse=False,
            )
            os.environ["SAAS_DB_APP_ROLE"] = PG_ROLE
            extra = {"SAAS_DB_APP_ROLE": PG_ROLE}
            setup = create_app(
                {"SQLALCHEMY_DATABASE_URI": owner_url, "MIGRATION_DATABASE_URL": owner_url, **extra}
            )
            with setup.app_context():
                upgrade()
                db.session.remove()
                db.engine.dispose()
        # no REDIS_URL: no cube shared by an earlier run (the same figures give the same key)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app_url,
                "MIGRATION_DATABASE_URL": owner_url,
                "REDIS_URL": None,
                **extra,
            }
        )
        with app.app_context():
            if BACKEND != "postgresql":
                upgrade()
            from saas.demo import load_demo

            started = time.perf_counter()
            cpu_before = _cpu()
            load_demo(echo=echo)
            demo_seconds = time.perf_counter() - started
            cpu_seconds = _cpu() - cpu_before
            with all_tenants():
                values = db.session.execute(
                    select(func.count()).select_from(FigureValue)
                ).scalar_one()
            db.session.remove()
            db.engine.dispose()
        if BACKEND == "postgresql":
            floor_seconds = _pg_floor(owner_url, values)
        else:
            floor_seconds = _sqlite_floor(tmp, values)
    phases: dict[str, float] = {}
    previous = 0.0
    for name, prefix in PHASES:
        ends = [at for line, at in stamps if line.startswith(prefix)]
        if ends:
            phases[name] = ends[-1] - previous
            previous = ends[-1]
    phases["rest"] = demo_seconds - previous
    publication = {
        m.group(1): int(m.group(2))
        for line, _at in stamps
        if (m := re.match(r"Vergleichsring-Veröffentlichung (\S+): (\d+)", line))
    }
    return {
        "demo": demo_seconds,
        "cpu": cpu_seconds,
        "floor": floor_seconds,
        "values": values,
        "phases": phases,
        "published": publication,
        "lines": [f"{at:7.1f} s  {line}" for line, at in stamps],
    }


def _drop_pg() -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    admin = sa.create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"DROP ROLE IF EXISTS {PG_ROLE}"))
    admin.dispose()


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return (
        f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f};"
        f" runs {' / '.join(f'{v:.1f}' for v in values)})"
    )


def main() -> None:
    if "--one" in sys.argv:
        print(json.dumps(one_run()))
        return
    results = []
    try:
        for run in range(1, RUNS + 1):
            out = subprocess.run(
                [sys.executable, __file__, "--one"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            results.append(result)
            load = os.getloadavg()[0]
            print(
                f"run {run}: demo {result['demo']:.1f} s (CPU {result['cpu']:.1f} s), "
                f"floor {result['floor']:.2f} s, "
                f"ratio {result['demo'] / result['floor']:.1f}; phases "
                + ", ".join(f"{k} {v:.1f} s" for k, v in result["phases"].items())
                + f"; load average {load:.1f}",
                flush=True,
            )
    finally:
        if BACKEND == "postgresql":
            _drop_pg()
    demo = [r["demo"] for r in results]
    cpu = [r["cpu"] for r in results]
    floor = [r["floor"] for r in results]
    ratio = [r["demo"] / r["floor"] for r in results]
    print(f"backend: {BACKEND}, {len(results)} run(s), each a fresh process and database")
    print(f"demo load: {_spread(demo)} s for {results[-1]['values']} figure values")
    print(f"  CPU time of the loading process (not its cube workers): {_spread(cpu)} s")
    print(f"  published values per tenant: {results[-1]['published']}")
    for name in results[-1]["phases"]:
        print(f"  {name}: {_spread([r['phases'].get(name, 0.0) for r in results])} s")
    print(f"floor (bare executemany of the same number of rows): {_spread(floor)} s")
    print(f"ratio demo / floor: {_spread(ratio)}")
    median = statistics.median(demo)
    print(f"target: demo load under {TARGET:.0f} s →", "met" if median < TARGET else "NOT met")


if __name__ == "__main__":
    main()
