"""The report as committee document: PDF and DOCX with charts, title page, aligned tables,
flags and the office's commentary, and no code a reader would have to look up.

The PDF is read back with a small interpreter of its (uncompressed) content streams: it
follows the graphics state (``q``/``Q``/``cm``) and the text operators (``Tm``, ``Td``,
``T*``, ``Tf``, ``Tj``) and measures each string with the font's metrics, so a test knows
where every text starts and ends on its page. The DOCX is opened with python-docx.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from saas.reports.document import Document, cell_text, table_flags
from saas.reports.result import ReportResult, format_cell
from tests.reports.conftest import run, shared

#: metric codes (HZE_CASES) and the template codes of the library
CODE = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b")
TEMPLATE_CODES = ("entwicklung-hze", "kosten-der-hilfen", "sozialraumprofil", "jahresbericht-")
TOKEN = re.compile(rb"\((?:[^()\\]|\\.)*\)|/[^\s/\[\]()<>]+|-?\d*\.?\d+|[A-Za-z*']+")


@dataclass
class Shown:
    """A string as drawn: page, font, left and right edge, baseline (points)."""

    page: int
    text: str
    font: str
    left: float
    right: float
    y: float


def _string(raw: bytes) -> str:
    out, i = bytearray(), 1
    while i < len(raw) - 1:
        c = raw[i]
        if c == 0x5C:  # backslash
            nxt = raw[i + 1 : i + 2]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group(0)  # type: ignore[union-attr]
                out.append(int(digits, 8))
                i += 1 + len(digits)
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return out.decode("cp1252")


def _compose(m: list[float], n: list[float]) -> list[float]:
    """``m`` applied first, then ``n`` (PDF order: ``m × n``)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    ]


def pdf_text(pdf: bytes) -> list[Shown]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fonts = {
        name.decode(): base.decode()
        for base, name in re.findall(rb"/BaseFont /(\S+) .*?/Name /(F\d+)", pdf)
    }
    shown: list[Shown] = []
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    pages = [s for s in streams if b" Tj" in s or b"BT" in s]
    identity = [1.0, 0, 0, 1.0, 0, 0]
    for page, stream in enumerate(pages, start=1):
        ctm, stack, operands = identity, [], []
        tm = lm = identity
        font, size, leading = "Helvetica", 10.0, 0.0
        for token in TOKEN.findall(stream):
            if token[:1] in b"(/" or re.fullmatch(rb"-?\d*\.?\d+", token):
                operands.append(token)
                continue
            op, args = token.decode(), operands
            operands = []
            numbers = [float(a) for a in args if a[:1] not in b"(/"]
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop()
            elif op == "cm":
                ctm = _compose(numbers, ctm)
            elif op == "BT":
                tm = lm = identity
            elif op == "Tm":
                tm = lm = numbers
            elif op in ("Td", "T*"):
                tx, ty = numbers if op == "Td" else (0.0, -leading)
                lm = _compose([1, 0, 0, 1, tx, ty], lm)
                tm = lm
            elif op == "TL":
                leading = numbers[0]
            elif op == "Tf":
                font, size = fonts.get(args[0].decode()[1:], "Helvetica"), numbers[0]
            elif op == "Tj":
                text = _string(args[0])
                width = stringWidth(text, font, size)
                m = _compose(tm, ctm)
                x, y = m[4], m[5]
                shown.append(Shown(page, text, font, x, x + width * m[0], y))
                tm = _compose([1, 0, 0, 1, width, 0], tm)
    return shown


def _words(texts: list[Shown]) -> str:
    return "\n".join(t.text for t in texts)


def _document(result: ReportResult, **commentary: str) -> Document:
    return Document(result, {int(k.removeprefix("s")): v for k, v in commentary.items()})


