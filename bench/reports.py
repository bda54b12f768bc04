"""Comparison ring page and HzE report on 50 generated tenants × 10 years (PostgreSQL).

    .venv/bin/python bench/reports.py            # BENCH_DATABASE_URL, default below
    BENCH_KEEP=1 .venv/bin/python bench/reports.py   # keep the database; a later run reuses it

Creates its own database ``bench_reports`` next to the one in ``BENCH_DATABASE_URL`` (never
touches that one: the test suite uses it), migrates it as the owner, clones the three demo
profiles into 50 tenants with distinct slugs, generates ten years of synthetic figures per
tenant (``saas.demo.generator``), approves every period, creates rings of 5, 20 and 50 tenants and
publishes. The pages are then requested through the Flask test client by a logged-in ring
member, the app connected as a runtime role without superuser rights (row-level security on,
as in production), and compared with the bare SQL aggregate that computes the same numbers,
measured in the same run on the owner connection (no row-level security):

* comparison page → the aggregate over the approved ``figure_values`` of the ring's tenants
  giving each tenant's HzE-Eckwert and case count per year (the page itself reads them
  from the pre-aggregated ``publications``, which is why it is a fraction of it); for
  context also the bare SELECT of the numbers as shown from ``publications``;
* HzE report (``entwicklung-hze``) → the aggregate over the tenant's ``figure_values``
  giving the yearly value of every metric of the report per area (approved only), from
  which all its numbers follow.

Reports the medians (25 requests after 3 warm-ups; 5 runs of the ring aggregate, which takes
seconds), their ratio against the target of 1.5, and the SQL statements per page (counted
with a ``before_cursor_execute`` listener) for 5/20/50 tenants and 3/10 years, then one
verdict line per page. Drops the database and the role at the end.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench import _pg  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
BENCH_DB = "bench_reports"
APP_ROLE = "sozialraum_bench_app"
#: throwaway credentials of the benchmark's own database and role, dropped at the end
APP_PASSWORD = "bench-app-pw"  # noqa: S105
PASSWORD = "bench-password-1234"  # noqa: S105
#: fewer tenants (BENCH_TENANTS) only to try the script quickly
TENANTS = int(os.environ.get("BENCH_TENANTS") or 50)
RING_SIZES = tuple(n for n in (5, 20, 50) if n <= TENANTS)
YEARS = range(2015, 2025)
RUNS = 25
#: the raw aggregate over a ring's figures takes seconds: its median is of fewer runs
AGGREGATE_RUNS = 5
#: the issue's target: median page time at most this multiple of the bare aggregate
TARGET = 1.5
BASES = ("marl", "hamm", "rv-saarbruecken")
#: keep ``bench_reports`` at the end and reuse a kept one (measuring again without the
#: six minutes of data generation); the default run starts from an empty database
KEEP = os.environ.get("BENCH_KEEP") == "1"


def median_seconds(action: Callable[[], Any], runs: int = RUNS, warm: int = 3) -> float:
    for _ in range(warm):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# -- database and roles ----------------------------------------------------------------------


def create_database(owner_url: str, *, reuse: bool) -> tuple[str, str, bool]:
    """This benchmark's database and runtime role (see :func:`bench._pg.create_database`)."""
    return _pg.create_database(owner_url, BENCH_DB, APP_ROLE, APP_PASSWORD, reuse=reuse)


def drop_database(owner_url: str) -> None:
    admin = sa.create_engine(
        make_url(owner_url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"DROP ROLE IF EXISTS {APP_ROLE}"))
    admin.dispose()


def make_app(url: str, owner_url: str) -> Any:
    return _pg.make_app(url, owner_url, APP_ROLE, PASSWORD)


# -- data ------------------------------------------------------------------------------------


