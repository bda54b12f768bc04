"""Fixtures for the figures import/export tests: areas of Marl, stored values, snapshots."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.importer import ImportCheck, check_import
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.periods.models import PeriodStatus
from tests.conftest import tenant

HEADER = "area_code,metric_code,period,value\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{r}\n" for r in rows)).encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    """Every row of the tables an import could touch, of every tenant (raw SQL)."""
    db.session.rollback()
    with all_tenants():  # PostgreSQL's row-level security shows no row outside a scope
        result = tuple(
            [tuple(r) for r in db.session.execute(text(sql))]
            for sql in (
                "SELECT * FROM figure_values ORDER BY id",
                "SELECT * FROM audit_log ORDER BY id",
                "SELECT * FROM period_statuses ORDER BY id",
            )
        )
    db.session.rollback()  # release SQLite's read lock for other sessions (CLI)
    return result  # type: ignore[return-value]


def audit_count(action: str | None = None) -> int:
    db.session.rollback()
    sql = "SELECT count(*) FROM audit_log WHERE entity = 'figure_values'"
    if action:
        sql += f" AND action = '{action}'"
    with all_tenants():
        count = db.session.execute(text(sql)).scalar_one()
    db.session.rollback()
    return count


@pytest.fixture
def marl(app: Flask) -> Any:
    """Marl with areas A1, A2, B-3; Hamm with area H1 and a local metric HAMM_LOCAL."""
    marl_tenant = tenant("marl")
    hamm_tenant = tenant("hamm")
    with tenant_scope(marl_tenant):
        level = AreaLevel(code="figtest", name="Testebene", plural="Testebenen")
        db.session.add(level)
        db.session.flush()
        db.session.add_all(
            Area(code=code, name=f"Gebiet {code}", level_id=level.id)
            for code in ("A1", "A2", "B-3")
        )
        db.session.add(
            Metric(
                tenant_id=marl_tenant.id,
                code="MARL_LOCAL",
                label_de="Lokal",
                label_en="Local",
                unit="count",
                periodicity="month",
                rules={"min": 0, "integer": True},
            )
        )
        db.session.flush()
    with tenant_scope(hamm_tenant):
        level = AreaLevel(code="figtest", name="Testebene")
        db.session.add(level)
        db.session.flush()
        db.session.add(Area(code="H1", name="Hamm 1", level_id=level.id))
        db.session.add(
            Metric(
                tenant_id=hamm_tenant.id,
                code="HAMM_LOCAL",
                label_de="Lokal",
                label_en="Local",
                unit="count",
                periodicity="month",
            )
        )
        db.session.flush()
    db.session.commit()
    return marl_tenant


def area_id(code: str) -> int:
    return db.session.execute(select(Area.id).where(Area.code == code)).scalar_one()


def metric_id(code: str) -> int:
    return db.session.execute(
        select(Metric.id).where(Metric.code == code, Metric.tenant_id.is_(None))
    ).scalar_one()


@pytest.fixture
def store(marl: Any) -> Callable[..., None]:
    """``store(("A1", "HZE_RUN", "2023-01", 5), …)`` saves values for Marl directly."""

    def _store(*values: tuple[str, str, str, float], tenant_obj: Any = None) -> None:
        with tenant_scope(tenant_obj or marl):
            for area, metric, period, value in values:
                db.session.add(
                    FigureValue(
                        area_id=area_id(area),
                        metric_id=metric_id(metric),
                        period=period,
                        value=value,
                        source="test",
                    )
                )
            db.session.commit()

    return _store


@pytest.fixture
def lock(marl: Any) -> Callable[[str, str, str], None]:
    def _lock(area: str, period: str, state: str = "approved") -> None:
        with tenant_scope(marl):
            db.session.add(
                PeriodStatus(scope="area", area_id=area_id(area), period=period, state=state)
            )
            db.session.commit()

    return _lock


@pytest.fixture
def check(marl: Any) -> Callable[..., ImportCheck]:
    """``check(data, filename="f.csv", locale="de")`` runs check_import as Marl."""

    def _check(data: bytes, filename: str = "figures.csv", locale: str = "de") -> ImportCheck:
        with tenant_scope(marl):
            result = check_import(filename, data, locale=locale)
        db.session.rollback()
        return result

    return _check


def stored(marl: Any) -> dict[tuple[str, str, str], float]:
    db.session.rollback()
    with tenant_scope(marl):
        rows = db.session.execute(
            select(Area.code, Metric.code, FigureValue.period, FigureValue.value)
            .join(Area, Area.id == FigureValue.area_id)
            .join(Metric, Metric.id == FigureValue.metric_id)
        ).all()
    db.session.rollback()
    return {(a, m, p): v for a, m, p, v in rows}
