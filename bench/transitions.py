"""Workflow transitions and publication refreshes on the demo data (PostgreSQL, RLS on).

    .venv/bin/python bench/transitions.py                 # BENCH_DATABASE_URL, default below
    BENCH_KEEP=1 .venv/bin/python bench/transitions.py    # keep the database; reuse it later

Creates its own database ``bench_transitions`` next to the one in ``BENCH_DATABASE_URL``
(never touches that one), migrates it as the owner and loads the demo as a runtime role
without superuser rights or BYPASSRLS (``flask demo``: the three demo tenants with ten years of
synthetic figures, the demo rings, their publications), then ``VACUUM ANALYZE`` as autovacuum
would. A logged-in tenant admin of Marl then performs, through the Flask test client, the
requests that refresh the publication:

* reopen month — reopening one approved month of one area (withdraws its year),
* submit month — submitting it (no refresh: the baseline cost of a transition request),
* approve month — approving it again (publishes the year again),
* publish — the "publish" button,
* join ring / leave ring — joining a ring it had not joined, and leaving it again;

every one but "submit" refreshes the tenant's whole publication. Each runs twice: first with
the planner statistics of the app's tables removed (the state after ``flask demo`` run by the
runtime role, which may not ANALYZE tables it does not own, until autovacuum gets to them),
then after ``VACUUM ANALYZE``. Each is set against the bare aggregate computing the same
numbers, measured in the same run on the owner connection (no row-level security, planned
with statistics): the yearly value of every metric the publication is computed from, per area
and year, over the tenant's approved figures. Prints medians of ``BENCH_RUNS`` cycles (default
9, after a warm-up pass that also counts the SQL statements and checks that reopening
withdraws the year and approving publishes it again), the ratio request / aggregate, and one
verdict line per request and phase. Drops the database and the role at the end (unless
``BENCH_KEEP=1``; the phases set the statistics themselves, so a kept database can be
measured again).

``BENCH_DB``: another database name (to measure two checkouts side by side);
``BENCH_RUNS=0``: only the first pass, its times as the figures (the "before", where each
request takes a minute); ``BENCH_TIMEOUT``: the app's statement timeout in seconds (default
120): a request cancelled by it is reported as such and not measured further. Needs a
superuser owner connection (to remove the statistics).
"""

from __future__ import annotations

import os
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
BENCH_DB = os.environ.get("BENCH_DB") or "bench_transitions"
APP_ROLE = "sozialraum_bench_transitions"
#: throwaway credentials of the benchmark's own database and role, dropped at the end
APP_PASSWORD = "bench-transitions-pw"  # noqa: S105
PASSWORD = "bench-password-1234"  # noqa: S105
RUNS = int(os.environ.get("BENCH_RUNS") or 9)
AGGREGATE_RUNS = 15
#: gunicorn's worker timeout: a request beyond it is a 500 in production
GUNICORN_TIMEOUT = 30.0
#: a request slower than this stops the measurement of that request (the "before" run)
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT") or 120)
#: a request at most this multiple of the bare aggregate (the reports benchmark's target)
TARGET = 1.5
TENANT = "marl"
YEAR = 2020
MONTH = f"{YEAR}-06"
KEEP = os.environ.get("BENCH_KEEP") == "1"


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
        others = conn.execute(
            sa.text("SELECT 1 FROM pg_database d WHERE d.datname LIKE 'bench_transitions%' LIMIT 1")
        ).first()
        if others is None:  # a kept twin database still needs the role
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {APP_ROLE}"))
    admin.dispose()


def make_app(url: str, owner_url: str) -> Any:
    # a request past the timeout fails instead of blocking the run (the "before")
    engine = {
        "pool_pre_ping": True,
        "connect_args": {"options": f"-c statement_timeout={int(TIMEOUT * 1000)}"},
    }
    return _pg.make_app(url, owner_url, APP_ROLE, PASSWORD, SQLALCHEMY_ENGINE_OPTIONS=engine)


def vacuum_analyze(owner_url: str) -> None:
    """Planner statistics and visibility map after the bulk load, as autovacuum would
    gather them in production (the runtime role may not ANALYZE tables it does not own)."""
    engine = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def build(app: Any, owner_url: str, echo: Callable[[str], None]) -> None:
    """``flask demo`` as the runtime role (figures included), then a ring Marl is not in."""
    from saas.core.db import db
    from saas.demo import load_demo

    started = time.perf_counter()
    with app.app_context():
        load_demo(echo=echo, figures=True)
        db.session.remove()
        db.engine.dispose()
    echo(f"demo loaded ({time.perf_counter() - started:.0f} s)")
    owner = sa.create_engine(owner_url, poolclass=NullPool)
    with owner.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO comparison_rings (code, name, description, created_at, updated_at)"
                " VALUES ('bench-join', 'Bench join', '', now(), now())"
            )
        )
    owner.dispose()
    vacuum_analyze(owner_url)


# -- the bare SQL ------------------------------------------------------------------------------


