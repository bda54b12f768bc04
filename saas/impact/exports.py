"""The tables of an office's impact analysis — rendered on the page and exported alike.

The page and the CSV/XLSX files are built from the same :func:`analysis_tables`, and every
number goes through :func:`rounded` once, so all three show the same numbers: the page in
the reader's locale, the CSV always in German format (``;`` as separator, decimal comma),
the XLSX as numbers rounded to the same digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from saas.core.formatting import format_fixed
from saas.core.formatting import rounded as round_half_even
from saas.core.spreadsheet import MIMETYPES as MIMETYPES
from saas.core.spreadsheet import Cell as SheetCell
from saas.core.spreadsheet import Number, write_csv, write_xlsx
from saas.impact.services import ImpactResult

#: digits after the decimal point per kind of number
DIGITS = {
    "rate": 2,  # ‰
    "points": 2,  # ‰ points
    "index": 1,
    "cases": 1,  # estimated cases (not whole)
    "count": 0,  # counted cases, population
    "eur": 0,
    "amount": 2,  # EUR with cents (the cost form)
    "percent": 1,
    "year": 0,
}
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Cell:
    value: Any
    kind: str = "text"

    @property
    def is_number(self) -> bool:
        return self.kind != "text"


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def rounded(value: float | None, kind: str) -> Decimal | None:
    """The value as shown everywhere: half-even rounded to the kind's digits."""
    return round_half_even(value, DIGITS[kind])


def format_number(value: float | None, kind: str, locale: str = "de") -> str:
    number = rounded(value, kind)
    if number is None:
        return "–"
    if kind == "year":
        return str(int(number))
    return format_fixed(number, DIGITS[kind], locale)


def _n(value: float | None, kind: str) -> Cell:
    return Cell(value, kind)


def _t(text: Any) -> Cell:
    return Cell("" if text is None else str(text))


