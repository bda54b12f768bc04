"""Fixtures for the comparison tests: hand-made figures, rings, statement capture."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from saas.areas.models import Area, AreaLevel
from saas.comparison.models import ComparisonRing, Publication, RingParticipation
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue, PeriodStatus
from saas.metrics.models import Metric

SENTINEL = 987654.0


def ring(code: str) -> ComparisonRing:
    return db.session.execute(
        select(ComparisonRing).where(ComparisonRing.code == code)
    ).scalar_one()


def join(tenant_obj: Any, ring_code: str) -> None:
    with tenant_scope(tenant_obj):
        db.session.add(RingParticipation(ring_id=ring(ring_code).id))
        db.session.commit()


def leave_all(tenant_obj: Any) -> None:
    with tenant_scope(tenant_obj):
        for row in db.session.execute(select(RingParticipation)).scalars():
            db.session.delete(row)
        db.session.commit()


def publications(tenant_obj: Any | None = None) -> list[Publication]:
    query = select(Publication).order_by(
        Publication.tenant_id, Publication.indicator, Publication.area_code, Publication.year
    )
    if tenant_obj is not None:
        query = query.where(Publication.tenant_id == tenant_obj.id)
    return list(db.session.execute(query).scalars())


def put_figures(
    tenant_obj: Any,
    year: int,
    areas: dict[str, dict[str, float]],
    *,
    states: dict[int, str | None] | None = None,
    level: str = "cmp",
) -> None:
    """Figures of one year: ``areas`` maps an area code to {metric code: value}.

    Monthly metrics get their value in December (stocks: the 31 Dec value; flows: the year's
    sum); ``HZE_END`` gets 0 in the other months so every month has figures. Every month and
    the year are approved unless ``states`` says otherwise (month → state, None: no row).
    Areas (and their level) are created when missing.
    """
    states = states or {}
    with tenant_scope(tenant_obj):
        metrics = {
            m.code: m
            for m in db.session.execute(select(Metric).where(Metric.tenant_id.is_(None))).scalars()
        }
        lvl = db.session.execute(
            select(AreaLevel).where(AreaLevel.code == level)
        ).scalar_one_or_none()
        if lvl is None:
            lvl = AreaLevel(
                code=level, name="Vergleichstest", plural="Vergleichstests", hierarchy=level
            )
            db.session.add(lvl)
            db.session.flush()
        for code, values in areas.items():
            area = db.session.execute(select(Area).where(Area.code == code)).scalar_one_or_none()
            if area is None:
                area = Area(code=code, name=f"Gebiet {code}", level_id=lvl.id)
                db.session.add(area)
                db.session.flush()
            values = {"HZE_END": 0.0, **values}
            for metric_code, value in values.items():
                metric = metrics[metric_code]
                if metric.periodicity == "year":
                    db.session.add(
                        FigureValue(
                            metric_id=metric.id, area_id=area.id, period=str(year), value=value
                        )
                    )
                    continue
                db.session.add(
                    FigureValue(
                        metric_id=metric.id, area_id=area.id, period=f"{year}-12", value=value
                    )
                )
                if metric_code == "HZE_END":
                    db.session.add_all(
                        FigureValue(
                            metric_id=metric.id,
                            area_id=area.id,
                            period=f"{year}-{month:02d}",
                            value=0.0,
                        )
                        for month in range(1, 12)
                    )
            for month in [*range(1, 13), None]:
                state = states.get(month, "approved") if month else states.get(0, "approved")
                if state is None:
                    continue
                period = f"{year}-{month:02d}" if month else str(year)
                db.session.add(
                    PeriodStatus(scope="area", area_id=area.id, period=period, state=state)
                )
        db.session.commit()


@contextmanager
def captured_statements() -> Iterator[list[str]]:
    """Every SQL statement sent on the app's engine while the block runs."""
    statements: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    # on the Engine class: requests run on the app's engine, the test body on its twin's
    event.listen(Engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", listen)


@pytest.fixture
def tenants(app):  # noqa: ANN201
    from tests.conftest import tenant

    with all_tenants():
        return {slug: tenant(slug) for slug in ("marl", "hamm", "rv-saarbruecken")}


def assert_disclosure_safe(rows: list[Publication], threshold: int = 3) -> None:
    """What a reader of the publication learns never includes a small or recoverable count.

    A count cell (family, area, year) counts as published when any unsuppressed row built on
    that family shows it (the count itself, a rate's numerator, or a rate whose published
    denominator gives it back). Per family, the table area × year with its published tenant
    totals must resist the subtraction attack of :func:`recoverable`.
    """
    from saas.comparison.services import TOTAL, dependencies
    from saas.core.disclosure import (
        GRAND_TOTAL,
        ColumnTotal,
        Protected,
        is_small,
        recoverable,
    )
    from saas.indicators.definitions import INDICATORS

    by_tenant: dict[int, list[Publication]] = {}
    for row in rows:
        by_tenant.setdefault(row.tenant_id, []).append(row)
    for tenant_rows in by_tenant.values():
        counts: dict[tuple, float] = {}
        shown: set[tuple] = set()
        hidden: set[tuple] = set()
        for row in tenant_rows:
            indicator = INDICATORS[row.indicator]
            if indicator.counts_cases and row.numerator is not None:
                assert not is_small(row.numerator, threshold), row.__dict__
                if not indicator.is_rate:
                    assert not is_small(row.value, threshold), row.__dict__
            for family in dependencies(indicator):
                key = (family, row.area_code, row.year)
                if row.suppressed:
                    assert row.value is None and row.numerator is None
                    assert row.denominator is None
                    hidden.add(key)
                    continue
                shown.add(key)
                count = row.numerator if family == indicator.numerator else row.denominator
                if count is not None:
                    assert counts.setdefault(key, count) == count, key
        assert not (hidden & shown), f"suppressed somewhere, shown elsewhere: {hidden & shown}"
        for family in {key[0] for key in shown | hidden}:
            cells: dict[tuple, float | None] = {}
            totals: dict[int, float | None] = {}
            suppressed: set = set()
            for fam, area_code, year in shown | hidden:
                if fam != family:
                    continue
                known = (fam, area_code, year) in shown
                value = counts.get((fam, area_code, year)) if known else None
                if area_code == TOTAL:
                    totals[year] = value
                    if not known:
                        suppressed.add(ColumnTotal(year))
                else:
                    cells[(area_code, year)] = value
                    if not known:
                        suppressed.add((area_code, year))
            if not cells:
                continue
            if any(isinstance(k, ColumnTotal) for k in suppressed) or not totals:
                suppressed.add(GRAND_TOTAL)
            published = [v for v in totals.values() if v is not None]
            protected = Protected(
                cells=cells,
                row_totals={},
                column_totals=totals,
                grand_total=sum(published) if GRAND_TOTAL not in suppressed else None,
                primary=frozenset(suppressed),
                secondary=frozenset(),
                threshold=threshold,
                with_row_totals=False,
                with_column_totals=True,
                rows=tuple(sorted({k[0] for k in cells})),
                columns=tuple(sorted({k[1] for k in cells})),
            )
            assert not recoverable(protected), (family, recoverable(protected))
