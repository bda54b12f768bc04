"""The impact pages' analyses on demo figures: every office, and the matched comparison.

    .venv/bin/python bench/impact.py                    # Marl, figures up to December 2024
    BENCH_DATABASE_URL=sqlite:////tmp/demo.sqlite .venv/bin/python bench/impact.py
    BENCH_TENANTS=marl,hamm,rv-saarbruecken BENCH_DATABASE_URL=… .venv/bin/python bench/impact.py

Without ``BENCH_DATABASE_URL`` it migrates a temporary SQLite database, imports the demo
profiles and generates Marl's synthetic figures up to December 2024 (as ``tests/impact`` do);
with it, it reads a database ``flask demo`` filled (figures up to last month, every tenant).
Per tenant (``BENCH_TENANTS``, default ``marl``), ``BENCH_RUNS`` times (default 3;
``BENCH_COLD=0`` keeps the caches, for the figures of a large tenant without its cold cubes):

* ``analyse_all`` cold — the protected cube's in-memory cache and the weighted-cost memo
  emptied first, no store shared through Redis — as the index ``/<slug>/impact/`` computes it
  after a change of the figures, then once more warm (what every later request costs);
* *floor*, in the same run: ``analyse_office`` of every office with every never-served area as
  comparison (warm), and the same with the matched comparison (``?comparison=matched``,
  warm), whose bootstrap re-matches in every replicate.

Prints seconds (median, min, max), the ratio matched / all-areas, and the matched results
(effect, interval, pre-trend, chosen areas) that ``docs/statistics.md`` §4.1 quotes.
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

RUNS = int(os.environ.get("BENCH_RUNS") or 3)
TENANTS = (os.environ.get("BENCH_TENANTS") or "marl").split(",")
URL = os.environ.get("BENCH_DATABASE_URL") or ""
COLD = os.environ.get("BENCH_COLD", "1") != "0"


def _median(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def _number(value: float | None) -> str:
    return "." if value is None else f"{value:.2f}".replace("-", "−").replace(".", ",")


def _bench(slug: str) -> None:
    from sqlalchemy import select

    from saas.core.db import db
    from saas.core.tenancy import all_tenants, tenant_scope
    from saas.impact import services
    from saas.offices.models import Office
    from saas.protection import service
    from saas.tenants.models import Tenant

    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one()
    with tenant_scope(tenant):
        offices = [
            o
            for o in db.session.execute(select(Office).order_by(Office.name)).scalars()
            if o.archived_at is None
        ]
        cold, warm, every, matched = [], [], [], []
        for _run in range(RUNS):
            if COLD:
                service._CACHE.clear()
                services._WEIGHTED.clear()
            started = time.perf_counter()
            services.analyse_all(3)
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            services.analyse_all(3)
            warm.append(time.perf_counter() - started)
            started = time.perf_counter()
            for office in offices:
                services.analyse_office(office, window=3)
            every.append(time.perf_counter() - started)
            started = time.perf_counter()
            results = [services.analyse_office(o, window=3, matched=True) for o in offices]
            matched.append(time.perf_counter() - started)
        print(f"{slug}: {len(offices)} offices, {RUNS} runs")
        print(f"  analyse_all {'cold' if COLD else 'first'}, s: {_median(cold)}")
        print(f"  analyse_all warm, s: {_median(warm)}")
        print(f"  floor: every office, all never-served areas, warm, s: {_median(every)}")
        print(f"  every office, matched comparison, warm, s: {_median(matched)}")
        print(
            "  ratio matched / all-areas: "
            + _median([m / e for m, e in zip(matched, every, strict=True)])
        )
        _rule(offices)
        for result in results:
            if not result.ok or result.uncertainty is None:
                continue
            u = result.uncertainty
            trend = u.pre_trend
            pre = (
                f"{_number(trend.estimate)} [{_number(trend.low)}; {_number(trend.high)}]"
                if trend is not None
                else "."
            )
            found = result.matching
            k = f" (k = {found.k} of {len(found.candidates)})" if found is not None else ""
            print(
                f"  {result.office_name}: {_number(result.did)} "
                f"[{_number(u.did.low)}; {_number(u.did.high)}], pre-trend {pre}, "
                f"adjusted {_number(u.adjusted_did)}, verdict {result.verdict}, "
                f"chosen {', '.join(result.control_areas)}{k}"
            )


def _rule(offices: list[Any]) -> None:
    """The bootstrap alone on the first office with a matched result: the choice held fixed
    (the floor), matched anew with k = every candidate (each replicate takes all it drew),
    and matched anew with k = every candidate but one (the rule runs in every replicate)."""
    from saas.impact import matching, services, statistics

    captured: list[tuple[Any, ...]] = []
    analyse = statistics.analyse

    def capture(*args: Any, **kwargs: Any) -> Any:
        captured.append((args, kwargs))
        return analyse(*args, **kwargs)

    services.statistics.analyse = capture  # type: ignore[assignment]
    try:
        for office in offices:
            captured.clear()
            result = services.analyse_office(office, window=3, matched=True)
            if result.ok and captured and captured[-1][1].get("rematch") is not None:
                break
        else:
            return
    finally:
        services.statistics.analyse = analyse  # type: ignore[assignment]
    args, kwargs = captured[-1]
    rematch = kwargs.pop("rematch")
    fewer = statistics.Rematch(
        rematch.pool, matching.rematch(rematch.pool.size - 1, result.before_years)
    )
    times: dict[str, list[float]] = {"fixed": [], "all": [], "fewer": []}
    for _run in range(RUNS):
        for name, rule in (("fixed", None), ("all", rematch), ("fewer", fewer)):
            started = time.perf_counter()
            analyse(*args, **kwargs, rematch=rule)
            times[name].append(time.perf_counter() - started)
    print(f"  bootstrap of {result.office_name} ({rematch.pool.size} candidates):")
    print(f"    choice fixed (floor), s: {_median(times['fixed'])}")
    for name, label in (("all", "k = all"), ("fewer", f"k = {rematch.pool.size - 1}")):
        ratio = [t / f for t, f in zip(times[name], times["fixed"], strict=True)]
        print(f"    matched anew, {label}, s: {_median(times[name])}; ratio {_median(ratio)}")


def main() -> None:
    from flask_migrate import upgrade

    from saas import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = URL or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URL": url, "REDIS_URL": None}
        )
        with app.app_context():
            if not URL:
                from sqlalchemy import select

                from saas.core.db import db
                from saas.core.tenancy import all_tenants
                from saas.demo import load_demo
                from saas.demo.generator import generate_demo_data
                from saas.tenants.models import Tenant

                upgrade()
                load_demo(echo=lambda _m: None, figures=False)
                with all_tenants():
                    marl = db.session.execute(
                        select(Tenant).where(Tenant.slug == "marl")
                    ).scalar_one()
                generate_demo_data(marl, until=(2024, 12))
                db.session.commit()
            for slug in TENANTS:
                _bench(slug)


if __name__ == "__main__":
    main()