def _span(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def phase_label(phase: str) -> str:
    return {
        "before": _("before"),
        "opening": _("opening year (transition)"),
        "after": _("after"),
    }.get(phase, "")


def group_labels(vocabulary: dict[str, str] | None = None) -> tuple[str, str]:
    """Names of the treated and the control group in the tenant's words."""
    areas = (vocabulary or {}).get("areas") or _("Areas")
    return _("%(areas)s served", areas=areas), _("Comparison %(areas)s", areas=areas)


def analysis_tables(
    result: ImpactResult, locale: str = "de", vocabulary: dict[str, str] | None = None
) -> list[Table]:
    """The data behind the chart, the before/after comparison, the result and the costs."""
    if not result.ok:
        return []
    treated, control = group_labels(vocabulary)
    yearly = Table(
        "yearly",
        _("HzE rate per year, indexed to the opening year"),
        [
            _("Year"),
            _("Phase"),
            _("%(group)s: cases", group=treated),
            _("%(group)s: population under 21", group=treated),
            _("%(group)s: HzE rate (‰)", group=treated),
            _("%(group)s: index (opening year = 100)", group=treated),
            _("%(group)s: cases", group=control),
            _("%(group)s: population under 21", group=control),
            _("%(group)s: HzE rate (‰)", group=control),
            _("%(group)s: index (opening year = 100)", group=control),
        ],
    )
    for row in result.years:
        yearly.rows.append(
            [
                _n(row.year, "year"),
                _t(phase_label(row.phase)),
                _n(row.treated.cases, "count"),
                _n(row.treated.population, "count"),
                _n(row.treated.rate, "rate"),
                _n(row.treated.index, "index"),
                _n(row.control.cases, "count"),
                _n(row.control.population, "count"),
                _n(row.control.rate, "rate"),
                _n(row.control.index, "index"),
            ]
        )

    before, after = _span(result.before_years), _span(result.after_years)
    windows = Table(
        "windows",
        _("Before and after the opening (ratio of sums over the years of each window)"),
        [
            _("Group"),
            _("Cases %(years)s", years=before),
            _("Population under 21 %(years)s (person-years)", years=before),
            _("HzE rate %(years)s (‰)", years=before),
            _("Cases %(years)s", years=after),
            _("Population under 21 %(years)s (person-years)", years=after),
            _("HzE rate %(years)s (‰)", years=after),
            _("Change (‰ points)"),
        ],
    )
    for label, b, a in (
        (treated, result.treated_before, result.treated_after),
        (control, result.control_before, result.control_after),
    ):
        assert a is not None and b is not None
        windows.rows.append(
            [
                _t(label),
                _n(b.cases, "count"),
                _n(b.population, "count"),
                _n(b.rate, "rate"),
                _n(a.cases, "count"),
                _n(a.population, "count"),
                _n(a.rate, "rate"),
                _n(a.rate - b.rate, "points"),
            ]
        )
    windows.rows.append(
        [_t(_("Difference-in-differences")), *[_t("")] * 6, _n(result.did, "points")]
    )

    summary = Table(
        "result",
        _("Result"),
        [_("Figure"), _("Value")],
        [
            [_t(_("Difference-in-differences (‰ points)")), _n(result.did, "points")],
            [
                _t(_("Population under 21 in the served areas (mean of the years after)")),
                _n(result.treated_u21_after, "count"),
            ],
            [_t(_("Estimated cases avoided per year")), _n(result.cases_avoided, "cases")],
            [
                _t(_("Weighted average annual cost per case (EUR)")),
                _n(result.cost_per_case, "eur"),
            ],
            [_t(_("Estimated cost avoided per year (EUR)")), _n(result.cost_avoided, "eur")],
        ],
    )

    costs = Table(
        "costs",
        _("Cost assumptions: help types in the served areas before the opening"),
        [
            _("Help type"),
            _("Cases %(years)s", years=before),
            _("Share (%)"),
            _("Average annual cost per case (EUR)"),
            _("Source of the cost"),
        ],
    )
    for line in result.cost_lines:
        costs.rows.append(
            [
                _t(line.label(locale)),
                _n(line.cases_before, "count"),
                _n(line.share * 100 if line.share is not None else None, "percent"),
                _n(line.annual_cost, "eur"),
                _t(
                    _("default assumption (to be checked)")
                    if line.is_default
                    else _("set by the municipality")
                ),
            ]
        )
    return [yearly, windows, summary, costs]


def caveat(vocabulary: dict[str, str] | None = None) -> str:
    """The plain-language warning shown with every analysis and in every export."""
    return _(
        "This analysis shows an association, not proof that the %(office)s caused the change. "
        "Other things changed at the same time (staff, other programmes, the economy, new "
        "families moving in); offices are opened in areas chosen because of high need, which "
        "can differ from the comparison areas in ways the figures do not show; areas with "
        "unusually high numbers tend to move back towards the average on their own "
        "(regression to the mean); and small numbers of cases vary a lot by chance.",
        office=(vocabulary or {}).get("office") or _("office"),
    )


def header_rows(result: ImpactResult, vocabulary: dict[str, str]) -> list[list[Cell]]:
    """Title block of an export: office, dates, window, groups, data status."""
    rows = [
        [_t(_("Impact analysis"))],
        [_t(vocabulary.get("office", _("Office"))), _t(result.office_name)],
        [_t(_("Code")), _t(result.office_code)],
        [
            _t(_("Opened on")),
            _t(result.opened_on.strftime("%d.%m.%Y") if result.opened_on else "–"),
        ],
        [_t(_("Window (years before and after)")), _n(result.window, "year")],
        [
            _t(group_labels(vocabulary)[0]),
            _t(", ".join(result.treated_areas)),
        ],
        [
            _t(group_labels(vocabulary)[1] + " " + _("(never served in the period)")),
            _t(", ".join(result.control_areas)),
        ],
        [
            _t(_("Data status")),
            _t(
                _("approved figures only")
                if result.approved_only
                else _("includes figures not yet approved")
                if result.pending
                else _("all figures used are approved")
            ),
        ],
        [_t(_("Source")), _t(_("Key figures of the municipality (HzE-Eckwert, ratio of sums)"))],
    ]
    if not result.ok:
        rows.append([_t(_("Analysis not possible")), _t(result.reason)])
    return rows


def _rows(
    result: ImpactResult,
    vocabulary: dict[str, str],
    locale: str,
    number: Callable[[Cell], SheetCell],
) -> list[list[SheetCell]]:
    """The export as spreadsheet rows; ``number`` turns a numeric cell into a sheet cell."""

    def cells(row: list[Cell]) -> list[SheetCell]:
        return [number(c) if c.is_number else str(c.value) for c in row]

    rows = [cells(row) for row in header_rows(result, vocabulary)]
    for table in analysis_tables(result, locale, vocabulary):
        rows += [[], [table.title], list(table.columns)]
        rows += [cells(row) for row in table.rows]
    for note in result.notes:
        rows += [[], [_("Note"), note]]
    rows += [[], [_("Caveat"), caveat(vocabulary)]]
    return rows


def _csv_number(cell: Cell) -> SheetCell:
    number = rounded(cell.value, cell.kind)
    text = format_number(cell.value, cell.kind, "de")
    return text if number is None else Number(number, text)


def _xlsx_number(cell: Cell) -> SheetCell:
    number = rounded(cell.value, cell.kind)
    if number is None:
        return None
    return Number(int(number) if DIGITS[cell.kind] == 0 else float(number), "")


def to_csv(result: ImpactResult, vocabulary: dict[str, str], locale: str = "de") -> bytes:
    """The analysis as CSV: ';' separated, German number format, UTF-8 with BOM for Excel."""
    return write_csv(_rows(result, vocabulary, locale, _csv_number), delimiter=";")


def to_xlsx(result: ImpactResult, vocabulary: dict[str, str], locale: str = "de") -> bytes:
    """The analysis as XLSX: one sheet, numbers rounded as on the page, text never a formula."""
    return write_xlsx(_rows(result, vocabulary, locale, _xlsx_number), sheet_title=_("Impact"))