def test_column_headers_stand_right_above_their_numbers(app: Flask) -> None:
    """Regression: headers were left-aligned over right-aligned numbers, so the 2023 value
    stood under "2024". Every header's right edge is now its numbers' right edge."""
    from saas.reports.exports import render

    with app.test_request_context("/"):
        result = run("entwicklung-hze", 2015, 2024, level="stadtteil")
        texts = pdf_text(render(result, "pdf"))
    tiles = result.sections[0].tiles
    first = tiles[0]
    label = next(t for t in texts if t.text == first.label)
    row = [t for t in texts if t.page == label.page and abs(t.y - label.y) < 4 and t is not label]
    # the header row of this table: the bold texts nearest above the first row
    above = [
        t for t in texts if t.page == label.page and t.font == "Helvetica-Bold" and t.y > label.y
    ]
    line = min(t.y for t in above if re.fullmatch(r"\d{4}", t.text))
    headers = {t.text: t for t in above if abs(t.y - line) < 1}
    for year, cell in ((first.previous_year, first.previous), (first.year, first.value)):
        header = headers[str(year)]
        # (2023 and 2024 may show the same number: the one under this header)
        same = [t for t in row if t.text == cell_text(cell)[0]]
        number = min(same, key=lambda t: abs(header.right - t.right))
        assert abs(header.right - number.right) < 0.6, (year, header, number)
        # and no other header ends nearer to this number
        nearest = min(headers.values(), key=lambda h: abs(h.right - number.right))
        assert nearest.text == str(year)


