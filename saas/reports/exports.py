"""CSV, XLSX and PDF of a :class:`ReportResult` — the same numbers as the HTML page.

Every output walks the same result (:meth:`SectionResult.tables`) and formats cells with
:func:`saas.reports.service.format_cell` in the current locale:

* CSV: German uses ``;`` and a decimal comma (English ``,`` and a point), no thousands
  separator, UTF-8 with BOM so spreadsheet programs detect the encoding; text cells that a
  spreadsheet would take for a formula are prefixed with ``'``;
* XLSX: numbers are numeric cells with the shown number of decimals as number format,
  suppressed values ``–``, missing values ``n/a``; text is always stored as text;
* PDF (reportlab, A4 landscape): title, sections as tables, footnotes, page numbers. Content
  streams are not compressed and the file is invariant (no timestamp or random id), so the
  text of the numbers can be found in the file and two runs on the same data are identical.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from saas.reports.service import Cell, ReportResult, format_cell

FORMATS = ("csv", "xlsx", "pdf")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


# -- CSV -------------------------------------------------------------------------------------


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def csv_delimiter() -> str:
    from saas.reports.service import current_locale

    return ";" if current_locale() == "de" else ","


def csv_rows(result: ReportResult) -> Iterator[list[str]]:
    yield [_text(result.title)]
    for label, value in header_lines(result):
        yield [label, _text(value)]
    for section in result.sections:
        yield []
        yield [_text(section.title)]
        if section.text:
            yield [_text(section.text)]
        for table in section.tables():
            yield [_text(table.caption)]
            yield [_text(table.corner), *(_text(c) for c in table.columns)]
            for row in table.rows:
                yield [_text(row.label), *(format_cell(c, grouping=False) for c in row.cells)]
    yield []
    yield [_("Notes")]
    for note in result.footnotes:
        yield [_text(note)]


def to_csv(result: ReportResult) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=csv_delimiter(), lineterminator="\r\n")
    writer.writerows(csv_rows(result))
    return out.getvalue().encode("utf-8-sig")


# -- XLSX ------------------------------------------------------------------------------------


def _number_format(cell: Cell) -> str:
    pattern = "#,##0" + ("." + "0" * cell.decimals if cell.decimals else "")
    return f"+{pattern};-{pattern};0" if cell.signed else pattern


def to_xlsx(result: ReportResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Report")[:31])
    sheet.column_dimensions["A"].width = 60
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)

    def text(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever a title looks like
        if font is not None:
            cell.font = font
        return cell

    def number(value: Cell) -> WriteOnlyCell:
        if value.value is None:
            return text(format_cell(value))
        cell = WriteOnlyCell(sheet, value=value.value)
        cell.number_format = _number_format(value)
        return cell

    sheet.append([text(result.title, title_font)])
    for label, value in header_lines(result):
        sheet.append([text(label), text(value)])
    for section in result.sections:
        sheet.append([])
        sheet.append([text(section.title, title_font)])
        if section.text:
            sheet.append([text(section.text)])
        for table in section.tables():
            sheet.append([text(table.caption, bold)])
            sheet.append([text(table.corner, bold), *(text(c, bold) for c in table.columns)])
            for row in table.rows:
                sheet.append([text(row.label), *(number(c) for c in row.cells)])
    sheet.append([])
    sheet.append([text(_("Notes"), bold)])
    for note in result.footnotes:
        sheet.append([text(note)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
