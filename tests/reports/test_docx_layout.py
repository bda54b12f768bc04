"""The DOCX as a committee clerk opens it (found by converting the demo's reports with
LibreOffice and looking at the pages): the footer's page number at the right margin, each
flag once, headers that break between words, tables that keep their caption and rows
together, charts no taller than a page, the legend of the flags not alone on a page.

Read with python-docx; no word processor needed.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx.oxml.ns import qn
from docx.shared import Pt
from flask import Flask

from saas.reports import docx as report_docx
from saas.reports.document import Document, cell_text, table_flags
from saas.reports.pdf import BOLD, _width
from tests.reports.conftest import run


def _render(code: str, first: int = 2015, last: int = 2024) -> tuple[Any, Any]:
    from docx import Document as open_docx

    from saas.reports.exports import render

    result = run(code, first, last, level="stadtteil")
    return result, open_docx(io.BytesIO(render(Document(result, {}), "docx")))


def _grids(doc: Any) -> list[Any]:
    return doc.tables[1:]  # the first one is the title page's facts


def test_the_page_number_stands_at_the_right_margin(app: Flask) -> None:
    """Regression: the template's footer style has a centre tab for portrait pages, so
    "Seite 2 von 8" stood in the middle, run into the title ("2015–2024Seite 2 von 8")."""
    with app.test_request_context("/"):
        _result, doc = _render("kosten-der-hilfen")
    footer = doc.sections[0].footer.paragraphs[0]
    assert list(footer.style.paragraph_format.tab_stops) == []
    stops = list(footer.paragraph_format.tab_stops)
    assert [s.alignment for s in stops] == [2]  # right
    assert abs(stops[0].position - report_docx.TEXT_WIDTH) < Pt(0.5)  # at the right margin
    # the numbers (fields) as small as the words
    sizes = {e.get(qn("w:val")) for e in footer._p.iter(qn("w:sz"))}
    assert sizes == {"16"}
    assert len(list(footer._p.iter(qn("w:fldSimple")))) == 2


def test_each_flag_stands_once_beside_its_number(app: Flask) -> None:
    """Regression: the number cell read "687 p" and the flag column "p" beside it again."""
    with app.test_request_context("/"):
        result, doc = _render("entwicklung-hze")
    flagged = [t for s in result.sections for t in s.tables() if t.rows and table_flags(t)]
    assert flagged
    seen = 0
    for grid in _grids(doc):
        for line in grid.rows[1:]:
            texts = [c.text for c in line.cells]
            for number, flag in zip(texts[1::2], texts[2::2], strict=False):
                if flag in ("p", "r"):
                    seen += 1
                    assert not number.endswith(flag), texts
    assert seen > 10
    cell = next(c for c in result.cells() if getattr(c, "flag", "") == "p" and c.value is not None)
    assert not cell_text(cell)[0].endswith("p")


def test_number_columns_are_wide_enough_for_their_headers_words(app: Flask) -> None:
    """Regression: every number column was at most 2.6 cm less the flag column, so headers
    broke inside words ("Veränderun-g", "Heimerziehu-ng")."""
    with app.test_request_context("/"):
        result, doc = _render("entwicklung-hze")
    tables = [t for s in result.sections for t in s.tables() if t.rows]
    assert len(tables) == len(_grids(doc))  # ten years fit the page: no parts here
    for table, grid in zip(tables, _grids(doc), strict=True):
        step = 2 if table_flags(table) else 1
        header = grid.rows[0].cells
        for k, column in enumerate(table.columns):
            width = header[1 + k * step].width
            longest = max(_width(word, BOLD) for word in column.split())
            # the word and Word's cell margins (0.19 cm a side)
            assert width >= Pt(longest + 10.8), (column, width, longest)
        assert sum(c.width for c in header) <= report_docx.TEXT_WIDTH + Pt(0.5)


def test_a_table_too_wide_for_the_page_comes_in_parts(app: Flask) -> None:
    with app.test_request_context("/"):
        _result, doc = _render("entwicklung-hze", 1995, 2024)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    parts = [re.search(r"\(Teil (\d) von (\d)\)$", c) for c in captions]
    found = {(int(m.group(1)), int(m.group(2))) for m in parts if m}
    assert (1, 2) in found or (1, 3) in found, captions
    assert all((n, n) in found for _k, n in found)  # every part down to the last
    for grid in _grids(doc):
        assert sum(c.width for c in grid.rows[0].cells) <= report_docx.TEXT_WIDTH + Pt(0.5)


def _keeps(paragraph: Any) -> bool:
    return bool(paragraph.paragraph_format.keep_with_next)


def test_tables_keep_their_caption_and_rows_together(app: Flask) -> None:
    """Regression: a caption stood alone at a page's foot, its table on the next page; a
    table's last two rows stood alone under the repeated header."""
    with app.test_request_context("/"):
        _result, doc = _render("jahresbericht-sozialraumarbeit")
    body = doc.element.body
    for grid in _grids(doc):
        before = grid._tbl.getprevious()
        assert before.tag == qn("w:p") and before.pPr.keepNext is not None  # the caption
        rows = grid.rows
        for row in rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        first = [all(_keeps(p) for c in r.cells for p in c.paragraphs) for r in rows]
        body_rows = len(rows) - 1
        if body_rows <= report_docx.WHOLE_TABLE_ROWS:
            assert first == [True] * (len(rows) - 1) + [False]  # on one page
        else:
            head = 1 + report_docx.MIN_ROWS
            assert all(first[:head]) and all(first[-report_docx.MIN_ROWS : -1])
            assert not first[-1] and not all(first[head : -report_docx.MIN_ROWS])
    assert body is not None


def test_a_tall_chart_fits_the_page_with_its_caption(app: Flask) -> None:
    """Regression: the bar chart of 31 offerings was 18 cm wide and taller than the page:
    LibreOffice cut it off at the page's foot."""
    with app.test_request_context("/"):
        _result, doc = _render("jahresbericht-sozialraumarbeit")
    heights = [shape.height for shape in doc.inline_shapes]
    assert heights and max(heights) <= report_docx.CHART_HEIGHT
    assert all(shape.width <= report_docx.CHART_WIDTH + 1 for shape in doc.inline_shapes)
    # the tall one was made narrower, not cut
    assert min(shape.width for shape in doc.inline_shapes) < report_docx.CHART_WIDTH
    for paragraph in doc.paragraphs:
        if paragraph.style.name == "Caption" and paragraph.text.startswith("Abbildung"):
            assert _keeps(paragraph)
    assert doc.styles["Heading 1"].paragraph_format.keep_with_next


def test_the_legend_of_the_flags_stays_with_the_last_notes(app: Flask) -> None:
    """Regression: the legend stood alone on the document's last page."""
    with app.test_request_context("/"):
        result, doc = _render("jahresbericht-sozialraumarbeit")
    paragraphs = doc.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Zeichenerklärung")
    notes = paragraphs[start - report_docx.NOTES_WITH_LEGEND : start]
    assert [p.text for p in notes] == result.footnotes[-report_docx.NOTES_WITH_LEGEND :]
    chain = paragraphs[start - report_docx.NOTES_WITH_LEGEND : -1]
    assert all(_keeps(p) for p in chain)
    assert not _keeps(paragraphs[-1])