def test_the_pdf_is_a_committee_document(app: Flask) -> None:
    from saas.reports.document import chart_svg
    from saas.reports.exports import render

    with app.test_request_context("/"):
        result = run("entwicklung-hze", 2015, 2024, level="stadtteil")
        document = _document(result, s0="Die Fallzahlen stiegen in Drewer-Nord.")
        pdf = render(document, "pdf")
        svgs = [chart_svg(b.chart) for s in result.sections for b in s.blocks if b.chart]
    texts = pdf_text(pdf)
    words = _words(texts)
    pages = max(t.page for t in texts)
    # title page: municipality, report, period, template by name and version, date; no footer
    title = _words([t for t in texts if t.page == 1])
    for expected in (
        "Stadt Marl",
        result.title,
        "Berichtszeitraum 2015–2024",
        f"{result.title}, Version {result.template_version}",
        "Erstellt am",
        "Inhalt",
    ):
        assert expected in title, expected
    assert "Seite 1 von" not in words
    assert [f"Seite {n} von {pages}" in words for n in range(2, pages + 1)] == [True] * (pages - 1)
    # every chart of the page, drawn from the page's SVG: every label of it is in the PDF
    assert len(re.findall(r"^Abbildung \d+: ", words, re.M)) == len(svgs) > 0
    shown = {t.text for t in texts}
    for svg in svgs:
        labels = set(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
        missing = {label for label in labels if _unescape(label) not in shown}
        assert not missing, missing
    assert "Erläuterung" in words and "Die Fallzahlen stiegen in Drewer-Nord." in words
    assert not CODE.findall(words), CODE.findall(words)[:5]
    assert not [c for c in TEMPLATE_CODES if c in words]


def _unescape(text: str) -> str:
    from html import unescape

    return unescape(text)


def test_flags_stand_beside_their_numbers_with_a_legend(app: Flask) -> None:
    from saas.reports.document import used_flags
    from saas.reports.exports import render

    with app.test_request_context("/"):
        result = run("entwicklung-hze", 2015, 2024, level="stadtteil")
        legend = used_flags(result)  # the demo has months not approved yet: "p"
        flagged = pdf_text(render(result, "pdf"))
        spreadsheet = render(result, "csv").decode("utf-8-sig")
    assert "p" in dict(legend)
    rows = list(csv.reader(io.StringIO(spreadsheet), delimiter=";"))
    for flag, meaning in legend:
        assert [flag, meaning] in rows
    assert "Zeichenerklärung" in _words(flagged)
    cell = next(c for c in result.cells() if getattr(c, "flag", "") == "p" and c.value is not None)
    # the number without its flag, the flag once beside it (it stood twice: "687 p p")
    assert cell_text(cell)[0] == format_cell(cell, flag=False)
    assert not [t for t in flagged if t.text == format_cell(cell)]
    numbers = [t for t in flagged if t.text == cell_text(cell)[0]]
    assert numbers and any(
        any(t.text == "p" and abs(t.y - n.y) < 2 and 0 <= t.left - n.right < 6 for t in flagged)
        for n in numbers
    )  # right beside its number


def test_a_table_too_wide_for_the_page_is_split_into_parts(app: Flask) -> None:
    from saas.reports.exports import render

    with app.test_request_context("/"):
        result = run("entwicklung-hze", 1995, 2024, level="stadtteil")
        words = _words(pdf_text(render(result, "pdf")))
    assert "(Teil 1 von 2)" in words and "(Teil 2 von 2)" in words
    assert "1995" in words and "2024" in words


def _docx(data: bytes) -> Any:
    from docx import Document as open_docx

    return open_docx(io.BytesIO(data))


def test_the_docx_carries_the_same_report(app: Flask) -> None:
    from docx.oxml.ns import qn

    from saas.reports.exports import render

    with app.test_request_context("/"):
        result = run("kosten-der-hilfen", 2015, 2024, level="stadtteil")
        document = _document(result, s1="Die Kosten stiegen.\n\nGrund: mehr Fälle.")
        doc = _docx(render(document, "docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{i}. {s.title}" for i, s in enumerate(result.sections, 1)] + [
        "Anmerkungen"
    ]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Die Kosten stiegen." in text and "Grund: mehr Fälle." in text
    assert result.footnotes[0] in text
    tables = [t for s in result.sections for t in s.tables()]
    grids = iter(doc.tables[1:])  # the first one is the title page's facts
    for table in [t for t in tables if t.rows]:
        # a table wider than the page comes in parts of columns, each with the row labels
        step = 2 if table_flags(table) else 1
        seen: list[str] = []
        values: list[list[str]] = [[] for _row in table.rows]
        while len(seen) < len(table.columns):
            grid = next(grids)
            header = grid.rows[0]
            assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page
            # a flagged table has a narrow flag column after each number column
            cells = header.cells
            assert cells[0].text == table.corner
            seen += [c.text for c in cells[1::step]]
            assert all(c.paragraphs[0].alignment == 2 for c in cells[1::step])  # right
            for k, (row, line) in enumerate(zip(table.rows, grid.rows[1:], strict=True)):
                texts = [c.text for c in line.cells]
                assert texts[0] == row.label
                values[k] += texts[1::step]
                assert all(c.paragraphs[0].alignment == 2 for c in line.cells[1::step])
        assert seen == table.columns
        for row, shown in zip(table.rows, values, strict=True):
            assert shown == [cell_text(c)[0] for c in row.cells]
    assert next(grids, None) is None
    charts = [b.chart for s in result.sections for b in s.blocks if b.chart and b.table.rows]
    assert len(doc.inline_shapes) == len(charts) > 0
    assert len(re.findall(r"^Abbildung \d+: ", text, re.M)) == len(charts)
    everything = text + "".join(c.text for g in doc.tables for r in g.rows for c in r.cells)
    assert not CODE.findall(everything) and not [c for c in TEMPLATE_CODES if c in everything]
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "NUMPAGES" in footer and "PAGE" in footer


def test_a_chart_becomes_a_png_from_the_same_svg(app: Flask) -> None:
    from PIL import Image

    from saas.core.charts import Series, bar_chart
    from saas.reports.raster import drawing_png

    svg = str(bar_chart("x", ["Drewer-Nord", "Drewer-Süd"], [Series("a", [5.0, 20000000.0])]))
    from svglib.svglib import svg2rlg

    image = Image.open(io.BytesIO(drawing_png(svg2rlg(io.BytesIO(svg.encode())), dpi=100)))
    assert image.width > 600
    colours = {c for _n, c in image.getcolors(1 << 20)}  # type: ignore[union-attr]
    assert (0, 114, 178) in colours  # the first bar's blue, painted


# -- commentary ------------------------------------------------------------------------------


def _token(client: FlaskClient) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/marl/reports/run")


def _publish(client: FlaskClient, **comments: str) -> str:
    template = shared("entwicklung-hze")
    data = {"csrf_token": _token(client), "template": template.id, "from": 2015, "to": 2024}
    response = client.post("/marl/reports/run/publish", data={**data, **comments})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def test_commentary_is_written_before_publishing_and_kept_in_every_export(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    from openpyxl import load_workbook

    auth("coordinator", "marl")
    template = shared("entwicklung-hze")
    form = client.get(f"/marl/reports/run/publish?template={template.id}&from=2015&to=2024")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and 'name="comment-0"' in html and 'form="publish-form"' in html
    url = _publish(client, **{"comment-0": "2024 zogen drei große Familien zu.", "comment-2": ""})
    page = client.get(url).get_data(as_text=True)
    assert "2024 zogen drei große Familien zu." in page and "Erläuterungen bearbeiten" in page

    def export(fmt: str) -> bytes:
        response = client.get(f"{url}/export.{fmt}")
        assert response.status_code == 200, fmt
        return response.get_data()

    assert "2024 zogen drei große Familien zu." in _words(pdf_text(export("pdf")))
    docx = _docx(export("docx"))
    assert "2024 zogen drei große Familien zu." in [p.text for p in docx.paragraphs]
    rows = list(csv.reader(io.StringIO(export("csv").decode("utf-8-sig")), delimiter=";"))
    assert ["Erläuterung", "2024 zogen drei große Familien zu."] in rows
    sheet = load_workbook(io.BytesIO(export("xlsx")), read_only=True).active
    assert ("Erläuterung", "2024 zogen drei große Familien zu.") in [
        tuple(r[:2]) for r in sheet.iter_rows(values_only=True)
    ]
    assert "Veröffentlicht am" in _words(pdf_text(export("pdf")))


def test_commentary_is_corrected_with_a_lock_and_only_by_publishers(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    auth("coordinator", "marl")
    url = _publish(client)
    edit = f"{url}/commentary"
    assert client.get(edit).status_code == 200
    first = client.post(
        edit, data={"csrf_token": _token(client), "stamp": "0", "comment-1": "Erste Fassung"}
    )
    assert first.status_code == 302
    assert "Erste Fassung" in client.get(url).get_data(as_text=True)
    assert "Inzwischen gespeichert" not in client.get(edit).get_data(as_text=True)
    # a second user who also started from "no commentary" does not overwrite the first
    stale = client.post(
        edit, data={"csrf_token": _token(client), "stamp": "0", "comment-1": "Zweite Fassung"}
    )
    html = stale.get_data(as_text=True)
    assert (
        stale.status_code == 409
        and "Inzwischen gespeichert:" in html
        and ">Zweite Fassung</textarea>" in html
    )
    again = re.search(r'name="stamp" value="(\d+)"', html).group(1)  # type: ignore[union-attr]
    saved = client.post(
        edit, data={"csrf_token": _token(client), "stamp": again, "comment-1": "Zweite Fassung"}
    )
    assert saved.status_code == 302
    assert "Zweite Fassung" in client.get(url).get_data(as_text=True)
    too_long = client.post(
        edit,
        data={"csrf_token": _token(client), "stamp": str(int(again) + 1), "comment-1": "x" * 6001},
    )
    assert too_long.status_code == 400 and "höchstens 6000 Zeichen" in too_long.get_data(
        as_text=True
    )
    client.get("/marl/logout")
    auth("viewer", "marl")
    assert client.get(url).status_code == 200
    assert "Erläuterungen bearbeiten" not in client.get(url).get_data(as_text=True)
    assert client.get(edit).status_code == 403


def test_the_cli_writes_a_docx(app: Flask, tmp_path: Any) -> None:
    from tests.reports.test_cli import _cli

    target = tmp_path / "hze.docx"
    args = ("run", "marl", "entwicklung-hze", "--from", "2023", "--to", "2024")
    result = _cli(app, *args, "--format", "docx", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "Entwicklung der Hilfen zur Erziehung" in _docx(target.read_bytes()).paragraphs[1].text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf", "docx"])
def test_the_report_page_offers_every_format(
    app: Flask, client: FlaskClient, auth: Any, fmt: str
) -> None:
    auth("coordinator", "marl")
    template = shared("kosten-der-hilfen")
    query = f"template={template.id}&from=2023&to=2024"
    assert f"/run/export.{fmt}?" in client.get(f"/marl/reports/run?{query}").get_data(as_text=True)
    response = client.get(f"/marl/reports/run/export.{fmt}?{query}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert (
        'filename="Stadt-Marl_Kosten-der-Hilfen' in disposition and "kosten-der" not in disposition
    )
