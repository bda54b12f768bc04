"""Difference-in-differences by hand on a tiny municipality, the reasons, and Marl's demo."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.operations import acting_as_system
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.impact.services import (
    DEFAULT_COSTS,
    analyse_all,
    analyse_office,
    effective_costs,
    save_costs,
)
from saas.metrics.models import Metric
from saas.offices.models import Office, OfficeArea
from tests.impact.conftest import Town

COSTS = {"34": 60_000.0, "31": 16_000.0}


def test_hand_computed_did(town: Town):
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("new"), window=2, costs=COSTS)
    assert result.ok, result.reason
    assert result.opening_year == 2019
    assert result.before_years == (2017, 2018)
    assert result.after_years == (2020, 2021)
    # the office is linked to the parent P; its children carry the figures
    assert set(result.treated_area_ids) == {town.areas["P1"], town.areas["P2"]}
    # B never served; D's office closed before 2017; C is served all along; Z is political
    assert set(result.control_area_ids) == {town.areas["B"], town.areas["D"]}
    assert result.data_years == (2016, 2022)
    assert result.years_available == 7

    # ratio of sums over areas and window years (cases = Dec stock + ended in the year)
    tb, ta = result.treated_before, result.treated_after
    cb, ca = result.control_before, result.control_after
    assert (tb.cases, tb.population) == (40 + 44 + 20 + 20, 1000 + 1200 + 500 + 500)
    assert tb.rate == pytest.approx(124 / 3200 * 1000)  # 38.75, not the mean of rates 38.82
    assert (ta.cases, ta.population) == (38 + 36 + 18 + 16, 1100 + 900 + 500 + 500)
    assert ta.rate == pytest.approx(36.0)
    assert (cb.cases, cb.population) == (60 + 62 + 30 + 30, 6000)
    assert cb.rate == pytest.approx(182 / 6)
    assert (ca.cases, ca.population) == (70 + 72 + 31 + 33, 6000)
    assert ca.rate == pytest.approx(206 / 6)
    # DiD = (36 − 38.75) − (34.333 − 30.333) = −6.75 ‰ points
    assert result.did == pytest.approx(-6.75)
    # cases avoided = 6.75 × mean under-21 after (3000 / 2) / 1000
    assert result.treated_u21_after == pytest.approx(1500)
    assert result.cases_avoided == pytest.approx(10.125)
    # help-type mix before, in case-years: § 34 31, § 31 95 (30.5 + 33.5 + 15.5 + 15.5: the
    # rest of every month's total) → (31 × 60,000 + 95 × 16,000) / 126
    lines = {line.suffix: line for line in result.cost_lines}
    assert lines["34"].cases_before == 31 and lines["31"].cases_before == 95
    assert lines["34"].share == pytest.approx(31 / 126)
    assert not lines["34"].is_default and lines["30"].is_default
    assert "41" not in lines  # § 41 is inside the help types, no cost of its own
    # in whole euros (3,380,000 / 126 = 26,825.40), as shown: the cost avoided multiplies
    # the shown cost (services.mean_bounds)
    assert result.cost_per_case == 26_825
    # cost avoided from case-years (running case-years = cases + 0.5 per area and year):
    # treated 126 / 3,200 → 110 / 3,000, control 184 / 6,000 → 208 / 6,000:
    # DiD = (36.667 − 39.375) − (34.667 − 30.667) = −6.7083 ‰ points → 10.0625 case-years
    assert result.case_years_avoided == pytest.approx(10.0625)
    assert result.cost_avoided == pytest.approx(10.0625 * 26_825)

    # trends indexed to the opening year: treated 2019 = 72 / 1500, control 96 / 3000
    rows = {row.year: row for row in result.years}
    assert rows[2019].phase == "opening" and rows[2019].treated.index == pytest.approx(100)
    assert rows[2017].treated.index == pytest.approx(40 / 48 * 100)
    assert rows[2017].control.index == pytest.approx(30 / 32 * 100)
    assert [rows[y].phase for y in (2016, 2017, 2020, 2022)] == ["", "before", "after", ""]
    # no period has been approved yet
    assert result.pending


def test_opening_year_is_a_transition_year(town: Town):
    """Changing the figures of the opening year moves the index, never the DiD."""
    with tenant_scope(town.tenant):
        before = analyse_office(town.office("new"), window=2)
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "HZE_RUN", Metric.tenant_id.is_(None))
        ).scalar_one()
        row = db.session.execute(
            select(FigureValue).where(
                FigureValue.metric_id == metric,
                FigureValue.area_id == town.areas["P1"],
                FigureValue.period == "2019-12",
            )
        ).scalar_one()
        row.value += 30
        db.session.flush()
        after = analyse_office(town.office("new"), window=2)
    assert after.did == pytest.approx(before.did)
    # 2017: 60 / 1500 against 72 / 1500 before, 102 / 1500 after the change
    assert before.years[1].treated.index == pytest.approx(40 / 48 * 100)
    assert after.years[1].treated.index == pytest.approx(40 / 68 * 100)


def test_default_costs_are_used_without_tenant_settings(town: Town):
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("new"), window=2)
    assert all(line.is_default for line in result.cost_lines)
    assert result.cost_per_case == round(
        (31 * DEFAULT_COSTS["34"] + 95 * DEFAULT_COSTS["31"]) / 126
    )


def test_tenant_costs_are_stored_in_settings(town: Town):
    with tenant_scope(town.tenant), acting_as_system():  # its audit row is the tenant's
        save_costs({"34": 50_000, "31": DEFAULT_COSTS["31"]})
        db.session.commit()
    assert town.tenant.settings["impact_costs"] == {"34": 50_000.0}
    costs = effective_costs(town.tenant)
    assert costs["34"] == (50_000.0, False)
    assert costs["31"] == (DEFAULT_COSTS["31"], True)
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("new"), window=2)
    assert result.cost_per_case == round((31 * 50_000 + 95 * DEFAULT_COSTS["31"]) / 126)


def test_reason_without_opening_date(town: Town):
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("undated"))
    assert result.reason_code == "no_opening_date"
    assert result.reason and result.did is None and result.years == []


def test_reason_without_control_areas(town: Town):
    """An office without an opening date counts as open all along."""
    with tenant_scope(town.tenant):
        for code in ("B", "D"):
            db.session.add(OfficeArea(office_id=town.offices["undated"], area_id=town.areas[code]))
        db.session.flush()
        result = analyse_office(town.office("new"), window=2)
    assert result.reason_code == "no_control"
    assert "2017" in result.reason and "2021" in result.reason
    assert result.control_area_ids == ()


def test_office_closed_during_the_period_excludes_its_areas(town: Town):
    with tenant_scope(town.tenant):
        town.office("gone").closed_on = date(2017, 6, 30)
        db.session.flush()
        result = analyse_office(town.office("new"), window=2)
    assert set(result.control_area_ids) == {town.areas["B"]}


def test_reasons_for_the_window(town: Town):
    with tenant_scope(town.tenant):
        office = town.office("new")
        assert analyse_office(office, window=3).ok  # 2016–2022: exactly the data
        early = analyse_office(office, window=4)
        office.opened_on = date(2021, 1, 1)
        db.session.flush()
        late = analyse_office(office, window=2)
    assert early.reason_code == "before_data" and "2016" in early.reason
    assert late.reason_code == "after_data" and "2022" in late.reason


def test_reason_for_missing_population(town: Town):
    with tenant_scope(town.tenant):
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "POP_U21", Metric.tenant_id.is_(None))
        ).scalar_one()
        db.session.execute(
            delete(FigureValue).where(
                FigureValue.metric_id == metric,
                FigureValue.area_id == town.areas["D"],
                FigureValue.period == "2020",
            )
        )
        result = analyse_office(town.office("new"), window=2)
    assert result.reason_code == "missing_population"
    assert "Dorfmitte: 2020" in result.reason


def test_approved_only_uses_no_unapproved_figures(town: Town):
    with tenant_scope(town.tenant):
        result = analyse_office(town.office("new"), window=2, approved_only=True)
    assert result.reason_code == "not_approved"  # nothing is approved in this town
    assert "Parkviertel Nord: 2017, 2018, 2020, 2021" in result.reason


def test_partial_coverage_uses_the_containing_area(town: Town):
    with tenant_scope(town.tenant):
        p1 = db.session.execute(select(Area).where(Area.code == "P1")).scalar_one()
        corner = Area(level_id=p1.level_id, code="P1a", name="Parkecke", parent_id=p1.id)
        office = Office(code="corner", name="Eckbüro", opened_on=date(2019, 3, 1))
        db.session.add_all([corner, office])
        db.session.flush()
        db.session.add(OfficeArea(office_id=office.id, area_id=corner.id))
        db.session.flush()
        result = analyse_office(office, window=2)
    assert result.ok
    assert result.treated_area_ids == (town.areas["P1"],)
    assert any("larger unit" in note or "übergeordneten Einheit" in note for note in result.notes)
    # the new office's areas are served now: P2 is not a control either (its parent P is
    # linked to "new", opened in the period), only B and D are
    assert set(result.control_area_ids) == {town.areas["B"], town.areas["D"]}


def test_analyse_all_lists_every_office(town: Town):
    with tenant_scope(town.tenant):
        results = analyse_all(2)
    by_code = {r.office_code: r for r in results}
    assert set(by_code) == {"new", "old", "gone", "undated"}
    assert by_code["new"].ok
    assert by_code["old"].reason_code == "before_data"
    assert by_code["undated"].reason_code == "no_opening_date"


def test_drewer_nord_on_marl_demo_data(marl):
    with tenant_scope(marl):
        office = db.session.execute(
            select(Office).where(Office.code.contains("drewer-nord"))
        ).scalar_one()
        assert office.opened_on == date(2020, 3, 1)
        result = analyse_office(office)
        names = {a.id: a.name for a in db.session.execute(select(Area)).unique().scalars()}
    assert result.ok, result.reason
    assert result.reason is None
    assert result.did < 0
    assert result.cases_avoided > 0 and result.cost_avoided > 0
    assert [names[a] for a in result.treated_area_ids] == ["Drewer-Nord"]
    # Brassert and Drewer-Süd got their offices in 2018-11, inside 2017–2023: no controls
    assert {"Brassert", "Drewer-Süd", "Drewer-Nord"}.isdisjoint(result.control_areas)
    assert result.control_areas
    assert result.years_available == 10
    assert any("Mittendrin" in note for note in result.notes)


def test_approved_only_drops_years_not_fully_approved(marl):
    """Demo: November 2024 is submitted, December a draft — 2024 is not used at all."""
    with tenant_scope(marl):
        office = db.session.execute(
            select(Office).where(Office.code == "stb-drewer-nord")
        ).scalar_one()
        everything = analyse_office(office)
        approved = analyse_office(office, approved_only=True)
    assert everything.pending is False  # the windows 2017–2023 are all approved
    assert approved.ok and not approved.pending
    assert approved.did == pytest.approx(everything.did)
    last = {row.year: row for row in approved.years}[2024]
    assert last.treated.rate is None and last.control.rate is None
    assert {row.year: row for row in everything.years}[2024].treated.rate is not None
