"""The report as a committee document: PDF with reportlab, A4 landscape.

A title page (municipality, report, period, template and version, dates, data status), then
the numbered sections with the office's commentary, every chart of the page — the same SVG,
drawn by svglib — and the tables, and at the end the notes and the legend of the flags.
Tables: numbers right-aligned under right-aligned column headers, zebra rows, the header
row repeated on every page; a table too wide for the page is split into parts of columns,
each with the row labels. Footer: "Seite n von N".

Content streams are not compressed and the file is invariant (no timestamp or random id),
so the text of the numbers can be found in the file and two runs on the same data are
identical.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape  # nosec B406 # escapes output, parses nothing

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as Grid

from saas.reports.document import (
    Document,
    cell_text,
    chart_svg,
    facts,
    pieces,
    table_flags,
    used_flags,
)
from saas.reports.result import Chart, Table

PAGE = landscape(A4)
MARGIN = 1.6 * cm
WIDTH = PAGE[0] - 2 * MARGIN
INK = colors.HexColor("#1d2330")
MUTED = colors.HexColor("#4f5a6b")
RULE = colors.HexColor("#c8ced8")
ZEBRA = colors.HexColor("#f3f5f8")
ACCENT = colors.HexColor("#0072B2")
FONT, BOLD = "Helvetica", "Helvetica-Bold"
NUMBER_SIZE = 8.5
#: charts are drawn at this share of the text width: their labels then match the body text
CHART_WIDTH = 0.64 * WIDTH
CELL_PADDING = 4
FLAG_WIDTH = 10
SPARE_PER_COLUMN = 1.6 * cm
#: the height of the page's one frame (SimpleDocTemplate pads it by 6 pt at top and bottom)
FRAME_HEIGHT = PAGE[1] - 2 * MARGIN - 12
#: a table split across pages leaves at least this many rows on each page
MIN_ROWS = 3
#: the notes that stay with the legend of the flags at the end
NOTES_WITH_LEGEND = 2


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = base["BodyText"].clone("body", fontName=FONT, fontSize=10, leading=13.5, textColor=INK)
    cell = body.clone("cell", fontSize=NUMBER_SIZE, leading=10.5)
    return {
        "body": body,
        "small": body.clone("small", fontSize=8.5, leading=11),
        "cell": cell,
        "head": cell.clone("head", fontName=BOLD),
        "head_right": cell.clone("head_right", fontName=BOLD, alignment=TA_RIGHT),
        "caption": body.clone(
            "caption", fontName=BOLD, fontSize=9.5, spaceBefore=8, spaceAfter=4, keepWithNext=1
        ),
        "h1": body.clone(
            "h1",
            fontName=BOLD,
            fontSize=15,
            leading=19,
            spaceBefore=6,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "h2": body.clone(
            "h2", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, keepWithNext=1
        ),
        "title": body.clone("title", fontName=BOLD, fontSize=26, leading=31, spaceAfter=10),
        "municipality": body.clone("municipality", fontSize=14, leading=18, textColor=MUTED),
        "subtitle": body.clone("subtitle", fontSize=14, leading=18, spaceAfter=24),
        "comment_head": body.clone("comment_head", fontName=BOLD, textColor=ACCENT),
    }


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    """Text as written: blank lines part paragraphs, single line breaks stay."""
    return [
        Paragraph(escape(part.strip()).replace("\n", "<br/>"), style)
        for part in text.replace("\r\n", "\n").split("\n\n")
        if part.strip()
    ]


# -- tables -----------------------------------------------------------------------------------


def _width(text: str, font: str = FONT, size: float = NUMBER_SIZE) -> float:
    return float(stringWidth(text, font, size))


def _column_width(table: Table, j: int) -> float:
    """As wide as the column's widest number and its header's longest word."""
    numbers = [_width(cell_text(row.cells[j])[0]) for row in table.rows if j < len(row.cells)]
    words = [_width(word, BOLD) for word in table.columns[j].split()]
    # a long header (an indicator's name) gets two lines, not five
    header = min(_width(table.columns[j], BOLD) / 2, 3.5 * cm)
    return max([*numbers, *words, header, 18.0]) + 2 * CELL_PADDING


def _parts(
    table: Table,
    label_width: float,
    flagged: bool,
    width: float = WIDTH,
    *,
    flag_width: float = FLAG_WIDTH,
    widening: float = 0.0,
) -> list[list[int]]:
    """The number columns in groups that fit beside the row labels on a page ``width`` wide
    (also the DOCX's, :mod:`saas.reports.docx`, whose cells are ``widening`` wider)."""
    room = width - label_width
    parts: list[list[int]] = [[]]
    used = 0.0
    for j in range(len(table.columns)):
        need = _column_width(table, j) + widening + (flag_width if flagged else 0)
        if parts[-1] and used + need > room:
            parts.append([])
            used = 0.0
        parts[-1].append(j)
        used += need
    return parts


class _Grid(Grid):
    """A table that never leaves fewer than :data:`MIN_ROWS` rows on a page when it splits:
    a lone last row under the repeated caption, or a caption with one row at a page's foot,
    is what a reader of a printed report stumbles over."""

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self._calc(available_width, available_height)
        heights = list(self._rowHeights)
        repeat = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
        used, fit = 0.0, 0
        for height in heights:
            if used + height > available_height:
                break
            used, fit = used + height, fit + 1
        tail = len(heights) - fit
        if 0 < tail < MIN_ROWS:  # give the next page some rows of this page
            fit -= MIN_ROWS - tail
            available_height = sum(heights[:fit]) + 0.01
        if fit - repeat < MIN_ROWS and available_height < 0.8 * FRAME_HEIGHT:
            return []  # the whole table on the next page
        return list(super().split(available_width, available_height))


def _grid(
    title: str, table: Table, columns: list[int], label_width: float, flagged: bool, s: Any
) -> Grid:
    """The table with its caption and header as the first two rows: both repeat on every
    page the table runs onto, and the caption never stays behind alone."""
    header: list[Any] = [Paragraph(escape(table.corner), s["head"])]
    widths = [label_width]
    natural = [_column_width(table, j) for j in columns]
    # the numbers share what the labels leave, but stay near their labels (at most
    # SPARE_PER_COLUMN wider than they need)
    spare = max(0.0, WIDTH - label_width - sum(natural) - FLAG_WIDTH * len(columns) * flagged)
    extra = min(spare / len(columns), SPARE_PER_COLUMN)
    for j, need in zip(columns, natural, strict=True):
        header.append(Paragraph(escape(table.columns[j]), s["head_right"]))
        widths.append(need + extra)
        if flagged:
            header.append("")
            widths.append(FLAG_WIDTH)
    caption = [Paragraph(escape(title), s["caption"])] + [""] * (len(header) - 1)
    data: list[list[Any]] = [caption, header]
    for row in table.rows:
        line: list[Any] = [Paragraph(escape(row.label), s["cell"])]
        for j in columns:
            shown, flag = cell_text(row.cells[j]) if j < len(row.cells) else ("", "")
            line.append(shown)
            if flagged:
                line.append(flag)
        data.append(line)
    step = 2 if flagged else 1
    commands: list[Any] = [
        ("SPAN", (0, 0), (-1, 0)),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("FONT", (1, 2), (-1, -1), FONT, NUMBER_SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
        ("VALIGN", (0, 2), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 1), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 1), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 1), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 2.5),
        ("LINEABOVE", (0, 1), (-1, 1), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, 1), 0.8, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
        ("ROWBACKGROUNDS", (0, 2), (-1, -1), [colors.white, ZEBRA]),
    ]
    if flagged:  # a flag sits close to its number, in a narrow column of its own
        for k in range(len(columns)):
            flag_col = 1 + k * step + 1
            commands += [
                ("ALIGN", (flag_col, 2), (flag_col, -1), "LEFT"),
                ("FONT", (flag_col, 2), (flag_col, -1), FONT, NUMBER_SIZE - 1),
                ("LEFTPADDING", (flag_col, 1), (flag_col, -1), 0),
                ("RIGHTPADDING", (flag_col - 1, 1), (flag_col - 1, -1), 1.5),  # header too
            ]
    grid = _Grid(data, colWidths=widths, repeatRows=2, hAlign="LEFT", spaceBefore=6)
    grid.setStyle(TableStyle(commands))
    return grid


