"""The indicator engine against hand-computed expectations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from saas.activities.models import Activity
from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue, PeriodStatus
from saas.indicators.engine import annual_values, compute
from saas.metrics.models import Metric
from saas.offices.models import Office
from tests.conftest import tenant


@pytest.fixture
def data(app):
    """Two districts A (u21: 1,000) and B (u21: 3,000) under a parent P, 2023 and 2024."""
    marl = tenant("marl")
    with tenant_scope(marl):
        ids = dict(
            db.session.execute(
                select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
            ).all()
        )
        top = AreaLevel(code="t-bezirk", name="Bezirk", hierarchy="t", position=1)
        low = AreaLevel(code="t-viertel", name="Viertel", hierarchy="t", position=2)
        db.session.add_all([top, low])
        db.session.flush()
        parent = Area(code="T-P", name="P", level_id=top.id)
        db.session.add(parent)
        db.session.flush()
        a = Area(code="T-A", name="A", level_id=low.id, parent_id=parent.id)
        b = Area(code="T-B", name="B", level_id=low.id, parent_id=parent.id)
        db.session.add_all([a, b])
        db.session.flush()

        def put(code: str, area: Area, period: str, value: float) -> None:
            db.session.add(
                FigureValue(metric_id=ids[code], area_id=area.id, period=period, value=value)
            )

        put("POP_U21", a, "2023", 1000)
        put("POP_U21", b, "2023", 3000)
        put("POP_TOTAL", a, "2023", 5000)
        put("POP_TOTAL", b, "2023", 15000)
        for month in range(1, 13):
            put("HZE_RUN", a, f"2023-{month:02d}", 20 + month)  # December: 32
            put("HZE_RUN", b, f"2023-{month:02d}", 50 + month)  # December: 62
            put("HZE_RUN_34", a, f"2023-{month:02d}", 5)
            put("HZE_RUN_34", b, f"2023-{month:02d}", 10 + (month == 12))  # December: 11
        put("HZE_END", a, "2023-03", 2)
        put("HZE_END", a, "2023-07", 1)  # A ended: 3
        put("HZE_END", b, "2023-05", 8)  # B ended: 8
        put("HZE_END_34", b, "2023-05", 1)
        # 2024: B's last month with data is November
        for month in range(1, 12):
            put("HZE_RUN", b, f"2024-{month:02d}", 70 + month)  # November: 81
        put("HZE_RUN", a, "2024-12", 1)
        # approvals: all of A's 2023 months and the year; none of B
        for month in range(1, 13):
            db.session.add(
                PeriodStatus(
                    scope="area", area_id=a.id, period=f"2023-{month:02d}", state="approved"
                )
            )
        db.session.add(PeriodStatus(scope="area", area_id=a.id, period="2023", state="approved"))
        office = Office(code="t-office", name="T")
        db.session.add(office)
        db.session.flush()
        db.session.add_all(
            [
                Activity(
                    date=date(2023, 2, 1), office_id=office.id, area_id=a.id, kind="event", p_0_5=3
                ),
                Activity(
                    date=date(2023, 9, 1),
                    office_id=office.id,
                    area_id=a.id,
                    kind="short_counselling",
                    p_27_64=1,
                ),
            ]
        )
        db.session.commit()
        return {"tenant": marl, "a": a.id, "b": b.id, "p": parent.id}


def one(rows, indicator, year, group=None):
    [row] = [r for r in rows if r.indicator == indicator and r.year == year and r.group == group]
    return row


def test_annual_values_follow_the_metric_rules(data):
    with tenant_scope(data["tenant"]):
        annual = annual_values(
            ["HZE_RUN", "HZE_END", "POP_U21"], [2023, 2024], area_ids=[data["a"], data["b"]]
        )
    values = annual.values
    assert values[("HZE_RUN", data["a"], 2023)] == 32  # stock: 31 December
    assert values[("HZE_END", data["a"], 2023)] == 3  # flow: sum of the months
    assert values[("POP_U21", data["b"], 2023)] == 3000  # yearly metric
    # stock without its December value: incomplete, not November's 81
    assert ("HZE_RUN", data["b"], 2024) not in values
    assert ("HZE_RUN", data["b"], 2024) in annual.incomplete
    assert ("HZE_RUN", data["b"], 2023) in annual.pending
    assert ("HZE_RUN", data["a"], 2023) not in annual.pending


def test_a_stock_year_without_december_is_incomplete_not_carried(data):
    """B's 2024 ends in November: the year is "unvollständig", even when November is
    approved, and every indicator resting on it is withheld with that reason."""
    with tenant_scope(data["tenant"]):
        db.session.add(
            PeriodStatus(scope="area", area_id=data["b"], period="2024-11", state="approved")
        )
        db.session.flush()
        annual = annual_values(["HZE_RUN"], [2024], area_ids=[data["b"]], approved_only=True)
        assert annual.values == {}
        assert annual.incomplete == {("HZE_RUN", data["b"], 2024)}
        assert annual.incomplete_years == {2024}
        rows = compute(["HZE_CASES"], [2024], area_ids=[data["a"], data["b"]])
        db.session.rollback()
    # A has its December (1 case), B has none: the total is not 1 + 81, nor 1 — withheld
    total = one(rows, "HZE_CASES", 2024)
    assert total.value is None and total.reason == "incomplete"


def test_a_rate_needs_numerator_and_denominator_over_the_same_areas(data):
    """Cases of A and B over the population of A alone is no rate: withheld, reason named."""
    with tenant_scope(data["tenant"]):
        population = db.session.execute(
            select(FigureValue)
            .join(Metric, Metric.id == FigureValue.metric_id)
            .where(
                Metric.code == "POP_U21",
                FigureValue.area_id == data["b"],
                FigureValue.period == "2023",
            )
        ).scalar_one()
        db.session.delete(population)
        db.session.flush()
        rows = compute(["HZE_ECKWERT", "HZE_CASES"], [2023], area_ids=[data["a"], data["b"]])
        by_area = compute(["HZE_ECKWERT"], [2023], by="area", area_ids=[data["a"], data["b"]])
        db.session.rollback()
    rate = one(rows, "HZE_ECKWERT", 2023)
    # not (35 + 70) / 1,000 × 1,000 = 105 ‰
    assert rate.value is None and rate.reason == "coverage"
    assert rate.uncovered == (data["b"],)
    assert one(rows, "HZE_CASES", 2023).value == 105  # the count itself is complete
    assert one(by_area, "HZE_ECKWERT", 2023, data["a"]).value == pytest.approx(35.0)


def test_cost_per_case_is_expenditure_per_running_case_year(data):
    """A's running cases 21 … 32 (mean 26.5) and €318,000 expenditure: €12,000 per
    case-year — not €318,000 / 35 Destatis cases = €9,086."""
    with tenant_scope(data["tenant"]):
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "HZE_EXP_TOTAL", Metric.tenant_id.is_(None))
        ).scalar_one()
        for month in range(1, 13):
            db.session.add(
                FigureValue(
                    metric_id=metric, area_id=data["a"], period=f"2023-{month:02d}", value=26500
                )
            )
        db.session.flush()
        rows = compute(
            ["HZE_COST_PER_CASE", "HZE_CASE_YEARS", "HZE_CASE_YEARS_RATE"],
            [2023, 2024],
            area_ids=[data["a"]],
        )
        db.session.rollback()
    assert one(rows, "HZE_CASE_YEARS", 2023).value == pytest.approx(26.5)
    assert one(rows, "HZE_COST_PER_CASE", 2023).value == pytest.approx(12_000)
    assert one(rows, "HZE_CASE_YEARS_RATE", 2023).value == pytest.approx(26.5)
    # 2024: A has one month only: no mean of twelve months
    assert one(rows, "HZE_CASE_YEARS", 2024).reason == "incomplete"


def test_case_count_and_eckwert_are_ratios_of_sums(data):
    with tenant_scope(data["tenant"]):
        rows = compute(["HZE_CASES", "HZE_ECKWERT"], [2023], area_ids=[data["a"], data["b"]])
        by_area = compute(["HZE_ECKWERT"], [2023], by="area", area_ids=[data["a"], data["b"]])
    # Destatis count: running on 31 Dec + ended in the year: A 32 + 3 = 35, B 62 + 8 = 70
    assert one(rows, "HZE_CASES", 2023).value == 105
    # ratio of sums: (35 + 70) / (1,000 + 3,000) × 1,000 = 26.25 …
    assert one(rows, "HZE_ECKWERT", 2023).value == pytest.approx(26.25)
    # … not the mean of the area rates (35.0 and 23.33)
    rates = {r.group: r.value for r in by_area}
    assert rates[data["a"]] == pytest.approx(35.0)
    assert rates[data["b"]] == pytest.approx(70 / 3)
    assert (rates[data["a"]] + rates[data["b"]]) / 2 != pytest.approx(26.25)
    assert one(rows, "HZE_ECKWERT", 2023).approved is False  # B is not approved


def test_share_of_residential_help(data):
    with tenant_scope(data["tenant"]):
        rows = compute(["HZE_STAT_SHARE"], [2023], area_ids=[data["a"], data["b"]])
    # § 34 count: A 5 + 0, B 11 + 1 → 17 of 105 cases
    assert one(rows, "HZE_STAT_SHARE", 2023).value == pytest.approx(17 / 105 * 100)


def test_level_aggregation_equals_the_sum_of_children(data):
    with tenant_scope(data["tenant"]):
        rows = compute(
            ["HZE_ECKWERT", "POP_U21"],
            [2023],
            by="level",
            level="t-bezirk",
            area_ids=[data["a"], data["b"]],
        )
    assert one(rows, "POP_U21", 2023, data["p"]).value == 4000
    assert one(rows, "HZE_ECKWERT", 2023, data["p"]).value == pytest.approx(26.25)


def test_approved_only_counts_only_fully_approved_years(data):
    """One unapproved month drops the whole year of that area, never a partial sum."""
    with tenant_scope(data["tenant"]):
        annual = annual_values(["HZE_END"], [2023], area_ids=[data["a"]], approved_only=True)
        assert annual.values[("HZE_END", data["a"], 2023)] == 3
        status = db.session.execute(
            select(PeriodStatus).where(
                PeriodStatus.area_id == data["a"], PeriodStatus.period == "2023-07"
            )
        ).scalar_one()
        status.state = "submitted"
        db.session.flush()
        annual = annual_values(
            ["HZE_END", "HZE_RUN"], [2023], area_ids=[data["a"]], approved_only=True
        )
        assert ("HZE_END", data["a"], 2023) not in annual.values  # not 2 (March only)
        assert annual.values[("HZE_RUN", data["a"], 2023)] == 32  # December is approved
        db.session.rollback()


def test_approved_only_leaves_out_unapproved_months(data):
    with tenant_scope(data["tenant"]):
        rows = compute(
            ["HZE_CASES", "HZE_ECKWERT"],
            [2023],
            approved_only=True,
            area_ids=[data["a"], data["b"]],
        )
    assert one(rows, "HZE_CASES", 2023).value == 35  # only A
    assert one(rows, "HZE_ECKWERT", 2023).value == pytest.approx(35.0)
    assert one(rows, "HZE_CASES", 2023).approved


def test_small_counts_are_suppressed(data):
    with tenant_scope(data["tenant"]):
        rows = compute(
            ["HZE_CASES", "POP_U21"],
            [2024],
            by="area",
            threshold=3,
            area_ids=[data["a"], data["b"]],
        )
    small = one(rows, "HZE_CASES", 2024, data["a"])  # 1 running case in A in 2024
    assert small.suppressed and small.value is None and small.numerator is None
    assert one(rows, "HZE_CASES", 2024, data["b"]).reason == "incomplete"  # no December


def test_activities_roll_up_into_indicators(data):
    with tenant_scope(data["tenant"]):
        rows = compute(
            ["SRO_ACTIVITIES", "SRO_SHORT_COUNSEL", "SRO_PARTICIPANTS"],
            [2023],
            area_ids=[data["a"]],
        )
    assert one(rows, "SRO_ACTIVITIES", 2023).value == 2
    assert one(rows, "SRO_SHORT_COUNSEL", 2023).value == 1
    assert one(rows, "SRO_PARTICIPANTS", 2023).value == 4


def test_other_tenant_sees_none_of_it(data):
    with tenant_scope(tenant("hamm")):
        assert compute(["HZE_CASES"], [2023]) == []


def test_the_comparison_leaves_out_an_incomplete_stock_year(data):
    """Every month of 2024 has figures somewhere (A: December, B: January–November), but B's
    stock has no 31 December value: the year is not complete, so it is not published."""
    from saas.comparison.services import complete_years

    with tenant_scope(data["tenant"]):
        for area in ("a", "b"):
            for month in range(1, 13):
                db.session.add(
                    PeriodStatus(
                        scope="area",
                        area_id=data[area],
                        period=f"2024-{month:02d}",
                        state="approved",
                    )
                )
        db.session.flush()
        annual = annual_values(["HZE_RUN"], [2024], area_ids=[data["a"], data["b"]])
        db.session.rollback()
    assert annual.incomplete_years == {2024}
    assert complete_years(annual) == []
