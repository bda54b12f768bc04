"""The report PDF's page breaks: a split table keeps some rows on each page, a chart keeps its
caption and heading and fits the page however tall its drawing (legend included) is."""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from saas.reports import pdf


def _table(rows: int) -> pdf._Grid:
    data = [["Tabelle 1", ""], ["Stadtteil", "Fälle"]]
    data += [[f"Gebiet {i}", str(i)] for i in range(rows)]
    grid = pdf._Grid(data, colWidths=[200, 60], repeatRows=2)
    grid.wrap(pdf.WIDTH, pdf.FRAME_HEIGHT)
    return grid


def _room_for(grid: pdf._Grid, rows: int) -> float:
    """The height of the caption, the header and ``rows`` data rows."""
    return sum(grid._rowHeights[: 2 + rows]) + 0.5


def _body_rows(part: pdf._Grid) -> int:
    return len(part._cellvalues) - 2


def test_a_split_table_leaves_no_lone_row_on_the_next_page() -> None:
    grid = _table(20)
    parts = grid.split(pdf.WIDTH, _room_for(grid, 19))  # one row would be left over
    assert [_body_rows(p) for p in parts] == [20 - pdf.MIN_ROWS, pdf.MIN_ROWS]
    # the rows on the next page come with the caption and header again
    assert parts[1]._cellvalues[0][0] == "Tabelle 1"


def test_a_table_does_not_start_with_one_row_at_the_foot_of_a_page() -> None:
    grid = _table(20)
    assert grid.split(pdf.WIDTH, _room_for(grid, 1)) == []  # all of it on the next page
    parts = grid.split(pdf.WIDTH, _room_for(grid, pdf.MIN_ROWS))
    assert [_body_rows(p) for p in parts] == [pdf.MIN_ROWS, 20 - pdf.MIN_ROWS]


def test_a_short_table_moves_whole_rather_than_split_in_two_stubs() -> None:
    grid = _table(4)
    assert grid.split(pdf.WIDTH, _room_for(grid, 2)) == []


def _figure(height: float, heads: int = 0) -> pdf._Figure:
    style = ParagraphStyle("x", fontSize=10, leading=13, spaceBefore=6, spaceAfter=4)
    drawing = Drawing(400, height)
    drawing.add(Rect(0, 0, 400, height))
    paragraphs = [Paragraph(f"{i}. Abschnitt", style) for i in range(1, heads + 1)]
    return pdf._Figure(Paragraph("Abbildung 1", style), drawing, paragraphs)


def test_a_chart_taller_than_the_page_is_scaled_down_to_fit_it() -> None:
    figure = _figure(2 * pdf.FRAME_HEIGHT, heads=1)
    _width, height = figure.wrap(pdf.WIDTH, pdf.FRAME_HEIGHT)
    assert height <= pdf.FRAME_HEIGHT
    assert figure.scale < 0.5


def test_the_heading_is_drawn_with_the_chart_and_its_caption() -> None:
    figure = _figure(300, heads=1)
    _width, with_heading = figure.wrap(pdf.WIDTH, pdf.FRAME_HEIGHT)
    _width, alone = _figure(300).wrap(pdf.WIDTH, pdf.FRAME_HEIGHT)
    assert with_heading > alone  # one flowable: heading, caption and chart share a page
    assert [p.text for p, _h in figure.placed] == ["1. Abschnitt", "Abbildung 1"]


def test_a_chart_shrinks_a_little_to_fill_a_page_but_not_to_a_stamp() -> None:
    figure = _figure(400)
    _width, height = figure.wrap(pdf.WIDTH, 380)  # nearly fits: shrunk, stays on the page
    assert 0.75 <= figure.scale < 1 and height <= 380
    figure.wrap(pdf.WIDTH, 150)  # a third of it: not shrunk that far, it moves on
    assert figure.scale == 0.75
