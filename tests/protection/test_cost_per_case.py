"""Cost per case in the comparison publication: withheld with the counts it gives back.

A hand-computable municipality with one area, both years approved month by month:

* 2022: 1 case running all year (stock 1 in every month) and 1 ended in June — HzE count
  2 (31 Dec stock 1 + 1 ended), 1.0 case-year, €40,000: the count is small, and the cost
  per case (€40,000 per case-year) with the expenditure would give the case-years back;
* 2023: stock 2 in every month and 3 ended — count 5 (shown), 2.0 case-years, €100,000.
  The expenditure is shown (its 5 cases are), so a shown cost per case of €50,000 would
  give 100,000 ÷ 50,000 = 2 case-years: it is withheld with them.

The comparison reads the cube (``tenant_cube``); the rule sits in
:func:`saas.protection.families.revealed` — cost per case gives away the running
case-years (its denominator) and the HzE count (whose expenditure it divides).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from saas.areas.models import Area, AreaLevel
from saas.comparison.models import ComparisonRing, Publication, RingParticipation
from saas.comparison.services import refresh_publication
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue, PeriodStatus
from saas.metrics.models import Metric
from saas.protection.families import revealed

FIGURES: dict[int, dict[str, Any]] = {
    2022: {"stock": 1, "ended": {6: 1}, "expenditure": 40_000.0},
    2023: {"stock": 2, "ended": {3: 1, 6: 1, 9: 1}, "expenditure": 100_000.0},
}


def _small_town(create_tenant: Any) -> Any:
    town = create_tenant("winzig", "Winzig")
    with all_tenants():
        ring = ComparisonRing(code="winzig-ring", name="Winzig-Ring")
        db.session.add(ring)
        db.session.commit()
    with tenant_scope(town):
        db.session.add(RingParticipation(ring_id=ring.id))
        level = AreaLevel(code="ort", name="Ort", plural="Orte")
        db.session.add(level)
        db.session.flush()
        area = Area(code="W", name="Winzig", level_id=level.id)
        db.session.add(area)
        db.session.flush()
        metric = dict(
            db.session.execute(
                select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
            ).all()
        )

        def add(code: str, period: str, value: float) -> None:
            db.session.add(
                FigureValue(metric_id=metric[code], area_id=area.id, period=period, value=value)
            )

        for year, figures in FIGURES.items():
            for month in range(1, 13):
                period = f"{year}-{month:02d}"
                add("HZE_RUN", period, figures["stock"])
                add("HZE_END", period, figures["ended"].get(month, 0))
                db.session.add(
                    PeriodStatus(scope="area", area_id=area.id, period=period, state="approved")
                )
            add("HZE_EXP_TOTAL", f"{year}-12", figures["expenditure"])
            add("POP_U21", str(year), 1000)
            db.session.add(
                PeriodStatus(scope="area", area_id=area.id, period=str(year), state="approved")
            )
        db.session.commit()
    return town


def test_cost_per_case_is_withheld_with_the_counts_it_gives_back(
    app: Any, create_tenant: Any
) -> None:
    assert set(revealed("HZE_COST_PER_CASE")) == {"HZE_RUN@avg", "HZE_END+HZE_RUN"}
    town = _small_town(create_tenant)
    refresh_publication(town)
    db.session.commit()
    with all_tenants():
        rows = {
            (r.indicator, r.year): r
            for r in db.session.execute(
                select(Publication).where(
                    Publication.tenant_id == town.id, Publication.area_code == ""
                )
            ).scalars()
        }
    # 2022: 2 cases — the count, its expenditure and the cost per case are withheld
    assert rows[("HZE_CASES", 2022)].suppressed
    assert rows[("HZE_EXP_PER_U21", 2022)].suppressed
    cost = rows[("HZE_COST_PER_CASE", 2022)]
    assert cost.suppressed and cost.value is cost.numerator is cost.denominator is None
    # 2023: 5 cases and €100,000 are shown (€100 per person under 21) ...
    assert rows[("HZE_CASES", 2023)].value == 5
    spent = rows[("HZE_EXP_PER_U21", 2023)]
    assert not spent.suppressed and spent.numerator == 100_000
    # ... so a cost per case of €50,000 would give the 2.0 case-years: withheld
    cost = rows[("HZE_COST_PER_CASE", 2023)]
    assert cost.suppressed and cost.value is cost.numerator is cost.denominator is None
