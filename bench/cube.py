"""One cold build of the protected disclosure cube (saas/protection/) on demo figures.

    .venv/bin/python bench/cube.py                       # RV Saarbrücken, 2024, three runs
    BENCH_TENANT=marl BENCH_YEAR=2020 .venv/bin/python bench/cube.py
    BENCH_YEARS=2015-2024 .venv/bin/python bench/cube.py # also all ten years, 1 and 2 workers

Migrates a temporary SQLite database, imports the demo profiles and generates one tenant's
synthetic figures up to December 2024 (as the tests do), then, inside the tenant's scope,
builds the cube of one year cold ``BENCH_RUNS`` times (default 3; the in-memory cache emptied
before each, no store shared through Redis, one process). Floors measured in the same run:

* *read*: reading the year's figures the cube is built from (the engine's aggregate into
  atoms, :func:`saas.protection.service._atoms`) — what an output costs without protection;
* *LP*: one feasible interval (a minimum and a maximum by linear programming) of one cell of
  the year's largest block, every other cell shown — the unit of work the protection repeats.

Prints seconds, the number of intervals computed, and the ratios build / floor. With
``BENCH_YEARS=FIRST-LAST`` it also builds those years cold with one and with two worker
processes (:func:`saas.protection.service._build`) and checks that both give the same cells.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TENANT = os.environ.get("BENCH_TENANT") or "rv-saarbruecken"
YEAR = int(os.environ.get("BENCH_YEAR") or 2024)
RUNS = int(os.environ.get("BENCH_RUNS") or 3)
SPAN = os.environ.get("BENCH_YEARS") or ""


def _median(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from saas import create_app
    from saas.core.db import db
    from saas.core.tenancy import all_tenants, tenant_scope
    from saas.demo import load_demo
    from saas.demo.generator import generate_demo_data
    from saas.protection import cube as cube_module
    from saas.protection import service
    from saas.tenants.models import Tenant

    counted = {"intervals": 0}
    original_interval = cube_module.interval

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted["intervals"] += 1
        return original_interval(*args, **kwargs)

    cube_module.interval = counting  # the build's own calls go through the module global

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URL": url, "REDIS_URL": None}
        )
        with app.app_context():
            upgrade()
            load_demo(echo=lambda _m: None, figures=False)
            with all_tenants():
                tenant = db.session.execute(
                    select(Tenant).where(Tenant.slug == TENANT)
                ).scalar_one()
            started = time.perf_counter()
            generate_demo_data(tenant, until=(2024, 12))
            db.session.commit()
            print(f"{TENANT}: figures generated in {time.perf_counter() - started:.0f} s")
            with tenant_scope(tenant):
                os.environ["SAAS_CUBE_WORKERS"] = "1"
                builds, reads, lps, intervals = [], [], [], []
                for _run in range(RUNS):
                    service._CACHE.clear()
                    counted["intervals"] = 0
                    started = time.perf_counter()
                    result = service.tenant_cube([YEAR], tenant)
                    builds.append(time.perf_counter() - started)
                    intervals.append(counted["intervals"])
                    started = time.perf_counter()
                    atoms = service._atoms([YEAR])[YEAR]
                    reads.append(time.perf_counter() - started)
                    lps.append(_one_interval(result.years[YEAR], atoms))
                year = result.years[YEAR]
                print(
                    f"year {YEAR}: {len(atoms)} atoms, {len(year.layout.nodes)} nodes, "
                    f"{len(year.values)} cells, {len(year.primary)} primary and "
                    f"{len(year.secondary)} secondary withheld (as atom sets)"
                )
                print(f"cold build of one year, s: {_median(builds)}; intervals {intervals}")
                print(f"floor read (the year's atoms), s: {_median(reads)}")
                print(f"floor LP (one interval, largest block), s: {_median(lps)}")
                print(
                    "ratio build / read: "
                    + _median([b / r for b, r in zip(builds, reads, strict=True)])
                )
                print(
                    "ratio build / LP: "
                    + _median([b / lp for b, lp in zip(builds, lps, strict=True)])
                )
                if SPAN:
                    first, last = (int(y) for y in SPAN.split("-"))
                    _span(service, tenant, list(range(first, last + 1)))


def _one_interval(year: Any, atoms: Any) -> float:
    """One feasible interval of a withheld cell of the largest block, all shown cells known."""
    from saas.protection.cube import Problem, blocks, interval

    layout = year.layout
    kinds = max(blocks(layout), key=len)
    problem = Problem.of(layout, atoms, kinds)
    canon_values = {layout.canon(k): v for k, v in year.values.items()}
    equations = [
        (problem.row(c), v or 0.0, c)
        for c, v in canon_values.items()
        if c not in year.primary and c not in year.secondary and problem.covers(c)
    ]
    target = next(
        (c for c in sorted(year.primary, key=str) if problem.covers(c)),
        next(iter(canon_values)),
    )
    started = time.perf_counter()
    interval(problem, equations, problem.row(target))
    return time.perf_counter() - started


def _span(service: Any, tenant: Any, years: list[int]) -> None:
    cells = {}
    for workers in ("1", "2"):
        os.environ["SAAS_CUBE_WORKERS"] = workers
        service._CACHE.clear()
        started = time.perf_counter()
        result = service.tenant_cube(years, tenant)
        took = time.perf_counter() - started
        cells[workers] = {y: (c.primary, c.secondary) for y, c in result.years.items()}
        print(f"{years[0]}–{years[-1]} cold with {workers} worker(s): {took:.1f} s")
    print("same cells with 1 and 2 workers:", cells["1"] == cells["2"])


if __name__ == "__main__":
    main()
