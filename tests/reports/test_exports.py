"""Every output of a report carries the same numbers: HTML page, CSV, XLSX, PDF, CLI.

The expected numbers are the ReportResult computed in the test; the HTML page and the three
downloads are fetched through the app as a signed-in user. CSV and XLSX are parsed and walked
in the result's order; the PDF is written with uncompressed content streams, so each number
as shown must appear as a text-drawing operation ``(…) Tj``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from saas.reports.document import cell_text
from saas.reports.library import LIBRARY
from saas.reports.result import DASH, Cell, ReportResult, format_cell
from tests.reports.conftest import run, shared

NUM = re.compile(r'<(?:td|span) class="(?:[^"]* )?num(?: [^"]*)?"(?: data-label="[^"]*")?>([^<]*)<')


def html_numbers(html: str) -> Counter[str]:
    return Counter(unescape(m).strip() for m in NUM.findall(html))


def expected_numbers(result: ReportResult) -> Counter[str]:
    return Counter(format_cell(c) for c in result.cells())


def parse_german(text: str) -> float | None | str | tuple[float, str]:
    """A number as the CSV writes it; with its flag (``642 p``) as (number, flag)."""
    if text == DASH:
        return "suppressed"
    number, _space, flag = text.partition(" ")
    try:
        value = float(number.replace(",", "."))
    except ValueError:
        return None
    return (value, flag) if flag else value


def expected_value(cell: Cell) -> float | None | str | tuple[float, str]:
    if cell.suppressed:
        return "suppressed"
    return (cell.value, cell.flag) if cell.flag and cell.value is not None else cell.value


def walk_csv(result: ReportResult, rows: list[list[str]]) -> list[tuple[Any, Any]]:
    """(expected, found) for every number, following the layout of exports.csv_rows."""
    pairs = []
    i = next(k for k, r in enumerate(rows) if not any(r))  # after the title and the facts
    for section in result.sections:
        assert rows[i] == [] and rows[i + 1] == [section.title], (i, rows[i : i + 2])
        i += 2 + (1 if section.text else 0)
        for table in section.tables():
            assert rows[i] == [table.caption]
            assert rows[i + 1] == [table.corner, *table.columns]
            i += 2
            for row in table.rows:
                assert rows[i][0] == row.label
                pairs += [
                    (expected_value(c), parse_german(text))
                    for c, text in zip(row.cells, rows[i][1:], strict=True)
                ]
                i += 1
    assert rows[i] == []
    notes = rows[i + 2 :]
    end = notes.index([]) if [] in notes else len(notes)  # then the legend of the flags
    assert [r[0] for r in notes[:end]] == result.footnotes
    return pairs


def walk_xlsx(result: ReportResult, rows: list[tuple[Any, ...]]) -> list[tuple[Any, Any]]:
    pairs = []
    i = next(k for k, r in enumerate(rows) if not any(r))
    for section in result.sections:
        assert not any(rows[i]) and rows[i + 1][0] == section.title
        i += 2 + (1 if section.text else 0)
        for table in section.tables():
            assert rows[i][0] == table.caption
            assert list(rows[i + 1][: len(table.columns) + 1]) == [table.corner, *table.columns]
            i += 2
            for row in table.rows:
                assert rows[i][0] == row.label
                for cell, found in zip(row.cells, rows[i][1:], strict=False):
                    if cell.value is None:
                        pairs.append((format_cell(cell), found))
                    else:
                        pairs.append((cell.value, found))
                i += 1
    return pairs


def pdf_has(pdf: bytes, text: str) -> bool:
    return f"({text}) Tj".encode("latin-1") in pdf


def query(result: ReportResult, template_id: int) -> str:
    return f"template={template_id}&from={result.first_year}&to={result.last_year}&level=stadtteil"


@pytest.mark.parametrize("code", [item["code"] for item in LIBRARY])
def test_every_format_carries_the_numbers_of_the_page(
    app: Flask, client: FlaskClient, auth: Any, code: str
) -> None:
    from openpyxl import load_workbook

    template = shared(code)
    result = run(template, 2015, 2024, level="stadtteil")
    auth("coordinator", "marl")
    params = query(result, template.id)

    page = client.get(f"/marl/reports/run?{params}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html_numbers(html) == expected_numbers(result)
    assert f"<h1>{result.title}</h1>" in html
    for section in result.sections:
        assert section.title in unescape(html)
    # every chart comes with its data table, every table has row and column headers
    charts = sum(1 for s in result.sections for b in s.blocks if b.chart and b.table.rows)
    assert html.count("<svg") == 2 * charts  # a wide and a narrow layout (phones) each
    assert html.count('<div class="chart-narrow">') == charts
    assert html.count('<th scope="row"') >= sum(
        len(t.rows) for s in result.sections for t in s.tables() if not s.tiles
    )

    exported = client.get(f"/marl/reports/run/export.csv?{params}")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    pairs = walk_csv(result, rows)
    assert pairs and all(expected == found for expected, found in pairs), [
        p for p in pairs if p[0] != p[1]
    ][:5]

    exported = client.get(f"/marl/reports/run/export.xlsx?{params}")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.get_data()), read_only=True).active
    pairs = walk_xlsx(result, list(sheet.iter_rows(values_only=True)))
    assert pairs and all(expected == found for expected, found in pairs)

    exported = client.get(f"/marl/reports/run/export.pdf?{params}")
    assert exported.status_code == 200 and exported.mimetype == "application/pdf"
    pdf = exported.get_data()
    assert pdf.startswith(b"%PDF")
    # the PDF sets a number and its flag ("687", "p") in cells of their own (document.cell_text)
    missing = [
        cell_text(c)
        for c in result.cells()
        if c.value is not None and not all(pdf_has(pdf, part) for part in cell_text(c) if part)
    ]
    assert not missing, missing[:10]
    assert b"(Seite 2 von " in pdf  # the title page has no footer


def test_csv_escapes_formula_like_text_and_xlsx_stores_text(app: Flask) -> None:
    from openpyxl import load_workbook

    from saas.reports.exports import to_csv, to_xlsx
    from saas.reports.models import ReportTemplate

    template = ReportTemplate(
        id=None,
        tenant_id=None,
        code="x",
        version=1,
        title_de='=HYPERLINK("http://x")',
        title_en="",
        definition={
            "sections": [
                {
                    "type": "table",
                    "title_de": "+SUM(A1)",
                    "indicators": ["POP_TOTAL"],
                    "years": "last",
                }
            ]
        },
    )
    result = run(template, 2024, 2024)
    rows = list(csv.reader(io.StringIO(to_csv(result).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ['\'=HYPERLINK("http://x")']
    assert ["'+SUM(A1)"] in rows
    sheet = load_workbook(io.BytesIO(to_xlsx(result))).active
    assert sheet["A1"].value == '=HYPERLINK("http://x")' and sheet["A1"].data_type == "s"


def test_pdf_is_deterministic(app: Flask) -> None:
    from saas.reports.exports import render

    result = run("kosten-der-hilfen")
    assert render(result, "pdf") == render(result, "pdf")