def clone_profiles(echo: Callable[[str], None]) -> list[Any]:
    """50 tenants with the area structure of the demo profiles, distinct slugs and names."""
    from saas.config import ROOT
    from saas.core.db import db
    from saas.core.tenancy import all_tenants
    from saas.profiles.importer import apply_profile
    from saas.profiles.loader import base_dir, load_profile_files
    from saas.tenants.models import Tenant

    sources = {
        base: {p.name: p.read_bytes() for p in (ROOT / "tenants" / base).glob("*.yaml")}
        for base in BASES
    }
    tenants = []
    for i in range(TENANTS):
        base = BASES[i % len(BASES)]
        slug = f"{base[:10]}-b{i:02d}"
        files = dict(sources[base])
        text = files["tenant.yaml"].decode("utf-8")
        text = re.sub(r"(?m)^slug: .*$", f"slug: {slug}", text, count=1)
        text = re.sub(r"(?m)^name: (.*)$", rf"name: \1 (Bench {i:02d})", text, count=1)
        files["tenant.yaml"] = text.encode("utf-8")
        apply_profile(load_profile_files(files, f"bench/{slug}", base=base_dir()))
        db.session.commit()
        with all_tenants():
            tenants.append(
                db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one()
            )
    echo(f"{len(tenants)} tenants from the profiles {', '.join(BASES)}")
    return tenants


def analyze() -> None:
    """Planner statistics and visibility map after bulk inserts, as autovacuum would
    gather them in production (index-only scans need the visibility map)."""
    from saas.core.db import db

    db.session.commit()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))


