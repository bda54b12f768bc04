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
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
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
#: the page's text height less a heading and a caption
CHART_HEIGHT = Cm(21.0 - 2 * 2.0 - 3.0)
FLAG_WIDTH = Cm(0.4)
#: Word's cell margins (0.19 cm a side) are wider than the PDF's padding
CELL_WIDENING = 8.0
#: a table split across pages keeps this many rows together at its start and its end
MIN_ROWS = 3
#: a table of at most this many rows is kept on one page
WHOLE_TABLE_ROWS = 12
#: the notes that stay on the page of the legend of the flags
NOTES_WITH_LEGEND = 2


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
    # the paragraph mark at the text's size too: an empty cell (a flag column without a flag)
    # otherwise made its row a line of body text high
    mark = OxmlElement("w:rPr")
    for name in ("w:sz", "w:szCs"):
        element = OxmlElement(name)
        element.set(qn("w:val"), str(round(size * 2)))
        mark.append(element)
    paragraph._p.get_or_add_pPr().append(mark)


def _margins(cell: Any, **sides: int) -> None:
    """Cell margins in twentieths of a point (``left=0``): a flag close to its number."""
    properties = cell._tc.get_or_add_tcPr()
    margins = OxmlElement("w:tcMar")
    for side, value in sides.items():
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.append(margins)


def _field(paragraph: Any, code: str, size: float = 8) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    for name in ("w:sz", "w:szCs"):  # the number as small as the words around it
        element = OxmlElement(name)
        element.set(qn("w:val"), str(round(size * 2)))
        properties.append(element)
    run.append(properties)
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
    # the template's footer style sets a centre and a right tab for portrait pages: the page
    # number then stood in the middle of the line, run into the title ("2015–2024Seite 2")
    paragraph.style.paragraph_format.tab_stops.clear_all()
    tab = section.page_width - section.left_margin - section.right_margin
    paragraph.paragraph_format.tab_stops.add_tab_stop(tab, alignment=WD_TAB_ALIGNMENT.RIGHT)
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