def _table(table: Table, number: int, s: Any) -> list[Flowable]:
    caption = _("Table %(n)s: %(caption)s", n=number, caption=table.caption)
    if not table.rows:
        return [
            Paragraph(escape(caption), s["caption"]),
            Paragraph(escape(_("No data.")), s["body"]),
        ]
    flagged = table_flags(table)
    labels = max((_width(r.label) for r in table.rows), default=0.0)
    label_width = min(max(labels, _width(table.corner, BOLD)) + 2 * CELL_PADDING, 0.32 * WIDTH)
    parts = _parts(table, max(label_width, 4 * cm), flagged)
    story: list[Flowable] = []
    for k, columns in enumerate(parts, start=1):
        title = caption
        if len(parts) > 1:
            title = f"{caption} ({_('part %(k)s of %(n)s', k=k, n=len(parts))})"
        story.append(_grid(title, table, columns, max(label_width, 4 * cm), flagged, s))
    return story


# -- charts -----------------------------------------------------------------------------------


def chart_drawing(chart: Chart, width: float = CHART_WIDTH, height: float | None = None) -> Any:
    """The page's SVG of the chart as a reportlab drawing of ``width`` (svglib)."""
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(chart_svg(chart).encode()))
    if drawing is None:  # svglib answers None only for a file it cannot parse
        raise ValueError(f"svglib could not read the chart {chart.title!r}")
    scale = width / drawing.width
    if height is not None:
        scale = min(scale, height / drawing.height)
    drawing.scale(scale, scale)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.hAlign = "LEFT"
    return drawing


