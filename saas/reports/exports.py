"""CSV, XLSX, PDF and DOCX of a report — the same numbers and words as the HTML page.

Every output walks the same :class:`~saas.reports.document.Document` (the result and the
office's commentary): its facts, then per section the title, text, commentary and tables
(:meth:`SectionResult.tables`), cells formatted with :func:`saas.reports.result.format_cell`
in the current locale, then the notes:

* CSV: German uses ``;`` and a decimal comma (English ``,`` and a point), no thousands
  separator, UTF-8 with BOM; written by :mod:`saas.core.spreadsheet`, whose guard keeps
  text from being taken for a formula;
* XLSX: numbers are numeric cells with the shown number of decimals as number format,
  withheld values ``–``, missing values ``.``, a cell's flag (p, r) in its number format;
  text is always stored as text;
* PDF (:mod:`saas.reports.pdf`) and DOCX (:mod:`saas.reports.docx`): the committee
  documents, with the page's charts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from flask_babel import gettext as _

from saas.core.spreadsheet import MIMETYPES as SPREADSHEET_MIMETYPES
from saas.core.spreadsheet import Cell as Cell_
from saas.core.spreadsheet import Number, Text, number_format, write_csv, write_xlsx
from saas.reports.document import Document, facts, used_flags
from saas.reports.result import Cell, ReportResult, format_cell

FORMATS = ("csv", "xlsx", "pdf", "docx")
MIMETYPES = {
    **SPREADSHEET_MIMETYPES,
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def render(report: ReportResult | Document, fmt: str) -> bytes:
    document = report if isinstance(report, Document) else Document(report)
    if fmt == "csv":
        return to_csv(document)
    if fmt == "xlsx":
        return to_xlsx(document)
    if fmt == "pdf":
        from saas.reports.pdf import to_pdf

        return to_pdf(document)
    if fmt == "docx":
        from saas.reports.docx import to_docx

        return to_docx(document)
    raise ValueError(f"unknown report format: {fmt!r} (csv, xlsx, pdf or docx)")


def _slug(text: str) -> str:
    ascii_text = (
        unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")


def filename(result: ReportResult, fmt: str) -> str:
    """A name a reader recognises: municipality, report and period (``Stadt-Marl_…``)."""
    parts = (result.tenant_name, result.title, result.years_label.replace("–", "-"))
    return "_".join(_slug(p) for p in parts) + f".{fmt}"


# -- CSV and XLSX (saas.core.spreadsheet) ----------------------------------------------------


def csv_delimiter() -> str:
    from saas.reports.result import current_locale

    return ";" if current_locale() == "de" else ","


def _rows(document: Document, number: Callable[[Cell], Cell_]) -> Iterator[list[Cell_]]:
    """The report as spreadsheet rows; ``number`` turns a report cell into a spreadsheet cell."""
    result = document.result
    yield [Text(result.title, bold=True, size=14)]
    for label, value in facts(document):
        yield [label, value]
    for index, section in enumerate(result.sections):
        yield []
        yield [Text(section.title, bold=True, size=14)]
        if section.text:
            yield [section.text]
        if document.comment(index):
            yield [Text(_("Commentary"), bold=True), document.comment(index)]
        for table in section.tables():
            yield [Text(table.caption, bold=True)]
            yield [Text(table.corner, bold=True), *(Text(c, bold=True) for c in table.columns)]
            for row in table.rows:
                yield [row.label, *(number(c) for c in row.cells)]
    yield []
    yield [Text(_("Notes"), bold=True)]
    for note in result.footnotes:
        yield [note]
    legend = used_flags(result)
    if legend:
        yield []
        yield [Text(_("Legend"), bold=True)]
        for flag, meaning in legend:
            yield [flag, meaning]


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


def csv_rows(document: Document) -> Iterator[list[Cell_]]:
    return _rows(document, _csv_number)


def to_csv(report: ReportResult | Document) -> bytes:
    document = report if isinstance(report, Document) else Document(report)
    return write_csv(csv_rows(document), delimiter=csv_delimiter())


def to_xlsx(report: ReportResult | Document) -> bytes:
    document = report if isinstance(report, Document) else Document(report)
    return write_xlsx(
        _rows(document, _xlsx_number), sheet_title=_("Report"), column_widths={"A": 60}
    )
