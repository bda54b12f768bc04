"""The result of a report: plain data every output reads (page, CSV, XLSX, PDF, snapshot).

:class:`ReportResult` holds titles, tables of cells, chart data and footnotes; it is stored as
JSON in a published snapshot. Cells are rounded once by the builder
(:mod:`saas.reports.builder`); the formatting here only writes them in the current locale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from saas.core.formatting import format_fixed, language

DASH = "–"

# -- cell flags (as in the tables of the statistical offices) ---------------------------------

#: withheld (disclosure control) — the value is not shown
WITHHELD = DASH
#: not available: no figure behind the cell
MISSING = "."
#: provisional: rests on a month that is not approved yet
PROVISIONAL = "p"
#: revised: differs from the value a published snapshot showed
REVISED = "r"
FLAGS = (WITHHELD, MISSING, PROVISIONAL, REVISED)


def legend(flags: set[str] | str, threshold: int) -> list[tuple[str, str]]:
    """The meaning of every flag in ``flags``, in the order of :data:`FLAGS`."""
    meanings = {
        WITHHELD: _(
            "withheld: the value rests on fewer than %(n)s cases, or would let such a value "
            "be worked out from the numbers shown here or in other reports of the office "
            "(protection of small numbers).",
            n=threshold,
        ),
        MISSING: _("not available: no data for this period."),
        PROVISIONAL: _("provisional: contains months that are not approved yet."),
        REVISED: _("revised: differs from the value in a report published earlier."),
    }
    return [(flag, str(meanings[flag])) for flag in FLAGS if flag in flags]


# -- the result -----------------------------------------------------------------------------


@dataclass
class Cell:
    """One number as shown: rounded to ``decimals``; None when missing or suppressed.

    ``flag``: ``"–"`` withheld, ``"."`` not available, or any of ``"p"`` (provisional) and
    ``"r"`` (revised) — see :data:`FLAGS`; :attr:`display` is the text every output prints.
    """

    value: float | None = None
    decimals: int = 0
    suppressed: bool = False
    signed: bool = False
    flag: str = ""

    @property
    def display(self) -> str:
        """The cell as printed in the current locale, with its flag."""
        return format_cell(self)


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class Table:
    caption: str
    corner: str
    columns: list[str]
    rows: list[Row]


@dataclass
class ChartSeries:
    name: str
    values: list[float | None]


@dataclass
class Chart:
    kind: str  # "line" | "bar"
    title: str
    x: list[str]
    series: list[ChartSeries]


@dataclass
class Block:
    """A data table and, optionally, the chart drawn from the same numbers."""

    table: Table
    chart: Chart | None = None


@dataclass
class Tile:
    label: str
    year: int
    value: Cell
    previous_year: int
    previous: Cell
    change: Cell


@dataclass
class SectionResult:
    type: str
    title: str
    text: str = ""
    tiles: list[Tile] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def tables(self) -> list[Table]:
        """Every table of the section; KPI tiles as one table (previous, last, change)."""
        if not self.tiles:
            return [b.table for b in self.blocks]
        first = self.tiles[0]
        return [
            Table(
                self.title,
                _("Indicator"),
                [str(first.previous_year), str(first.year), _("Change from previous year (%)")],
                [Row(t.label, [t.previous, t.value, t.change]) for t in self.tiles],
            ),
            *[b.table for b in self.blocks],
        ]


@dataclass
class ReportResult:
    """Everything a report shows, as plain data (stored as JSON in a published snapshot)."""

    title: str
    template_code: str
    template_version: int
    template_id: int | None
    local: bool
    tenant_slug: str
    tenant_name: str
    first_year: int
    last_year: int
    level: str | None
    level_name: str
    locale: str
    generated_at: str
    approved: bool
    pending_years: list[int]
    sections: list[SectionResult]
    footnotes: list[str]
    #: [flag, meaning] of every flag the cells carry (also among the footnotes)
    legend: list[list[str]] = field(default_factory=list)
    #: the cube cells shown and withheld per year, and the figures' revision
    #: (:meth:`saas.reports.builder._Builder.protection_record`)
    protection: dict[str, Any] = field(default_factory=dict)

    @property
    def revision(self) -> str:
        """The revision (digest of the figures) the report was built from."""
        return str(self.protection.get("revision", ""))

    @property
    def years_label(self) -> str:
        if self.first_year == self.last_year:
            return str(self.last_year)
        return f"{self.first_year}–{self.last_year}"

    def cells(self) -> Iterator[Cell]:
        """Every number of the report, in the order of :meth:`SectionResult.tables`."""
        for section in self.sections:
            for table in section.tables():
                for row in table.rows:
                    yield from row.cells

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportResult:
        def cell(raw: dict[str, Any]) -> Cell:
            return Cell(**raw)

        def table(raw: dict[str, Any]) -> Table:
            return Table(
                raw["caption"],
                raw["corner"],
                list(raw["columns"]),
                [Row(r["label"], [cell(c) for c in r["cells"]]) for r in raw["rows"]],
            )

        def chart(raw: dict[str, Any] | None) -> Chart | None:
            if raw is None:
                return None
            return Chart(
                raw["kind"],
                raw["title"],
                list(raw["x"]),
                [ChartSeries(s["name"], list(s["values"])) for s in raw["series"]],
            )

        sections = [
            SectionResult(
                s["type"],
                s["title"],
                s.get("text", ""),
                [
                    Tile(
                        t["label"],
                        t["year"],
                        cell(t["value"]),
                        t["previous_year"],
                        cell(t["previous"]),
                        cell(t["change"]),
                    )
                    for t in s.get("tiles", [])
                ],
                [Block(table(b["table"]), chart(b.get("chart"))) for b in s.get("blocks", [])],
            )
            for s in data["sections"]
        ]
        fields = {k: v for k, v in data.items() if k != "sections"}
        return cls(**fields, sections=sections)


# -- formatting (shared by every output) ----------------------------------------------------


def current_locale() -> str:
    """A report's language: ``en`` for any English locale, else ``de``."""
    return language(get_locale())


def format_cell(cell: Cell, *, grouping: bool = True, flag: bool = True) -> str:
    """The cell in the current locale: ``1.234,5`` (de) or ``1,234.5`` (en), followed by its
    flag (``12 p``); ``–`` when withheld, ``.`` when there is no value. Without ``grouping``
    (CSV) no thousands separator is written; without ``flag`` only the number. Values are
    already rounded to ``decimals`` (:func:`_round`), so the fast
    :func:`saas.core.formatting.format_fixed` writes what Babel would."""
    if cell.suppressed:
        return WITHHELD
    if cell.value is None:
        return MISSING
    text = format_fixed(
        cell.value, cell.decimals, get_locale(), grouping=grouping, signed=cell.signed
    )
    return f"{text} {cell.flag}" if flag and cell.flag else text


def chart_markup(chart: Chart, width: int | None = None) -> Markup:
    """The accessible SVG of a chart (the page shows its data table next to it); ``width``
    the drawing's width, e.g. ``charts.NARROW_WIDTH`` for the layout the page shows on phones."""
    from saas.core.charts import WIDTH, Series, bar_chart, line_chart

    series = [Series(s.name, list(s.values)) for s in chart.series]
    description = _("The data table below the chart shows the same numbers.")
    locale = current_locale()
    size = width or WIDTH
    if chart.kind == "line":
        return line_chart(
            chart.title, chart.x, series, description=description, locale=locale, width=size
        )
    return bar_chart(
        chart.title,
        chart.x,
        series,
        description=description,
        locale=locale,
        missing=_("n/a"),
        width=size,
    )
