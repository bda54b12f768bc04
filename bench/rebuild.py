"""The one-off rebuild of a year's protected cube after a new publication record.

    .venv/bin/python bench/rebuild.py                        # RV Saarbrücken 2024, three runs
    BENCH_TENANT=marl BENCH_YEAR=2024 BENCH_RUNS=5 .venv/bin/python bench/rebuild.py

A year's cube (saas/protection/) is keyed by its inputs, the year's publication records among
them (a comparison publication's ``PublishedProtection``, a report snapshot): the first output
after a new record builds the year again, with the record as an earlier publication. This
measures that rebuild for one demo tenant's year.

Migrates a temporary SQLite database, imports the demo profiles and generates the tenant's
synthetic figures from January of ``BENCH_YEAR`` to February of the year after (the demo
leaves its last two months not approved, so ``BENCH_YEAR`` is the one complete approved year
the publication holds; RV Saarbrücken's years are the demo's largest), and makes the tenant a
member of a ring. Then, ``BENCH_RUNS`` times, inside the tenant's scope, one process, no store
shared through Redis (``SAAS_CUBE_WORKERS=1``):

1. the tenant's publications and publication records removed, the in-memory cache emptied;
2. *floor — cold build*: the year's cube built cold without any publication (what the
   comparison publication itself builds; measured in the same run);
3. the comparison publication refreshed (:func:`~saas.comparison.services.refresh_publication`,
   reading the cube just built from memory): it writes the year's publication record;
4. *rebuild*: the year's cube asked for again — cold, as its key now holds the record.

Also the second floor of bench/cube.py, *read* (the year's atoms, what an output costs without
protection). Prints seconds, the solves (HiGHS runs) of each build, the ratios rebuild / cold
build and rebuild / read, and whether the rebuilt cube withholds every cell the publication
withheld.
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


def _median(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f};"
        f" runs {' / '.join(f'{v:.3f}' for v in values)})"
    )


def main() -> None:
    os.environ["SAAS_CUBE_WORKERS"] = "1"
    from flask_migrate import upgrade
    from sqlalchemy import delete, select

    from saas import create_app
    from saas.comparison.models import (
        ComparisonRing,
        Publication,
        PublishedProtection,
        RingParticipation,
    )
    from saas.comparison.services import refresh_publication
    from saas.core.db import db
    from saas.core.operations import acting_as_system
    from saas.core.tenancy import all_tenants, tenant_scope
    from saas.demo import load_demo
    from saas.demo.generator import generate_demo_data
    from saas.protection import service, solver
    from saas.tenants.models import Tenant

    solves = {"n": 0}
    original_run = solver._run

    def counting(*args: Any, **kwargs: Any) -> Any:
        solves["n"] += 1
        return original_run(*args, **kwargs)

    solver._run = counting  # the one place every solve of the cube passes

    print(
        f"command: BENCH_TENANT={TENANT} BENCH_YEAR={YEAR} BENCH_RUNS={RUNS} "
        ".venv/bin/python bench/rebuild.py"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URL": url, "REDIS_URL": None}
        )
        with app.app_context(), acting_as_system():
            upgrade()
            load_demo(echo=lambda _m: None, figures=False)
            with all_tenants():
                tenant = db.session.execute(
                    select(Tenant).where(Tenant.slug == TENANT)
                ).scalar_one()
                ring = ComparisonRing(code="bench-rebuild", name="Bench", description="")
                db.session.add(ring)
                db.session.flush()
            started = time.perf_counter()
            generate_demo_data(tenant, first_year=YEAR, until=(YEAR + 1, 2))
            with tenant_scope(tenant):
                db.session.add(RingParticipation(ring_id=ring.id))
                db.session.flush()
            db.session.commit()
            print(f"{TENANT} {YEAR}: figures generated in {time.perf_counter() - started:.0f} s")
            solver._options("lp"), solver._options("milp")  # scipy's import: not in run 1
            colds, rebuilds, reads = [], [], []
            cold_solves, rebuild_solves, kept = [], [], []
            for _run in range(RUNS):
                with tenant_scope(tenant):
                    db.session.execute(delete(PublishedProtection))
                    db.session.execute(delete(Publication))
                    db.session.commit()
                    service._CACHE.clear()
                    solves["n"] = 0
                    started = time.perf_counter()
                    first = service.tenant_cube([YEAR], tenant)
                    colds.append(time.perf_counter() - started)
                    cold_solves.append(solves["n"])
                    started = time.perf_counter()
                    service._atoms([YEAR])
                    reads.append(time.perf_counter() - started)
                    assert not first.earlier[YEAR], "no publication record before the run"
                refresh_publication(tenant)
                db.session.commit()
                with tenant_scope(tenant):
                    solves["n"] = 0
                    started = time.perf_counter()
                    again = service.tenant_cube([YEAR], tenant)
                    rebuilds.append(time.perf_counter() - started)
                    rebuild_solves.append(solves["n"])
                    records = again.earlier[YEAR]
                    yearly = again.years[YEAR]
                    kept.append(
                        len(records) == 1
                        and all(yearly.withheld(key) for key in records[0].withheld)
                    )
            year = again.years[YEAR]
            print(
                f"year {YEAR}: {len(again.atoms[YEAR])} atoms, {len(year.layout.nodes)} nodes, "
                f"{len(year.values)} cells; {len(year.primary)} primary and "
                f"{len(year.secondary)} secondary withheld after the rebuild"
            )
            print(
                f"rebuild after a new publication record, s: {_median(rebuilds)};"
                f" solves {rebuild_solves}"
            )
            print(
                f"floor cold build (no publication yet), s: {_median(colds)}; solves {cold_solves}"
            )
            print(f"floor read (the year's atoms), s: {_median(reads)}")
            print(
                "ratio rebuild / cold build: "
                + _median([r / c for r, c in zip(rebuilds, colds, strict=True)])
            )
            print(
                "ratio rebuild / read: "
                + _median([r / f for r, f in zip(rebuilds, reads, strict=True)])
            )
            print("rebuilt cube withholds every cell the publication withheld:", all(kept))


if __name__ == "__main__":
    main()