def build(echo: Callable[[str], None]) -> dict[str, Any]:
    from saas.auth.models import Membership
    from saas.auth.services import create_user
    from saas.comparison.models import ComparisonRing, RingParticipation
    from saas.comparison.services import refresh_all
    from saas.core.db import db
    from saas.core.tenancy import all_tenants, tenant_scope
    from saas.demo.generator import generate_demo_data

    started = time.perf_counter()
    tenants = clone_profiles(echo)
    analyze()
    echo(f"profiles cloned ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    rows = 0
    for number, tenant in enumerate(tenants, 1):
        counts = generate_demo_data(tenant, years=YEARS)
        db.session.commit()
        rows += counts["figure_values"]
        if number % 10 == 0:
            analyze()  # bulk inserts leave the planner statistics behind
            echo(
                f"  {number} tenants, {rows} figure values ({time.perf_counter() - started:.0f} s)"
            )
    echo(f"{rows} figure values generated ({time.perf_counter() - started:.0f} s)")
    # approve every period: the last two months of the demo data are still open
    with all_tenants():
        db.session.execute(sa.text("UPDATE period_statuses SET state = 'approved'"))
        db.session.execute(
            sa.text(
                "INSERT INTO period_statuses (tenant_id, version, scope, area_id, office_id,"
                " period, state, reason, changed_by, changed_at)"
                " SELECT DISTINCT f.tenant_id, 1, 'area', f.area_id, NULL::integer, f.period,"
                " 'approved', '', NULL::integer, now() FROM figure_values f"
                " WHERE NOT EXISTS (SELECT 1 FROM period_statuses s WHERE s.tenant_id = f.tenant_id"
                " AND s.scope = 'area' AND s.area_id = f.area_id AND s.period = f.period)"
            )
        )
        db.session.commit()
    analyze()
    rings = {}
    for size in RING_SIZES:
        ring = ComparisonRing(code=f"bench-{size}", name=f"Bench {size}", description="")
        db.session.add(ring)
        db.session.flush()
        for tenant in tenants[:size]:
            with tenant_scope(tenant):
                db.session.add(RingParticipation(ring_id=ring.id))
                db.session.flush()
        rings[size] = ring.id
    with all_tenants():
        user = create_user("bench@bench.example", PASSWORD, name="Bench")
        db.session.flush()
    members = [tenants[0], tenants[2]]  # a Marl and a Regionalverband clone
    for tenant in members:
        with tenant_scope(tenant):
            db.session.add(Membership(user_id=user.id, role="viewer"))
            db.session.flush()
    db.session.commit()
    started = time.perf_counter()
    written = refresh_all()
    db.session.commit()
    echo(
        f"publications refreshed: {sum(written.values())} rows "
        f"({time.perf_counter() - started:.0f} s)"
    )
    with all_tenants():
        template = db.session.execute(
            sa.text(
                "SELECT id FROM report_templates WHERE code = 'entwicklung-hze'"
                " AND tenant_id IS NULL ORDER BY version DESC LIMIT 1"
            )
        ).scalar()
    db.session.commit()
    return {
        "rings": rings,
        "members": [(t.slug, t.id) for t in members],
        "template": template,
        "slug": tenants[0].slug,
    }


def kept_info(owner_url: str) -> dict[str, Any]:
    """What :func:`build` returned, read back from a kept database."""
    engine = sa.create_engine(owner_url, poolclass=NullPool)
    with engine.connect() as conn:
        rings = {
            int(code.removeprefix("bench-")): ring_id
            for ring_id, code in conn.execute(sa.text("SELECT id, code FROM comparison_rings"))
            if code.startswith("bench-")
        }
        members = [
            (slug, tenant_id)
            for slug, tenant_id in conn.execute(
                sa.text(
                    "SELECT t.slug, t.id FROM memberships m JOIN users u ON u.id = m.user_id"
                    " JOIN tenants t ON t.id = m.tenant_id"
                    " WHERE u.email = 'bench@bench.example' ORDER BY t.id"
                )
            )
        ]
        template = conn.execute(
            sa.text(
                "SELECT id FROM report_templates WHERE code = 'entwicklung-hze'"
                " AND tenant_id IS NULL ORDER BY version DESC LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    return {"rings": rings, "members": members, "template": template, "slug": members[0][0]}


# -- the bare SQL ------------------------------------------------------------------------------

BARE_COMPARISON = """
SELECT t.name, p.indicator, p.year, p.suppressed,
       CASE WHEN p.indicator = 'HZE_CASES' THEN p.value / NULLIF(pop.value, 0) * 1000
            ELSE p.value END AS shown
FROM publications p
JOIN ring_participations rp ON rp.tenant_id = p.tenant_id AND rp.ring_id = :ring
JOIN tenants t ON t.id = p.tenant_id AND t.status = 'active'
LEFT JOIN publications pop ON pop.tenant_id = p.tenant_id AND pop.area_code = ''
     AND pop.indicator = 'POP_U21' AND pop.year = p.year
WHERE p.area_code = '' AND p.indicator IN ('HZE_ECKWERT', 'HZE_CASES')
  AND p.year BETWEEN :first AND :last
ORDER BY t.name, p.indicator, p.year
"""

#: yearly value per (tenant, metric, area, year), approved only: stocks at the last month,
#: flows and yearly metrics summed; the comparison's Eckwert and case counts follow from it
RAW_ANNUAL = """
WITH f AS (
  SELECT f.tenant_id, f.area_id, f.period, f.value, m.code, m.time_aggregation, m.periodicity,
         CAST(substr(f.period, 1, 4) AS integer) AS year
  FROM figure_values f
  JOIN metrics m ON m.id = f.metric_id
  JOIN period_statuses s ON s.tenant_id = f.tenant_id AND s.scope = 'area'
       AND s.area_id = f.area_id AND s.period = f.period AND s.state = 'approved'
  WHERE {tenants} AND m.code IN :codes
    AND f.period >= :period_from AND f.period < :period_to
), ranked AS (
  SELECT f.*, row_number() OVER (PARTITION BY tenant_id, code, area_id, year
                                 ORDER BY period DESC) AS rn
  FROM f
)
SELECT tenant_id, code, area_id, year,
       CASE WHEN time_aggregation = 'last' AND periodicity <> 'year'
            THEN max(value) FILTER (WHERE rn = 1) ELSE sum(value) END AS value
FROM ranked
GROUP BY tenant_id, code, area_id, year, time_aggregation, periodicity
"""

HZE_METRICS = ("HZE_RUN", "HZE_END", "POP_U21")


def bounds(first: int, last: int) -> dict[str, str]:
    """The periods of the years as text bounds ('2015' ≤ '2015-01' … '2024-12' < '2025'),
    as the engine bounds them."""
    return {"period_from": f"{first:04d}", "period_to": f"{last + 1:04d}"}


def raw_comparison_sql() -> sa.TextClause:
    """Raw aggregate of the comparison (Eckwert and cases per tenant and year)."""
    inner = RAW_ANNUAL.format(
        tenants="f.tenant_id IN (SELECT tenant_id FROM ring_participations WHERE ring_id = :ring)"
    )
    return sa.text(
        "\n".join(
            [
                "SELECT tenant_id, year,",
                " sum(value) FILTER (WHERE code IN ('HZE_RUN', 'HZE_END')) AS cases,",
                " sum(value) FILTER (WHERE code IN ('HZE_RUN', 'HZE_END')) * 1000.0",
                "   / NULLIF(sum(value) FILTER (WHERE code = 'POP_U21'), 0) AS eckwert",
                "FROM (",
                inner,
                ") a GROUP BY tenant_id, year ORDER BY tenant_id, year",
            ]
        )
    ).bindparams(sa.bindparam("codes", expanding=True))


def report_sql() -> sa.TextClause:
    """Every yearly value per area the HzE report is computed from, for one tenant."""
    return sa.text(RAW_ANNUAL.format(tenants="f.tenant_id = :tenant")).bindparams(
        sa.bindparam("codes", expanding=True)
    )


def report_metric_codes() -> list[str]:
    from saas.indicators.definitions import INDICATORS
    from saas.reports.library import ENTWICKLUNG_HZE

    codes: set[str] = set()
    for section in ENTWICKLUNG_HZE["definition"]["sections"]:
        for code in section.get("indicators", []):
            codes |= INDICATORS[code].metric_codes()
    return sorted(codes)


# -- measuring -------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        self.count += 1


def page_figures(client: Any, engine: sa.Engine, url: str) -> tuple[float, int, int]:
    """(median seconds, SQL statements, response size) of one page."""
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    with QueryCounter(engine) as counter:
        client.get(url)
    seconds = median_seconds(lambda: client.get(url).close())
    return seconds, counter.count, len(response.data)


def bare_figures(
    owner: sa.Engine, statement: sa.TextClause, params: dict[str, Any], runs: int = RUNS
) -> tuple[float, int]:
    with owner.connect() as conn:
        rows = len(conn.execute(statement, params).all())
        seconds = median_seconds(lambda: conn.execute(statement, params).all(), runs=runs)
    return seconds, rows


def main() -> None:
    from flask_migrate import upgrade

    from saas.core.db import db

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    # a terminated run still drops its database (the finally clause below)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    owner_url, app_url, reused = create_database(url, reuse=KEEP)
    os.environ["SAAS_DB_APP_ROLE"] = APP_ROLE
    lines: list[str] = []

    def echo(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        if reused:
            info = kept_info(owner_url)
            echo(f"reusing the kept database {BENCH_DB}")
        else:
            setup = make_app(owner_url, owner_url)
            with setup.app_context():
                upgrade()
                info = build(echo)
                db.session.remove()
                db.engine.dispose()
        app = make_app(app_url, owner_url)
        owner = sa.create_engine(owner_url, poolclass=NullPool)
        with app.app_context():
            engine = db.engine
        client = app.test_client()
        response = client.post(
            f"/{info['slug']}/login", data={"email": "bench@bench.example", "password": PASSWORD}
        )
        if response.status_code != 302:
            raise RuntimeError("login failed")

        verdicts: list[str] = []

        def verdict(name: str, ratios: list[float], queries: set[int]) -> None:
            met = sum(r <= TARGET for r in ratios)
            constant = "constant" if len(queries) == 1 else "NOT constant"
            verdicts.append(
                f"{name}: page ≤ {TARGET}× the bare aggregate in {met} of {len(ratios)} "
                f"cases (worst {max(ratios):.2f}×); statements per page {constant} "
                f"({', '.join(map(str, sorted(queries)))})"
            )

        echo("")
        echo(
            "comparison ring page (HZE_ECKWERT + HZE_CASES per 1,000) vs the bare aggregate "
            "over the ring's approved figure_values (agg) and, for context, the bare SELECT "
            "of the same numbers from the publication table (select)"
        )
        echo(
            f"{'tenants':>7} {'years':>5} {'page ms':>8} {'agg ms':>8} {'page/agg':>8} "
            f"{'queries':>7} {'rows':>5} {'select ms':>9} {'page/select':>11}"
        )
        ratios, counts = [], set()
        for size in RING_SIZES:
            for span in (3, 10):
                first, last = YEARS[-1] - span + 1, YEARS[-1]
                ring_id = info["rings"][size]
                page_url = (
                    f"/{info['slug']}/comparison/{ring_id}?indicators=HZE_ECKWERT"
                    f"&indicators=HZE_CASES&year_from={first}&year_to={last}"
                )
                page, queries, _size = page_figures(client, engine, page_url)
                params = {"ring": ring_id, "first": first, "last": last}
                select, rows = bare_figures(owner, sa.text(BARE_COMPARISON), params)
                aggregate, _agg_rows = bare_figures(
                    owner,
                    raw_comparison_sql(),
                    {**params, "codes": list(HZE_METRICS), **bounds(first, last)},
                    runs=AGGREGATE_RUNS,
                )
                ratios.append(page / aggregate)
                counts.add(queries)
                echo(
                    f"{size:>7} {span:>5} {page * 1000:>8.1f} {aggregate * 1000:>8.1f} "
                    f"{page / aggregate:>8.2f} {queries:>7} {rows:>5} {select * 1000:>9.2f} "
                    f"{page / select:>11.1f}"
                )
        verdict("comparison page", ratios, counts)

        echo("")
        echo(
            "HzE report (entwicklung-hze, default area level) vs the bare aggregate over the "
            "tenant's figure_values of its metrics"
        )
        echo(
            f"{'tenant':>22} {'years':>5} {'page ms':>8} {'agg ms':>8} {'page/agg':>8} "
            f"{'queries':>7} {'rows':>6}"
        )
        codes = report_metric_codes()
        ratios, counts = [], set()
        for slug, tenant_id in info["members"]:
            for span in (3, 10):
                first, last = YEARS[-1] - span + 1, YEARS[-1]
                page_url = f"/{slug}/reports/run?template={info['template']}&from={first}&to={last}"
                page, queries, _size = page_figures(client, engine, page_url)
                aggregate, rows = bare_figures(
                    owner,
                    report_sql(),
                    {"tenant": tenant_id, "codes": codes, **bounds(first, last)},
                )
                ratios.append(page / aggregate)
                counts.add(queries)
                echo(
                    f"{slug:>22} {span:>5} {page * 1000:>8.1f} {aggregate * 1000:>8.1f} "
                    f"{page / aggregate:>8.2f} {queries:>7} {rows:>6}"
                )
        verdict("HzE report", ratios, counts)
        echo("")
        for line in verdicts:
            echo(line)
        owner.dispose()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if KEEP:
            echo(f"database {BENCH_DB} kept (BENCH_KEEP=1)")
        else:
            drop_database(url)
            echo(f"database {BENCH_DB} and role {APP_ROLE} dropped")


if __name__ == "__main__":
    main()