def publication_metric_codes() -> list[str]:
    from saas.comparison.services import AREA_INDICATORS, COMPARISON_INDICATORS
    from saas.indicators.definitions import INDICATORS

    codes: set[str] = set()
    for code in {*COMPARISON_INDICATORS, *AREA_INDICATORS}:
        codes |= INDICATORS[code].metric_codes()
    return sorted(codes)


def aggregate_sql() -> sa.TextClause:
    """Every yearly value per area the publication is computed from, for one tenant,
    approved figures only (the reports benchmark's aggregate, with the publication's
    metrics)."""
    from bench.reports import RAW_ANNUAL

    return sa.text(RAW_ANNUAL.format(tenants="f.tenant_id = :tenant")).bindparams(
        sa.bindparam("codes", expanding=True)
    )


# -- measuring -------------------------------------------------------------------------------


class Timeout(Exception):
    """A request cancelled by the statement timeout."""


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    try:
        response = action()
    except sa.exc.OperationalError as error:
        if "statement timeout" in str(error):
            raise Timeout from error
        raise
    seconds = time.perf_counter() - started
    if response.status_code != 302:
        raise RuntimeError(f"HTTP {response.status_code}")
    return seconds


def forget_statistics(owner_url: str) -> None:
    """Remove the planner statistics of the app's tables: the state right after
    ``flask demo`` run by the runtime role (which may not ANALYZE tables it does not own)
    until autovacuum gets to them. Needs a superuser owner connection."""
    engine = sa.create_engine(owner_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "DELETE FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')"
            )
        )
    engine.dispose()


def measure(
    app: Any, owner: sa.Engine, phase: str, echo: Callable[[str], None]
) -> tuple[dict[str, list[float]], dict[str, int], set[str]]:
    """The requests in one state of the statistics: (samples, statements, timed out)."""
    from bench.reports import QueryCounter
    from saas.core.db import db

    with owner.connect() as conn:
        tenant_id = conn.execute(
            sa.text("SELECT id FROM tenants WHERE slug = :s"), {"s": TENANT}
        ).scalar_one()
        area_id = conn.execute(
            sa.text(
                "SELECT s.area_id FROM period_statuses s WHERE s.tenant_id = :t"
                " AND s.scope = 'area' AND s.period = :p AND s.state = 'approved'"
                " ORDER BY s.area_id LIMIT 1"
            ),
            {"t": tenant_id, "p": MONTH},
        ).scalar_one()
        ring_id = conn.execute(
            sa.text("SELECT id FROM comparison_rings WHERE code = 'bench-join'")
        ).scalar_one()
        figures = conn.execute(
            sa.text("SELECT count(*) FROM figure_values WHERE tenant_id = :t"),
            {"t": tenant_id},
        ).scalar_one()

        def published_years() -> set[int]:
            conn.commit()
            return set(
                conn.execute(
                    sa.text("SELECT DISTINCT year FROM publications WHERE tenant_id = :t"),
                    {"t": tenant_id},
                ).scalars()
            )

        echo("")
        echo(f"== {phase}")
        echo(
            f"tenant {TENANT}: {figures} figure values; month {MONTH} of area {area_id}; "
            f"published years {sorted(published_years())}"
        )
        with app.app_context():
            engine = db.engine
        client = app.test_client()
        response = client.post(
            f"/{TENANT}/login",
            data={"email": f"admin@{TENANT}.example", "password": PASSWORD},
        )
        if response.status_code != 302:
            raise RuntimeError("login failed")
        base = f"/{TENANT}/figures/periods/{area_id}/{MONTH}"
        steps: dict[str, Callable[[], Any]] = {
            "reopen month": lambda: client.post(f"{base}/reopen", data={"reason": "Bench"}),
            "submit month": lambda: client.post(f"{base}/submit"),
            "approve month": lambda: client.post(f"{base}/approve"),
            "publish": lambda: client.post(f"/{TENANT}/comparison/publish"),
            "join ring": lambda: client.post(f"/{TENANT}/comparison/{ring_id}/join"),
            "leave ring": lambda: client.post(f"/{TENANT}/comparison/{ring_id}/leave"),
        }
        cycles = (("reopen month", "submit month", "approve month"), ("join ring", "leave ring"))
        samples: dict[str, list[float]] = {name: [] for name in steps}
        statements: dict[str, int] = {}
        timed_out: set[str] = set()
        # the first pass: statements per request, what the refreshes do (reopening
        # withdraws the year, approving publishes it again); its times count as the
        # samples only with BENCH_RUNS=0 (the "before", each request taking seconds)
        checks: dict[str, bool] = {}
        for name, action in steps.items():
            with QueryCounter(engine) as counter:
                try:
                    seconds = timed(action)
                except Timeout:
                    timed_out.add(name)
                    echo(f"{name}: cancelled after {TIMEOUT:.0f} s")
                    continue
            statements[name] = counter.count
            if not RUNS:
                samples[name].append(seconds)
            if name == "reopen month":
                checks[f"reopen withdraws {YEAR}"] = YEAR not in published_years()
            elif name == "approve month":
                checks[f"approve publishes {YEAR} again"] = YEAR in published_years()
        echo(
            ", ".join(f"{check}: {ok}" for check, ok in checks.items())
            + "; statements per request: "
            + ", ".join(f"{name} {count}" for name, count in statements.items())
        )
        for _run in range(RUNS):
            for cycle in (*cycles, ("publish",)):
                if any(name in timed_out for name in cycle):
                    continue
                for name in cycle:
                    try:
                        samples[name].append(timed(steps[name]))
                    except Timeout:
                        timed_out.add(name)
                        echo(f"{name}: cancelled after {TIMEOUT:.0f} s")
                        break
        with app.app_context():
            db.session.remove()
    return samples, statements, timed_out


