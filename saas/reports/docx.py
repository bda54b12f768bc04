"""The report as a Word document (python-docx), for committee papers (Vorlagen) that are
edited in Word: the same title page, sections, commentary, charts, tables and notes as the
PDF (:mod:`saas.reports.pdf`).

Charts are the page's SVG, drawn by svglib and painted to PNG (:mod:`saas.reports.raster`).
Headings use Word's own heading styles (navigation pane, a table of contents can be added);
tables repeat their header row on every page and set numbers right-aligned under
right-aligned headers; the footer counts "Seite n von N" with Word's fields.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from flask_babel import gettext as _

from saas.reports.document import Document, cell_text, facts, pieces, table_flags, used_flags
from saas.reports.result import Chart, Table

FONT = "Arial"
INK = RGBColor(0x1D, 0x23, 0x30)
ACCENT = "0072B2"
ZEBRA = "F3F5F8"
TEXT_WIDTH = Cm(29.7 - 2 * 2.0)
CHART_WIDTH = Cm(18)


def _shade(element: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    element.append(shading)


def _rules(table: Any) -> None:
    """Horizontal rules only: above and below the header, below the last row, thin between."""
    borders = OxmlElement("w:tblBorders")
    for edge, size, colour in (
        ("top", 8, "1D2330"),
        ("bottom", 8, "1D2330"),
        ("insideH", 2, "C8CED8"),
    ):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:color"), colour)
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _repeat_header(row: Any) -> None:
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _cell(
    cell: Any, text: str, *, bold: bool = False, right: bool = False, size: float = 8.5
) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _field(paragraph: Any, code: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _footer(section: Any, text: str) -> None:
    """Left the report, right "Seite n von N" (Word's PAGE and NUMPAGES fields)."""
    section.different_first_page_header_footer = True  # the title page has no footer
    paragraph = section.footer.paragraphs[0]
    paragraph.text = ""
    tab = section.page_width - section.left_margin - section.right_margin
    paragraph.paragraph_format.tab_stops.add_tab_stop(tab, alignment=2)  # right
    paragraph.add_run(f"{text}\t")
    words = _("Page %(n)s of %(total)s", n="\x00", total="\x01")
    before, rest = words.split("\x00")
    middle, after = rest.split("\x01")
    paragraph.add_run(before)
    _field(paragraph, "PAGE")
    paragraph.add_run(middle)
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(after)
    for run in paragraph.runs:
        run.font.size = Pt(8)


def _table(doc: Any, table: Table, number: int) -> None:
    doc.add_paragraph(_("Table %(n)s: %(caption)s", n=number, caption=table.caption), "Caption")
    if not table.rows:
        doc.add_paragraph(_("No data."))
        return
    flagged = table_flags(table)
    step = 2 if flagged else 1
    grid = doc.add_table(rows=1, cols=1 + step * len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    grid.autofit = False
    _rules(grid)
    label_width = Cm(6.5)
    number_width = int(min(Cm(2.6), (TEXT_WIDTH - label_width) / max(len(table.columns), 1)))
    flag_width = Cm(0.4) if flagged else 0
    widths: list[int] = [label_width]
    for _column in table.columns:
        widths += [number_width - flag_width, *([flag_width] if flagged else [])]
    header = grid.rows[0]
    _repeat_header(header)
    _cell(header.cells[0], table.corner, bold=True)
    for j, column in enumerate(table.columns):
        _cell(header.cells[1 + j * step], column, bold=True, right=True)
    for k, row in enumerate(table.rows):
        cells = grid.add_row().cells
        _cell(cells[0], row.label)
        for j, value in enumerate(row.cells):
            shown, flag = cell_text(value)
            _cell(cells[1 + j * step], shown, right=True)
            if flagged:
                _cell(cells[2 + j * step], flag, size=7.5)
        if k % 2:
            for cell in cells:
                _shade(cell._tc.get_or_add_tcPr(), ZEBRA)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice reads it) and each cell (Word does)
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _chart(doc: Any, chart: Chart, number: int) -> None:
    from saas.reports.pdf import chart_drawing
    from saas.reports.raster import drawing_png

    caption = doc.add_paragraph(
        _("Figure %(n)s: %(title)s", n=number, title=chart.title), "Caption"
    )
    caption.paragraph_format.keep_with_next = True
    drawing = chart_drawing(chart, width=CHART_WIDTH.pt)
    doc.add_picture(io.BytesIO(drawing_png(drawing)), width=CHART_WIDTH)


def _comment(doc: Any, text: str) -> None:
    """The office's commentary: a shaded block with a rule on the left."""
    head = doc.add_paragraph()
    run = head.add_run(_("Commentary"))
    run.bold = True
    run.font.color.rgb = RGBColor.from_string(ACCENT)
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    for paragraph in [head, *(doc.add_paragraph(p) for p in parts)]:
        properties = paragraph._p.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        left = OxmlElement("w:left")
        for key, value in (("val", "single"), ("sz", "18"), ("space", "8"), ("color", ACCENT)):
            left.set(qn(f"w:{key}"), value)
        border.append(left)
        properties.append(border)
        _shade(properties, "EEF5FB")
        paragraph.paragraph_format.left_indent = Cm(0.3)


def _title_page(doc: Any, document: Document) -> None:
    result = document.result
    doc.add_paragraph(result.tenant_name).runs[0].font.size = Pt(14)
    doc.add_paragraph(result.title, "Title")
    period = doc.add_paragraph(_("Reporting period %(years)s", years=result.years_label))
    period.runs[0].font.size = Pt(14)
    grid = doc.add_table(rows=0, cols=2)
    _rules(grid)
    for label, value in facts(document):
        cells = grid.add_row().cells
        _cell(cells[0], label, bold=True, size=10)
        _cell(cells[1], value, size=10)
        cells[0].width, cells[1].width = Cm(5), Cm(12)
    doc.add_paragraph()
    doc.add_paragraph(_("Contents"), "Heading 2")
    for index, section in enumerate(result.sections, start=1):
        doc.add_paragraph(f"{index}. {section.title}")
    doc.add_paragraph(_("Notes and legend"))
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def to_docx(document: Document) -> bytes:
    result = document.result
    doc = new_document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size, normal.font.color.rgb = FONT, Pt(10), INK
    for name in ("Title", "Heading 1", "Heading 2", "Caption"):
        doc.styles[name].font.name = FONT
    doc.core_properties.title = f"{result.title} {result.years_label}"
    doc.core_properties.author = result.tenant_name
    doc.core_properties.language = result.locale
    _footer(section, f"{result.tenant_name} · {result.title} · {result.years_label}")
    _title_page(doc, document)
    figures = tables = 0
    for index, part in enumerate(result.sections):
        doc.add_paragraph(f"{index + 1}. {part.title}", "Heading 1")
        if part.text:
            doc.add_paragraph(part.text)
        if document.comment(index):
            _comment(doc, document.comment(index))
        found = pieces(part)
        for item in (item for _kind, item in found):
            if isinstance(item, Chart):
                figures += 1
                _chart(doc, item, figures)
            else:
                tables += 1
                _table(doc, item, tables)
        if part.type != "text" and not found:
            doc.add_paragraph(_("No data."))
    doc.add_paragraph(_("Notes"), "Heading 1")
    for note in result.footnotes:
        doc.add_paragraph(note).runs[0].font.size = Pt(8.5)
    legend = used_flags(result)
    if legend:
        doc.add_paragraph(_("Legend"), "Heading 2")
        for flag, text in legend:
            line = doc.add_paragraph()
            line.add_run(flag).bold = True
            line.add_run(f" {text}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
