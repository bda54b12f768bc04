"""CSV, XLSX and PDF of a :class:`ReportResult` — the same numbers as the HTML page.

Every output walks the same result (:meth:`SectionResult.tables`) and formats cells with
:func:`saas.reports.result.format_cell` in the current locale:

* CSV: German uses ``;`` and a decimal comma (English ``,`` and a point), no thousands
  separator, UTF-8 with BOM; written by :mod:`saas.core.spreadsheet`, whose guard keeps
  text from being taken for a formula;
* XLSX: numbers are numeric cells with the shown number of decimals as number format,
  withheld values ``–``, missing values ``.``, a cell's flag (p, r) in its number format;
  text is always stored as text;
* PDF (reportlab, A4 landscape): title, sections as tables, footnotes, page numbers. Content
  streams are not compressed and the file is invariant (no timestamp or random id), so the
  text of the numbers can be found in the file and two runs on the same data are identical.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any
from xml.sax.saxutils import escape  # nosec B406 # escapes output, parses nothing

from flask_babel import gettext as _

from saas.core.spreadsheet import MIMETYPES as SPREADSHEET_MIMETYPES
from saas.core.spreadsheet import Cell as Cell_
from saas.core.spreadsheet import Number, Text, number_format, write_csv, write_xlsx
from saas.reports.result import Cell, ReportResult, format_cell

FORMATS = ("csv", "xlsx", "pdf")
MIMETYPES = {**SPREADSHEET_MIMETYPES, "pdf": "application/pdf"}


def render(result: ReportResult, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(result)
    if fmt == "xlsx":
        return to_xlsx(result)
    if fmt == "pdf":
        return to_pdf(result)
    raise ValueError(f"unknown report format: {fmt!r} (csv, xlsx or pdf)")


def filename(result: ReportResult, fmt: str) -> str:
    return f"{result.tenant_slug}-{result.template_code}-{result.years_label}.{fmt}".replace(
        "–", "-"
    )


def header_lines(result: ReportResult) -> list[tuple[str, str]]:
    return [
        (_("Municipality"), result.tenant_name),
        (_("Years"), result.years_label),
        (_("Area level"), result.level_name or "–"),
        (_("Template"), f"{result.template_code}, {_('version')} {result.template_version}"),
    ]


# -- CSV and XLSX (saas.core.spreadsheet) ----------------------------------------------------


def csv_delimiter() -> str:
    from saas.reports.result import current_locale

    return ";" if current_locale() == "de" else ","


def _rows(result: ReportResult, number: Callable[[Cell], Cell_]) -> Iterator[list[Cell_]]:
    """The report as spreadsheet rows; ``number`` turns a report cell into a spreadsheet cell."""
    yield [Text(result.title, bold=True, size=14)]
    for label, value in header_lines(result):
        yield [label, value]
    for section in result.sections:
        yield []
        yield [Text(section.title, bold=True, size=14)]
        if section.text:
            yield [section.text]
        for table in section.tables():
            yield [Text(table.caption, bold=True)]
            yield [Text(table.corner, bold=True), *(Text(c, bold=True) for c in table.columns)]
            for row in table.rows:
                yield [row.label, *(number(c) for c in row.cells)]
    yield []
    yield [Text(_("Notes"), bold=True)]
    for note in result.footnotes:
        yield [note]


def _csv_number(cell: Cell) -> Cell_:
    text = format_cell(cell, grouping=False)
    return text if cell.value is None else Number(cell.value, text)


def _xlsx_number(cell: Cell) -> Cell_:
    if cell.value is None:
        return format_cell(cell)
    pattern = number_format(cell.decimals, signed=cell.signed)
    if cell.flag:  # the flag after the number, the cell stays numeric
        pattern = ";".join(f'{part}" {cell.flag}"' for part in pattern.split(";"))
    return Number(cell.value, "", pattern)


def csv_rows(result: ReportResult) -> Iterator[list[Cell_]]:
    return _rows(result, _csv_number)


def to_csv(result: ReportResult) -> bytes:
    return write_csv(csv_rows(result), delimiter=csv_delimiter())


def to_xlsx(result: ReportResult) -> bytes:
    return write_xlsx(_rows(result, _xlsx_number), sheet_title=_("Report"), column_widths={"A": 60})


# -- PDF -------------------------------------------------------------------------------------


def to_pdf(result: ReportResult) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    cell_style = styles["BodyText"].clone("cell", fontSize=8, leading=9.5)
    head_style = cell_style.clone("head", fontName="Helvetica-Bold")
    page_size = landscape(A4)
    margin = 1.5 * cm
    width = page_size[0] - 2 * margin
    out = io.BytesIO()
    page_label = _("Page")
    footer = f"{result.tenant_name} · {result.title} · {result.years_label}"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, margin / 2, footer)
        canvas.drawRightString(page_size[0] - margin, margin / 2, f"{page_label} {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=page_size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=result.title,
        author=result.tenant_name,
        lang=result.locale,
        invariant=1,
        pageCompression=0,
    )
    story: list[object] = [Paragraph(escape(result.title), styles["Title"])]
    for label, value in header_lines(result):
        story.append(Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", styles["BodyText"]))
    for section in result.sections:
        story.append(Spacer(1, 0.4 * cm))
        story.append(Paragraph(escape(section.title), styles["Heading2"]))
        if section.text:
            story.append(Paragraph(escape(section.text), styles["BodyText"]))
        for table in section.tables():
            story.append(Paragraph(escape(table.caption), styles["Heading4"]))
            if not table.rows:
                story.append(Paragraph(escape(_("No data.")), styles["BodyText"]))
                continue
            label_width = min(7 * cm, width * 0.4)
            number_width = (width - label_width) / max(len(table.columns), 1)
            data: list[list[object]] = [
                [
                    Paragraph(escape(table.corner), head_style),
                    *(Paragraph(escape(c), head_style) for c in table.columns),
                ]
            ]
            for row in table.rows:
                data.append(
                    [Paragraph(escape(row.label), cell_style), *(format_cell(c) for c in row.cells)]
                )
            grid = Table(
                data,
                colWidths=[label_width, *([number_width] * len(table.columns))],
                repeatRows=1,
                hAlign="LEFT",
            )
            grid.setStyle(
                TableStyle(
                    [
                        ("FONT", (1, 1), (-1, -1), "Helvetica", 8),
                        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8ced8")),
                    ]
                )
            )
            story.append(grid)
    story.append(Spacer(1, 0.5 * cm))
    story.append(Paragraph(escape(_("Notes")), styles["Heading3"]))
    for note in result.footnotes:
        story.append(Paragraph(escape(note), small))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