def _keep_rows(grid: Any) -> None:
    """Rows never break inside; the caption stays with the header and the first rows, the last
    rows stay together, a short table stays whole (Word's and LibreOffice's "keep with next"
    on the paragraphs of a row keeps it on the page of the next row)."""
    rows = list(grid.rows)
    body = len(rows) - 1
    for k, row in enumerate(rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        last = k == len(rows) - 1
        keep = not last and (
            body <= WHOLE_TABLE_ROWS or k < 1 + MIN_ROWS or k >= len(rows) - MIN_ROWS
        )
        if keep:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _table(doc: Any, table: Table, number: int) -> None:
    from saas.reports.pdf import BOLD, CELL_PADDING, _column_width, _parts, _width

    caption = _("Table %(n)s: %(caption)s", n=number, caption=table.caption)
    if not table.rows:
        doc.add_paragraph(caption, "Caption").paragraph_format.keep_with_next = True
        doc.add_paragraph(_("No data."))
        return
    flagged = table_flags(table)
    step = 2 if flagged else 1
    # as wide as the numbers and the headers' words need (in points, as in the PDF), in parts
    # of columns when the table is wider than the page
    labels = max((_width(r.label) for r in table.rows), default=0.0)
    label_pt = min(max(labels, _width(table.corner, BOLD)) + 2 * CELL_PADDING, 0.32 * TEXT_WIDTH.pt)
    label_pt = max(label_pt, Cm(4).pt)
    flag_pt = FLAG_WIDTH.pt if flagged else 0.0
    parts = _parts(
        table, label_pt, flagged, TEXT_WIDTH.pt - 1, flag_width=flag_pt, widening=CELL_WIDENING
    )
    for k, columns in enumerate(parts, start=1):
        title = caption
        if len(parts) > 1:
            title = f"{caption} ({_('part %(k)s of %(n)s', k=k, n=len(parts))})"
        doc.add_paragraph(title, "Caption").paragraph_format.keep_with_next = True
        natural = [_column_width(table, j) + CELL_WIDENING for j in columns]
        spare = max(0.0, TEXT_WIDTH.pt - label_pt - sum(natural) - flag_pt * len(columns))
        extra = min(spare / len(columns), Cm(1.6).pt)
        widths: list[int] = [Pt(label_pt)]
        for need in natural:
            widths += [Pt(need + extra), *([Pt(flag_pt)] if flagged else [])]
        _grid(doc, table, columns, widths, step)


def _grid(doc: Any, table: Table, columns: list[int], widths: list[int], step: int) -> None:
    grid = doc.add_table(rows=1, cols=1 + step * len(columns))
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    grid.autofit = False
    _rules(grid)
    header = grid.rows[0]
    _repeat_header(header)
    _cell(header.cells[0], table.corner, bold=True)
    for k, j in enumerate(columns):
        _cell(header.cells[1 + k * step], table.columns[j], bold=True, right=True)
        if step == 2:
            _cell(header.cells[2 + k * step], "")  # not an empty line of the body's size
    for cell in header.cells:
        _border(cell, "bottom", 8, "1D2330")
    for n, row in enumerate(table.rows):
        cells = grid.add_row().cells
        _cell(cells[0], row.label)
        for k, j in enumerate(columns):
            shown, flag = cell_text(row.cells[j]) if j < len(row.cells) else ("", "")
            _cell(cells[1 + k * step], shown, right=True)
            if step == 2:
                _cell(cells[2 + k * step], flag, size=7.5)
        if n % 2:
            for cell in cells:
                _shade(cell._tc.get_or_add_tcPr(), ZEBRA)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice reads it) and each cell (Word does)
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
        if step == 2:  # a flag close to its number, in a narrow column of its own
            for k in range(len(columns)):
                _margins(row.cells[1 + k * step], right=30)
                _margins(row.cells[2 + k * step], left=50, right=0)
    _keep_rows(grid)


def _border(cell: Any, edge: str, size: int, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    element = OxmlElement(f"w:{edge}")
    for key, value in (("val", "single"), ("sz", str(size)), ("color", colour)):
        element.set(qn(f"w:{key}"), value)
    borders.append(element)
    properties.append(borders)


def _chart(doc: Any, chart: Chart, number: int) -> None:
    from saas.reports.pdf import chart_drawing
    from saas.reports.raster import drawing_png

    caption = doc.add_paragraph(
        _("Figure %(n)s: %(title)s", n=number, title=chart.title), "Caption"
    )
    caption.paragraph_format.keep_with_next = True
    # no taller than a page leaves below a heading and the caption (a long bar chart was cut
    # off at the page's foot): narrower then, the legend inside the picture
    drawing = chart_drawing(chart, width=CHART_WIDTH.pt, height=CHART_HEIGHT.pt)
    doc.add_picture(io.BytesIO(drawing_png(drawing)), width=Pt(drawing.width))


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
    grid.autofit = False
    grid.columns[0].width, grid.columns[1].width = Cm(5), Cm(12)  # LibreOffice reads these
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
    for name in ("Heading 1", "Heading 2"):  # a heading never ends a page
        doc.styles[name].paragraph_format.keep_with_next = True
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
    notes = [doc.add_paragraph(note) for note in result.footnotes]
    for note in notes:
        note.runs[0].font.size = Pt(8.5)
    legend = used_flags(result)
    if legend:
        # the last notes, the heading and the signs on one page: never the legend alone
        lines = [*notes[-NOTES_WITH_LEGEND:], doc.add_paragraph(_("Legend"), "Heading 2")]
        for flag, text in legend:
            line = doc.add_paragraph()
            line.add_run(flag).bold = True
            line.add_run(f" {text}")
            lines.append(line)
        for line in lines[:-1]:
            line.paragraph_format.keep_with_next = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
