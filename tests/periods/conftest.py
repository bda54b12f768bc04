"""Fixtures of the approval desk: Marl's configuration, one more area, stored figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.periods.models import PeriodStatus
from tests.config.factories import seed_config_for_staff
from tests.conftest import tenant


@pytest.fixture
def marl(app: Any) -> dict[str, Any]:
    """seed_config_for_staff (staff limited to office "zzstb", serving area "zz14") plus
    ``other``: an area of Marl outside the staff member's scope."""
    objs = seed_config_for_staff(tenant("marl"))
    with tenant_scope(tenant("marl")):
        other = (
            db.session.execute(
                select(Area)
                .where(Area.id.not_in([objs["area"].id, objs["quarter"].id]))
                .order_by(Area.code)
            )
            .scalars()
            .first()
        )
        objs["other"] = {"id": other.id, "name": other.name}
        db.session.expunge_all()
    return objs


def metric_id(code: str) -> int:
    with tenant_scope(tenant("marl")):
        return db.session.execute(
            select(Metric.id).where(Metric.code == code, Metric.tenant_id.is_(None))
        ).scalar_one()


@pytest.fixture
def store(marl: Any) -> Callable[..., None]:
    """``store(area_id, "ION_COUNT", "2023-05", 5, …)`` saves figure values for Marl."""

    def _store(*values: tuple[int, str, str, float]) -> None:
        ids = {code: metric_id(code) for _a, code, _p, _v in values}
        with tenant_scope(tenant("marl")):
            for area, code, period, value in values:
                db.session.add(
                    FigureValue(
                        area_id=area, metric_id=ids[code], period=period, value=value, source="t"
                    )
                )
            db.session.commit()

    return _store


@pytest.fixture
def status(marl: Any) -> Callable[..., None]:
    """``status("area", ref_id, "2023-05", "submitted", reason="")`` sets a period state."""

    def _status(scope: str, ref_id: int, period: str, state: str, reason: str = "") -> None:
        with tenant_scope(tenant("marl")):
            db.session.add(
                PeriodStatus(
                    scope=scope,
                    period=period,
                    state=state,
                    reason=reason,
                    **{f"{scope}_id": ref_id},
                )
            )
            db.session.commit()

    return _status


def state_of(scope: str, ref_id: int, period: str) -> str | None:
    db.session.rollback()
    column = PeriodStatus.area_id if scope == "area" else PeriodStatus.office_id
    with tenant_scope(tenant("marl")):
        found = db.session.execute(
            select(PeriodStatus.state).where(
                PeriodStatus.scope == scope, column == ref_id, PeriodStatus.period == period
            )
        ).scalar()
    db.session.rollback()
    return found