class _Figure(Flowable):
    """A chart with its caption, and the section's heading when the chart comes first, as one
    flowable: they always share a page (the legend is part of the chart's drawing).

    The drawing shrinks by up to a quarter to fit the rest of a page rather than leave half
    of it empty; smaller than that, the figure moves to the next page, where it shrinks as
    far as it must to fit the page.
    """

    def __init__(self, caption: Paragraph, drawing: Any, heads: list[Paragraph] | None = None):
        super().__init__()
        self.caption, self.drawing, self.scale = caption, drawing, 1.0
        self.heads = [*(heads or []), caption]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.placed: list[tuple[Paragraph, float]] = []  # (paragraph, its height)
        head = 0.0
        for paragraph in self.heads:
            _w, height = paragraph.wrap(available_width, available_height)
            style = paragraph.style
            gap = (style.spaceBefore if self.placed else 0) + style.spaceAfter
            self.placed.append((paragraph, height))
            head += height + gap
        room = available_height - head - 6
        fresh = available_height >= FRAME_HEIGHT - 1  # the top of a page: nowhere better
        self.scale = min(1.0, room / self.drawing.height)
        if not fresh:
            self.scale = 1.0 if self.scale >= 1.0 else max(self.scale, 0.75)
        self.width = available_width
        self.height = head + self.drawing.height * self.scale + 6
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        top = self.height
        for k, (paragraph, height) in enumerate(self.placed):
            style = paragraph.style
            top -= (style.spaceBefore if k else 0) + height
            paragraph.drawOn(canvas, 0, top)
            top -= style.spaceAfter
        canvas.saveState()
        canvas.translate(0, 6)
        canvas.scale(self.scale, self.scale)
        self.drawing.drawOn(canvas, 0, 0)
        canvas.restoreState()


def _chart(chart: Chart, number: int, s: Any, heads: list[Paragraph] | None = None) -> Flowable:
    caption = Paragraph(
        escape(_("Figure %(n)s: %(title)s", n=number, title=chart.title)), s["caption"]
    )
    return _Figure(caption, chart_drawing(chart, height=FRAME_HEIGHT - 2 * cm), heads)


# -- the document -----------------------------------------------------------------------------