def bare_aggregate(owner: sa.Engine) -> tuple[float, int]:
    """(median seconds, rows) of the bare aggregate for the tenant's ten years."""
    with owner.connect() as conn:
        tenant_id = conn.execute(
            sa.text("SELECT id FROM tenants WHERE slug = :s"), {"s": TENANT}
        ).scalar_one()
        params = {
            "tenant": tenant_id,
            "codes": publication_metric_codes(),
            "period_from": "2015",
            "period_to": "2025",
        }
        statement = aggregate_sql()
        rows = len(conn.execute(statement, params).all())
        samples = []
        for _ in range(AGGREGATE_RUNS):
            started = time.perf_counter()
            conn.execute(statement, params).all()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples), rows


def report(
    phase: str,
    measured: tuple[dict[str, list[float]], dict[str, int], set[str]],
    floor: float,
    echo: Callable[[str], None],
) -> list[str]:
    """The table of one phase against the bare aggregate; its verdict lines."""
    samples, statements, timed_out = measured
    echo("")
    echo(f"== {phase}: results")
    warm = " after one warm-up" if RUNS else ""
    echo(f"requests of {TENANT} (median of {RUNS or 1}{warm}); /agg: against the bare aggregate")
    echo(f"{'request':>14} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'/agg':>6} {'stmts':>5}")
    verdicts = []
    for name, values in samples.items():
        if name in timed_out and not values:
            echo(f"{name:>14} {'> ' + str(int(TIMEOUT * 1000)):>10}")
            verdicts.append(f"{phase}, {name}: cancelled after {TIMEOUT:.0f} s")
            continue
        median = statistics.median(values)
        echo(
            f"{name:>14} {median * 1000:>10.1f} {min(values) * 1000:>8.1f} "
            f"{max(values) * 1000:>8.1f} {median / floor:>6.2f} "
            f"{statements.get(name, '-'):>5}"
        )
        verdicts.append(
            f"{phase}, {name}: {median / floor:.2f}× the bare aggregate "
            f"({'within' if median / floor <= TARGET else 'NOT within'} {TARGET}×), "
            f"{'under' if max(values) < GUNICORN_TIMEOUT else 'NOT under'} gunicorn's "
            f"{GUNICORN_TIMEOUT:.0f} s"
        )
    return verdicts


def main() -> None:
    from flask_migrate import upgrade

    from saas.core.db import db

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    owner_url, app_url, reused = create_database(url, reuse=KEEP)
    os.environ["SAAS_DB_APP_ROLE"] = APP_ROLE

    def echo(line: str) -> None:
        print(line, flush=True)

    try:
        if reused:
            echo(f"reusing the kept database {BENCH_DB}")
        else:
            setup = make_app(owner_url, owner_url)
            with setup.app_context():
                upgrade()
                db.session.remove()
                db.engine.dispose()
            build(make_app(app_url, owner_url), owner_url, echo)
        owner = sa.create_engine(owner_url, poolclass=NullPool)
        app = make_app(app_url, owner_url)
        phases = ("no planner statistics (as after flask demo)", "after VACUUM ANALYZE")
        forget_statistics(owner_url)
        cold = measure(app, owner, phases[0], echo)
        vacuum_analyze(owner_url)
        warm = measure(app, owner, phases[1], echo)
        # the floor: the owner's bare aggregate planned with statistics (without them its
        # join is misplanned as well)
        floor, rows = bare_aggregate(owner)
        echo("")
        echo(
            f"bare aggregate over {TENANT}'s approved figure_values (owner, no RLS, after "
            f"VACUUM ANALYZE) giving every yearly value per area the publication is computed "
            f"from: {rows} rows, median of {AGGREGATE_RUNS}: {floor * 1000:.1f} ms"
        )
        verdicts = report(phases[0], cold, floor, echo) + report(phases[1], warm, floor, echo)
        owner.dispose()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        echo("")
        for line in verdicts:
            echo(line)
    finally:
        if KEEP:
            echo(f"database {BENCH_DB} kept (BENCH_KEEP=1)")
        else:
            drop_database(url)
            echo(f"database {BENCH_DB} and role {APP_ROLE} dropped")


if __name__ == "__main__":
    main()
