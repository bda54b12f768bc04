"""What every document of a report shows besides its numbers: the title page's facts, the
office's commentary, the cells' flags with their legend, and the charts as SVG.

The PDF (:mod:`saas.reports.pdf`), the DOCX (:mod:`saas.reports.docx`) and the spreadsheets
(:mod:`saas.reports.exports`) read a :class:`Document` — the report result with what was
written about it — so they carry the same text in the same words, and no code (a template's
or a metric's) reaches a reader. Charts are the SVG of :mod:`saas.core.charts`, the one the
page shows; the documents draw that SVG, they never draw a chart of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _

from saas.core.formatting import format_day
from saas.reports.result import (
    Cell,
    Chart,
    ReportResult,
    SectionResult,
    Table,
    chart_markup,
    format_cell,
)

#: the office's text per section: the section's position in the report → its text
Commentary = dict[int, str]


@dataclass
class Document:
    """A report result and what belongs to it in a document."""

    result: ReportResult
    commentary: Commentary = field(default_factory=dict)
    published_at: datetime | None = None

    def comment(self, index: int) -> str:
        return (self.commentary.get(index) or "").strip()


# -- facts of the title page ----------------------------------------------------------------


def template_label(result: ReportResult) -> str:
    """The template by its name and version (a local variant says so), never by its code."""
    label = _("%(title)s, version %(version)s", title=result.title, version=result.template_version)
    return f"{label} ({_('local variant')})" if result.local else label


def _day(value: datetime | str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_day(moment, get_locale())


def facts(document: Document) -> list[tuple[str, str]]:
    """The lines of the title page (and of the spreadsheets' head), label and value."""
    result = document.result
    lines = [
        (_("Municipality"), result.tenant_name),
        (_("Reporting period"), result.years_label),
        (_("Area level"), result.level_name or "–"),
        (_("Report template"), template_label(result)),
        (_("Created on"), _day(result.generated_at)),
    ]
    if document.published_at is not None:
        lines.append((_("Published on"), _day(document.published_at)))
    if result.approved:
        lines.append((_("Data status"), _("all figures shown are approved")))
    else:
        years = ", ".join(str(y) for y in result.pending_years)
        lines.append(
            (_("Data status"), _("contains months not approved yet (%(years)s)", years=years))
        )
    return lines


# -- flags of cells ---------------------------------------------------------------------------

#: the signs of official statistics a cell may carry, in the order the legend lists them
FLAG_ORDER = ("p", "r", ".", "–")


def flag_legend(flag: str) -> str:
    texts = {
        "p": _("provisional: contains months not approved yet"),
        "r": _("revised after publication"),
        ".": _("not available"),
        "–": _("withheld to protect small numbers"),
    }
    return texts.get(flag, "")


def cell_flag(cell: Cell) -> str:
    """The flag the disclosure rules put on a cell (``p``, ``r``, ``.``, ``–``), or ``""``.

    Read through this one accessor: older snapshots' cells have no flag at all."""
    return str(getattr(cell, "flag", "") or "")


def cell_text(cell: Cell) -> tuple[str, str]:
    """The cell as a document shows it: its number (or sign) and a flag to set beside it.

    A sign flag (``.``, ``–``) stands instead of the number, a letter (``p``, ``r``) after it.
    """
    shown, flag = format_cell(cell, flag=False), cell_flag(cell)
    if flag in (".", "–"):
        return flag, ""
    return shown, flag


def table_flags(table: Table) -> bool:
    return any(cell_text(c)[1] for row in table.rows for c in row.cells)


def used_flags(result: ReportResult) -> list[tuple[str, str]]:
    """The flags that occur in the report with their meaning (the legend): the result's own
    legend (its threshold in the words), or for older snapshots the plain meanings."""
    if getattr(result, "legend", None):
        return [(str(flag), str(meaning)) for flag, meaning in result.legend]
    found = {cell_flag(c) for c in result.cells()}
    return [(f, flag_legend(f)) for f in FLAG_ORDER if f in found]


# -- sections and charts ---------------------------------------------------------------------


def pieces(section: SectionResult) -> list[tuple[str, Chart | Table]]:
    """A section's charts and tables in reading order: each chart before its data table,
    the key figures as the first table."""
    found: list[tuple[str, Chart | Table]] = []
    if section.tiles:
        found.append(("table", section.tables()[0]))
    for block in section.blocks:
        if block.chart is not None and block.table.rows:
            found.append(("chart", block.chart))
        found.append(("table", block.table))
    return found


def chart_svg(chart: Chart) -> str:
    """The SVG the page shows for this chart."""
    return str(chart_markup(chart))
