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
