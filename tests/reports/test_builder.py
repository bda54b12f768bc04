"""run_report on Marl's demo data: every template runs, numbers come from the engine,
small counts by area are suppressed, data status, vocabulary and locale are honoured."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from flask import Flask
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from saas.activities.models import Activity
from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue
from saas.indicators.engine import compute
from saas.metrics.models import Metric
from saas.offices.models import Office
from saas.reports.builder import _round
from saas.reports.library import LIBRARY
from saas.reports.models import ReportTemplate
from saas.reports.result import Cell, ReportResult, format_cell
from saas.tenants.models import Tenant
from tests.conftest import tenant
from tests.reports.conftest import run


def adhoc(*sections: dict[str, Any]) -> ReportTemplate:
    """A template that is never stored (run_report takes any template object)."""
    return ReportTemplate(
        id=None,
        tenant_id=None,
        code="adhoc",
        version=1,
        title_de="Ad hoc",
        title_en="Ad hoc",
        definition={"sections": list(sections)},
    )


def section(result: ReportResult, title: str) -> Any:
    """The section with this title, else the first whose title starts with it."""
    exact = [s for s in result.sections if s.title == title]
    return exact[0] if exact else next(s for s in result.sections if s.title.startswith(title))


def test_every_shared_template_runs_on_marl(app: Flask) -> None:
    for item in LIBRARY:
        result = run(item["code"])
        assert result.template_code == item["code"] and result.template_version == 1
        assert result.tenant_name == "Stadt Marl" and result.level == "stadtteil"
        assert (result.first_year, result.last_year) == (2015, 2024)
        data = [s for s in result.sections if s.type != "text"]
        assert len(data) == len([s for s in item["definition"]["sections"] if s["type"] != "text"])
        for s in data:
            tables = s.tables()
            assert tables and all(t.rows for t in tables), (item["code"], s.title)
            assert any(c.value is not None for t in tables for r in t.rows for c in r.cells)
        # synthetic demo data is labelled, and the data sources are named
        assert any("synthetic" in n or "synthetisch" in n for n in result.footnotes)
        sources = next(n for n in result.footnotes if n.startswith("Quellen"))
        assert not re.search(r"\b(HZE|SRO|POP)_", sources), sources  # names, not codes
        json.dumps(result.to_dict())  # a snapshot is plain JSON


def test_numbers_are_the_engines(app: Flask) -> None:
    result = run("entwicklung-hze")
    with tenant_scope(tenant("marl")):
        total = {
            (v.indicator, v.year): v
            for v in compute(["HZE_ECKWERT", "HZE_CASES"], range(2015, 2025))
        }
        by_area = compute(["HZE_ECKWERT"], [2024], by="level", level="stadtteil", threshold=3)
        names = dict(db.session.execute(select(Area.id, Area.name)).all())
    db.session.rollback()
    kpis = section(result, "Kennzahlen")
    cases = next(t for t in kpis.tiles if t.label.startswith("HzE-Fallzahl"))
    assert cases.value.value == round(total[("HZE_CASES", 2024)].value)
    assert cases.previous.value == round(total[("HZE_CASES", 2023)].value)
    expected_change = round(
        (total[("HZE_CASES", 2024)].value - total[("HZE_CASES", 2023)].value)
        / total[("HZE_CASES", 2023)].value
        * 100,
        1,
    )
    assert cases.change.value == expected_change and cases.change.signed
    trend = section(result, "HzE-Eckwert im Zeitverlauf").blocks[0]
    assert [c.value for c in trend.table.rows[0].cells] == [
        round(total[("HZE_ECKWERT", y)].value, 1) for y in range(2015, 2025)
    ]
    assert trend.chart.kind == "line" and trend.chart.x == [str(y) for y in range(2015, 2025)]
    assert trend.chart.series[0].values == [c.value for c in trend.table.rows[0].cells]
    bars = section(result, "HzE-Eckwert je Stadtteil").blocks[0]
    shown = {r.label: r.cells[0].value for r in bars.table.rows}
    expected = {names[v.group]: None if v.value is None else round(v.value, 1) for v in by_area}
    assert shown == expected
    assert 20 < total[("HZE_ECKWERT", 2024)].value < 60  # plausible demo range


def _area(level_id: int, code: str) -> int:
    area = Area(code=code, name=f"Testgebiet {code}", level_id=level_id)
    db.session.add(area)
    db.session.flush()
    return area.id


def test_small_counts_by_area_are_suppressed(app: Flask) -> None:
    marl = tenant("marl")
    with tenant_scope(marl):
        level = AreaLevel(
            code="testebene", name="Testgebiet", plural="Testgebiete", hierarchy="test"
        )
        db.session.add(level)
        db.session.flush()
        small, large, third = _area(level.id, "T1"), _area(level.id, "T2"), _area(level.id, "T3")
        metrics = dict(
            db.session.execute(
                select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
            ).all()
        )
        values = [
            (small, "HZE_RUN", "2024-12", 1),
            (small, "HZE_END", "2024-06", 1),
            (small, "HZE_EXP_TOTAL", "2024-12", 60000),
            (small, "POP_U21", "2024", 500),
            (large, "HZE_RUN", "2024-12", 9),
            (large, "HZE_END", "2024-06", 3),
            (large, "HZE_EXP_TOTAL", "2024-12", 300000),
            (large, "POP_U21", "2024", 800),
            (third, "HZE_RUN", "2024-12", 20),
            (third, "HZE_EXP_TOTAL", "2024-12", 400000),
            (third, "POP_U21", "2024", 1000),
        ]
        # the same stock all year, so that the cost per running case-year (expenditure over
        # the mean of the twelve monthly stocks) exists: 1, 9 and 20 case-years
        values += [
            (area, "HZE_RUN", f"2024-{month:02d}", value)
            for area, code, period, value in list(values)
            if code == "HZE_RUN"
            for month in range(1, 12)
        ]
        db.session.add_all(
            FigureValue(area_id=a, metric_id=metrics[m], period=p, value=v, source="test")
            for a, m, p, v in values
        )
        db.session.commit()
    template = adhoc(
        {
            "type": "table",
            "title_de": "Klein",
            "by": "level",
            "level": "testebene",
            "years": "last",
            "indicators": ["HZE_CASES", "HZE_ECKWERT", "HZE_COST_PER_CASE", "HZE_EXP_TOTAL"],
        },
        {"type": "kpis", "title_de": "Gesamt", "indicators": ["HZE_CASES"]},
    )
    result = run(template, 2023, 2024)
    table = result.sections[0].blocks[0].table
    rows = {r.label: r.cells for r in table.rows}
    t1, t2, t3 = rows["Testgebiet T1"], rows["Testgebiet T2"], rows["Testgebiet T3"]
    # primary: T1 rests on 2 cases — its count, its Eckwert, its cost per case and its
    # expenditure (the expenditure of 2 cases is theirs; with the cost per case it would
    # give the count back)
    assert [c.suppressed for c in t1] == [True, True, True, True]
    assert [format_cell(c) for c in t1] == ["–", "–", "–", "–"]
    # secondary: with the yearly total shown, T2's 12 and T3's 20 would give T1's 2 back by
    # subtraction, so the smaller of them is withheld as well, with everything resting on it
    assert [c.suppressed for c in t2] == [True, True, True, True]
    assert [c.value for c in t3] == [20, 20.0, 20000, 400000]
    assert not any(c.suppressed for c in t3)
    assert any(flag == "–" and "3" in meaning for flag, meaning in result.legend)
    # the municipality's total is not suppressed
    assert result.sections[1].tiles[0].value.value is not None


def test_data_status_footnote_follows_approval(app: Flask) -> None:
    approved = run("entwicklung-hze", 2015, 2023)
    pending = run("entwicklung-hze", 2015, 2024)
    assert approved.approved and approved.pending_years == []
    assert not pending.approved and pending.pending_years == [2024]
    assert approved.footnotes[0] != pending.footnotes[0]
    assert "2024" in pending.footnotes[0] and "2024" not in approved.footnotes[0]
    # activities: the last months of the demo are submitted/draft in the office workflow too
    assert run("jahresbericht-sozialraumarbeit", 2016, 2023).approved
    assert not run("jahresbericht-sozialraumarbeit", 2016, 2024).approved


def test_tenant_vocabulary_and_level_words(app: Flask) -> None:
    with all_tenants():
        marl = db.session.execute(select(Tenant).where(Tenant.slug == "marl")).scalar_one()
        marl.vocabulary = {
            **(marl.vocabulary or {}),
            "office": "Quartiersbüro",
            "offices": "Quartiersbüros",
        }
        db.session.commit()
    result = run("jahresbericht-sozialraumarbeit")
    offices = section(result, "Aktivitäten je Quartiersbüro")
    assert offices.blocks[0].table.corner == "Quartiersbüro"
    assert any("Quartiersbüros" in s.text for s in result.sections)
    assert any("Quartiersbüros" in n for n in result.footnotes)
    assert section(result, "Aktivitäten je Stadtteil").blocks[0].table.corner == "Stadtteil"


def test_level_falls_back_to_the_chosen_one(app: Flask) -> None:
    template = adhoc(
        {
            "type": "bars",
            "title_de": "Je {area}",
            "indicators": ["POP_TOTAL"],
            "level": "gibt-es-nicht",
        },
    )
    result = run(template, 2024, 2024, level="unbekannt")
    assert result.level == "stadtteil" and result.level_name == "Stadtteil"
    block = result.sections[0].blocks[0]
    assert result.sections[0].title == "Je Stadtteil"
    assert len(block.table.rows) == 11 and block.chart.kind == "bar"


def test_activity_tables_count_the_log(app: Flask) -> None:
    result = run("jahresbericht-sozialraumarbeit", 2015, 2024)
    with tenant_scope(tenant("marl")):
        per_office = dict(
            db.session.execute(
                select(Office.name, func.count(Activity.id))
                .join(Activity, Activity.office_id == Office.id)
                .where(Activity.date >= date(2024, 1, 1), Activity.date < date(2025, 1, 1))
                .group_by(Office.name)
            ).all()
        )
    db.session.rollback()
    last_year = section(result, "Aktivitäten und Teilnehmende je").blocks[0].table
    assert {r.label: r.cells[0].value for r in last_year.rows} == per_office
    by_kind = section(result, "Aktivitäten nach Art").blocks[0].table
    total = sum(per_office.values())
    assert sum(r.cells[0].value for r in by_kind.rows) == total
    kpi = section(result, "Das Jahr in Zahlen").tiles[0]
    assert kpi.value.value == total  # the engine's roll-up agrees with the log
    by_principle = section(result, "Aktivitäten nach Grundsatz").blocks[0].table
    assert sum(r.cells[0].value for r in by_principle.rows) >= total
    range_table = section(result, "Aktivitäten je Stadtteilbüro").blocks[0].table
    assert range_table.columns == [str(y) for y in range(2015, 2025)]
    assert {r.label: r.cells[-1].value for r in range_table.rows} == {
        label: per_office.get(label, 0) for label in (r.label for r in range_table.rows)
    }


def test_snapshot_round_trip_and_locales(app: Flask) -> None:
    result = run("kosten-der-hilfen")
    again = ReportResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert Counter(format_cell(c) for c in again.cells()) == Counter(
        format_cell(c) for c in result.cells()
    )
    assert format_cell(Cell(1234.5, 1)) == "1.234,5"
    assert format_cell(Cell(-2.0, 1, signed=True)) == "-2,0"
    assert format_cell(Cell(3.25, 1, signed=True)) == "+3,2"
    assert format_cell(Cell(1234567.0, 0), grouping=False) == "1234567"
    with force_locale("en"):
        assert format_cell(Cell(1234.5, 1)) == "1,234.5"
        english = run("kosten-der-hilfen")
    assert english.title == "Cost of help" and english.locale == "en"
    assert [c.value for c in english.cells()] == [c.value for c in result.cells()]


def test_a_tenant_without_figures_gets_an_empty_report(app: Flask) -> None:
    result = run("entwicklung-hze", 2020, 2024, slug="hamm")
    assert result.tenant_name != "Stadt Marl" and result.level == "sozialraum"
    assert all(c.value is None for c in result.cells())
    assert result.approved  # nothing unapproved is shown


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    decimals=st.integers(min_value=0, max_value=2),
    signed=st.booleans(),
    grouping=st.booleans(),
)
def test_format_cell_writes_what_babel_writes(
    app: Flask, value: float, decimals: int, signed: bool, grouping: bool
) -> None:
    """The fast formatter of report cells agrees with Babel's CLDR patterns in both locales."""
    rounded = _round(value, decimals)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    for locale in ("de", "en"):
        with force_locale(locale):
            shown = format_cell(Cell(rounded, decimals, signed=signed), grouping=grouping)
        assert shown == format_decimal(rounded, pattern, locale=locale)


def test_the_indicators_footnotes_stand_in_the_reports_language(app: Flask) -> None:
    """The § 41 note (young adults inside §§ 27–35, numerator up to 26 over a denominator
    under 21) is a footnote of every HzE indicator, in German and in English (English
    reports once had none)."""
    from saas.indicators.definitions import NOTE_41, NOTE_41_EN

    german = run("entwicklung-hze")
    with force_locale("en"):
        english = run("entwicklung-hze")
    assert any(NOTE_41 in note for note in german.footnotes), german.footnotes
    assert any(NOTE_41_EN in note for note in english.footnotes), english.footnotes
    assert not any(NOTE_41 in note for note in english.footnotes)
