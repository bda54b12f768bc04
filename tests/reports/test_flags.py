"""Cell flags (issue 11 §5): every cell says why it has no number or how firm it is, with a
key to the symbols on the page, in the CSV and in the XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from saas.reports.result import FLAGS, Cell, format_cell
from tests.reports.conftest import run, shared


def test_a_flag_follows_the_number_and_withheld_or_missing_cells_have_no_number(
    app: Flask,
) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("de"):
        assert format_cell(Cell(1234.5, 1, flag="p")) == "1.234,5 p"
        assert format_cell(Cell(12, 0, flag="pr")) == "12 pr"
        assert format_cell(Cell(None, 0, suppressed=True, flag="–")) == "–"
        assert format_cell(Cell(None, 0, flag=".")) == "."


def test_the_key_to_the_symbols_is_on_the_page_and_in_the_downloads(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    from openpyxl import load_workbook

    template = shared("entwicklung-hze")
    result = run(template, 2015, 2024, level="stadtteil")
    used = {c.flag for c in result.cells() if c.flag}
    assert used and {flag for flag, _meaning in result.legend} <= set(FLAGS)
    assert {f for flag in used for f in flag} == {flag for flag, _meaning in result.legend}
    auth("coordinator", "marl")
    params = f"template={template.id}&from=2015&to=2024&level=stadtteil"
    html = client.get(f"/marl/reports/run?{params}").get_data(as_text=True)
    assert "Zeichenerklärung" in html
    for flag, meaning in result.legend:
        assert f">{flag}</dt><dd>{meaning}</dd>" in html
    text = client.get(f"/marl/reports/run/export.csv?{params}").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    for flag, meaning in result.legend:  # the legend block after the notes
        assert [flag, meaning] in rows
    sheet = load_workbook(
        io.BytesIO(client.get(f"/marl/reports/run/export.xlsx?{params}").get_data())
    ).active
    formats = {c.number_format for row in sheet.iter_rows() for c in row if c.data_type == "n"}
    flagged = {c.flag for c in result.cells() if c.flag and c.value is not None}
    for flag in flagged:  # numbers stay numbers, the flag is in the number format
        assert any(f'" {flag}"' in fmt for fmt in formats), (flag, formats)


def _drop(slug: str, metric: str, area: str, period: str) -> None:
    """Delete one stored figure of the demo (a month not entered, a population not known)."""
    from sqlalchemy import delete, select

    from saas.areas.models import Area
    from saas.core.db import db
    from saas.core.tenancy import tenant_scope
    from saas.figures.models import FigureValue
    from saas.metrics.models import Metric
    from tests.conftest import tenant

    with tenant_scope(tenant(slug)):
        metric_id = db.session.execute(select(Metric.id).where(Metric.code == metric)).scalar_one()
        area_id = db.session.execute(select(Area.id).where(Area.code == area)).scalar_one()
        gone = db.session.execute(
            delete(FigureValue).where(
                FigureValue.metric_id == metric_id,
                FigureValue.area_id == area_id,
                FigureValue.period == period,
            )
        )
        assert gone.rowcount == 1
        db.session.commit()


def test_a_missing_value_with_a_reason_says_it_in_the_notes(app: Flask) -> None:
    """Issue 11 §4: a "." that rests on an incomplete stock year or on a rate whose
    numerator and denominator cover other areas names its reason and the cells in the notes
    (it read like "no data for this period" although eleven months were entered)."""
    from flask_babel import force_locale

    _drop("marl", "HZE_RUN", "14", "2024-12")  # Drewer-Nord's stock without 31 December
    _drop("marl", "POP_U21", "15", "2023")  # Drewer-Süd without its under-21s in 2023
    with app.test_request_context(), force_locale("de"):
        result = run("entwicklung-hze", 2022, 2024, level="stadtteil")
    incomplete = next(n for n in result.footnotes if "unvollständiges Jahr" in n)
    assert "Drewer-Nord 2024" in incomplete and "31. Dezember" in incomplete
    assert "Drewer-Süd" not in incomplete
    coverage = next(n for n in result.footnotes if "nicht vergleichbar" in n)
    # the town's rate: its numerator covers Drewer-Süd, its denominator does not
    assert coverage.endswith("(HzE-Eckwert je 1.000 unter 21-Jährige (ohne EB) 2023).")
    assert "ein Stadtteil ohne Bevölkerungszahl" in coverage  # Marl's word, not "Gebiet"
    assert "." in {c.flag for c in result.cells()}
    assert "." in {flag for flag, _meaning in result.legend}