def _title_page(document: Document, s: Any) -> list[Flowable]:
    """Title, period and the facts on the left, the contents on the right."""
    result = document.result
    half = (WIDTH - 1.5 * cm) / 2
    rows = [
        [Paragraph(escape(label), s["head"]), Paragraph(escape(value), s["body"])]
        for label, value in facts(document)
    ]
    grid = Grid(rows, colWidths=[4 * cm, half - 4 * cm], hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    contents: list[Flowable] = [Paragraph(escape(_("Contents")), s["h2"])]
    contents += [
        Paragraph(f"{index}. {escape(section.title)}", s["body"])
        for index, section in enumerate(result.sections, start=1)
    ]
    contents.append(Paragraph(escape(_("Notes and legend")), s["body"]))
    columns = Grid([[grid, contents]], colWidths=[half + 1.5 * cm, half], hAlign="LEFT")
    columns.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return [
        Spacer(1, 1.5 * cm),
        Paragraph(escape(result.tenant_name), s["municipality"]),
        Paragraph(escape(result.title), s["title"]),
        Paragraph(escape(_("Reporting period %(years)s", years=result.years_label)), s["subtitle"]),
        columns,
        PageBreak(),
    ]


def _comment(text: str, s: Any) -> Flowable:
    box = Grid(
        [[[Paragraph(escape(_("Commentary")), s["comment_head"]), *_paragraphs(text, s["body"])]]],
        colWidths=[WIDTH],
        hAlign="LEFT",
        spaceBefore=4,  # not a Spacer: the heading before it keeps with the box itself
        spaceAfter=6,
    )
    box.setStyle(
        TableStyle(
            [
                ("LINEBEFORE", (0, 0), (0, 0), 2.5, ACCENT),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eef5fb")),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


def story(document: Document) -> list[Flowable]:
    """Every flowable of the document, title page to legend."""
    s = _styles()
    result = document.result
    flowables = _title_page(document, s)
    figures = tables = 0
    for index, section in enumerate(result.sections):
        flowables.append(CondPageBreak(6 * cm))  # a heading never ends a page
        heading = Paragraph(f"{index + 1}. {escape(section.title)}", s["h1"])
        heads: list[Paragraph] = [heading]  # drawn with the first chart if nothing between
        if section.text:
            flowables += [heading, *_paragraphs(section.text, s["body"])]
            heads = []
        if document.comment(index):
            flowables += heads
            flowables.append(_comment(document.comment(index), s))
            heads = []
        found = pieces(section)
        if heads and not (found and isinstance(found[0][1], Chart)):
            flowables += heads  # (kept with the next flowable: keepWithNext)
            heads = []
        for item in (item for _kind, item in found):
            if isinstance(item, Chart):
                figures += 1
                flowables.append(_chart(item, figures, s, heads))
                heads = []
            else:
                tables += 1
                flowables += _table(item, tables, s)
        if section.type != "text" and not found:
            flowables.append(Paragraph(escape(_("No data.")), s["body"]))
        flowables.append(Spacer(1, 0.4 * cm))
    flowables.append(CondPageBreak(4 * cm))
    flowables.append(Paragraph(escape(_("Notes")), s["h1"]))
    notes = [Paragraph(escape(note), s["small"]) for note in result.footnotes]
    legend = used_flags(result)
    if legend:
        # heading and signs together, with the last notes: never alone on a page of their own
        last = notes[-NOTES_WITH_LEGEND:]
        notes = notes[: len(notes) - len(last)]
        flowables += notes
        flowables.append(
            KeepTogether(
                [
                    *last,
                    Paragraph(escape(_("Legend")), s["h2"]),
                    *(
                        Paragraph(f"<b>{escape(flag)}</b> {escape(text)}", s["small"])
                        for flag, text in legend
                    ),
                ]
            )
        )
    else:
        flowables += notes
    return flowables


def _numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas that knows the page count when it draws the footer ("Seite 2 von 9")."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                if self._pageNumber > 1:  # the title page has no footer
                    self.setFont(FONT, 8)
                    self.setFillColor(MUTED)
                    self.drawString(MARGIN, MARGIN / 2, footer)
                    self.drawRightString(
                        PAGE[0] - MARGIN,
                        MARGIN / 2,
                        _("Page %(n)s of %(total)s", n=self._pageNumber, total=total),
                    )
                super().showPage()
            super().save()

    return NumberedCanvas


def to_pdf(document: Document) -> bytes:
    result = document.result
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{result.title} {result.years_label}",
        author=result.tenant_name,
        lang=result.locale,
        invariant=1,
        pageCompression=0,
    )
    footer = f"{result.tenant_name} · {result.title} · {result.years_label}"
    doc.build(story(document), canvasmaker=_numbered_canvas(footer))
    return out.getvalue()
