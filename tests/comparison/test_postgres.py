"""The publication refresh on PostgreSQL as the runtime role (row-level security on).

No timing: the plans of the refresh's statements are checked instead. Each statement reading
the tenant's figures or period states is run again with ``EXPLAIN (ANALYZE, FORMAT JSON)``
under the same row-level security settings; the rows its plan nodes produce and discard
(``Actual Rows`` and ``Rows Removed by …``, times the node's loops) must stay within a small
multiple of the rows the tenant has in those tables. The plan the refresh used to get — a
join of ``figure_values`` with ``period_statuses`` whose size the planner underestimated under
row-level security, run as a nested loop — touches some rows × statuses, thousands of times
more.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine

from saas.comparison.models import Publication
from saas.comparison.services import approved_years, refresh_publication
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue, PeriodStatus
from tests.conftest import tenant

pytestmark = pytest.mark.postgres

#: rows touched per row of the tenant's figures and statuses, summed over the statements
BOUND = 4
#: the tables whose statements are examined
TABLES = ("figure_values", "period_statuses")


@contextmanager
def statements_sent() -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", listen)


def rows_touched(plan: dict[str, Any]) -> int:
    """Rows a plan node and its children produce or discard, each times its loops."""
    loops = plan.get("Actual Loops", 1)
    own = plan.get("Actual Rows", 0) + sum(
        plan.get(key, 0)
        for key in (
            "Rows Removed by Filter",
            "Rows Removed by Join Filter",
            "Rows Removed by Index Recheck",
        )
    )
    return own * loops + sum(rows_touched(child) for child in plan.get("Plans", ()))


def explained(tenant_id: int, statements: list[tuple[str, Any]]) -> list[tuple[str, int]]:
    """(statement, rows touched) of every SELECT on :data:`TABLES`, as the tenant."""
    found = []
    connection = db.session.connection()
    connection.execute(
        text(
            "SELECT set_config('app.tenant_id', :t, true),"
            " set_config('app.all_tenants', 'off', true)"
        ),
        {"t": str(tenant_id)},
    )
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT") or not any(
            table in statement for table in TABLES
        ):
            continue
        raw = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
        ).scalar()
        plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
        found.append((statement, rows_touched(plan)))
    return found


def test_refresh_touches_rows_in_proportion_to_the_tenants_figures(pg_app: Flask) -> None:
    from saas.comparison.models import ComparisonRing, RingParticipation
    from saas.demo_data import generate_demo_data

    marl = tenant("marl")
    # the last two months stay open; no ANALYZE: as after ``flask demo`` run by the runtime
    # role, which may not analyze tables it does not own, until autovacuum gets to them
    generate_demo_data(marl, years=range(2018, 2022))
    db.session.commit()
    with tenant_scope(marl):
        if db.session.execute(select(RingParticipation.id)).first() is None:
            ring = db.session.execute(select(ComparisonRing).limit(1)).scalar_one()
            db.session.add(RingParticipation(ring_id=ring.id))
        db.session.commit()
        figures = db.session.execute(select(func.count()).select_from(FigureValue)).scalar()
        statuses = db.session.execute(select(func.count()).select_from(PeriodStatus)).scalar()
        assert approved_years() == [2018, 2019, 2020]

    with statements_sent() as sent:
        written = refresh_publication(marl)
    assert written > 0
    with all_tenants():
        years = set(
            db.session.execute(
                select(Publication.year).where(Publication.tenant_id == marl.id)
            ).scalars()
        )
    assert years == {2018, 2019, 2020}

    plans = explained(marl.id, sent)
    assert plans, "the refresh read no figures"
    touched = sum(rows for _statement, rows in plans)
    assert touched <= BOUND * (figures + statuses), (
        f"{touched} rows touched for {figures} figures and {statuses} statuses:\n"
        + "\n\n".join(f"{rows} rows touched by\n{statement}" for statement, rows in plans)
    )
    db.session.rollback()
