"""Formatting of the ring page: numbers, units, charts with the national reference line, and
the CSV/XLSX export of exactly the table on the page.

Every reference value carries its source, year and kind (:class:`~saas.indicators.definitions.
Reference`): the notes name them per value, and the reference rows and lines name the kind, so
an estimate or a derived value is never shown as if it were an official figure.
"""

from __future__ import annotations

import statistics
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from saas.comparison.forms import indicator_label
from saas.comparison.models import ComparisonRing
from saas.comparison.services import Comparison, IndicatorTable, Value
from saas.core.charts import WIDTH, Series, line_chart
from saas.core.formatting import format_fixed, language
from saas.core.spreadsheet import MIMETYPES as MIMETYPES
from saas.core.spreadsheet import Cell, Number, Text, number_format, write_csv, write_xlsx
from saas.indicators.definitions import KINDS
from saas.reports.result import MISSING as NOT_AVAILABLE
from saas.reports.result import WITHHELD, legend

FORMATS = ("csv", "xlsx")
#: the reports' signs (saas.reports.result): "–" withheld, "." not available
SUPPRESSED = WITHHELD
MISSING = NOT_AVAILABLE

REGIONS = {
    "DE": _l("Germany"),
    "NW": _l("North Rhine-Westphalia"),
    "SL": _l("Saarland"),
}


def unit_label(table: IndicatorTable) -> str:
    if table.normalised:
        return str(_l("per 1,000 under-21-year-olds"))
    # the unit as the indicator layer names it (checked against the metric catalogue)
    return table.indicator.unit_text(language(get_locale()))


def format_value(value: float | None, decimals: int, locale: str) -> str:
    """A number as on the page: rounded to ``decimals``, the locale's separators."""
    if value is None:
        return ""
    return format_fixed(round(value, decimals), decimals, locale)


def cell_text(cell: Value, decimals: int, locale: str) -> str:
    """The cell as the reports print one: the number followed by its flag (``12,3 r``), or
    the sign alone (``–`` withheld, ``.`` not available)."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return MISSING
    text = format_value(cell.value, decimals, locale)
    return f"{text} {cell.flag}" if cell.flag else text


def cell_texts(table: IndicatorTable, locale: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The table's rows as (municipality, [(kind, number, flag)]), kind suppressed/missing/
    value; a value's flag is "", "p", "r" or "pr" (the sign of the others is the number)."""
    places = table.decimals
    return [
        (
            member.name,
            [
                ("suppressed", SUPPRESSED, SUPPRESSED)
                if c.suppressed
                else ("missing", MISSING, MISSING)
                if c.value is None
                else ("value", format_value(c.value, places, locale), c.flag)
                for c in cells
            ],
        )
        for member, cells in table.rows
    ]


def flag_legend(comparison: Comparison) -> list[tuple[str, str]]:
    """The flags the comparison's cells carry with their meaning: the reports' own legend
    (:func:`saas.reports.result.legend`), in their order, with the ring's threshold."""
    return legend(comparison.flags, comparison.threshold)


def kind_label(kind: str) -> str:
    """The kind of a reference value in the reader's language (amtlich/geschätzt/abgeleitet)."""
    return KINDS[kind][1 if language(get_locale()) == "en" else 0]


def _kinds(table: IndicatorTable, region: str, years: list[int]) -> str:
    """The kinds of a region's reference values in ``years`` (e.g. "geschätzt")."""
    kinds = dict.fromkeys(
        ref.kind for ref in table.indicator.sources if ref.region == region and ref.year in years
    )
    return ", ".join(kind_label(kind) for kind in kinds)


def references(table: IndicatorTable, years: list[int]) -> list[tuple[str, list[float | None]]]:
    """The reference rows aligned with ``years``: the region named with the kind of its
    values ("Nordrhein-Westfalen (Referenz; geschätzt)"), for the regions with a value in the
    range (counts shown per 1,000 have none: the references are rates)."""
    if table.normalised:
        return []
    result = []
    for region, values in table.indicator.references.items():
        aligned = [values.get(yr) for yr in years]
        if any(v is not None for v in aligned):
            name = str(REGIONS.get(region, region))
            kinds = _kinds(table, region, years)
            result.append(
                (str(_l("%(region)s (reference; %(kind)s)", region=name, kind=kinds)), aligned)
            )
    return result


def reference_values(table: IndicatorTable) -> list[tuple[str, int, float, str]]:
    """Every reference value of the indicator: (region, year, value, "kind; source")."""
    if table.normalised:
        return []
    return [
        (
            str(REGIONS.get(ref.region, ref.region)),
            ref.year,
            ref.value,
            f"{kind_label(ref.kind)}; {ref.source}",
        )
        for ref in sorted(table.indicator.sources, key=lambda r: (r.region, r.year))
    ]


def _reference_series(table: IndicatorTable, years: list[int]) -> list[Series]:
    """A line per region: its values where there are two or more in the range, else its
    latest value drawn across the range and named with its year; the name says the kind of
    the values (an estimate is never drawn as if it were an official figure)."""
    series = []
    for region, values in table.indicator.references.items():
        if table.normalised or not values:
            continue
        name = str(REGIONS.get(region, region))
        inside = [values.get(yr) for yr in years]
        if sum(v is not None for v in inside) >= 2:
            kinds = _kinds(table, region, years)
            series.append(Series(f"{name} ({kinds})", inside, reference=True))
            continue
        latest = max(values)
        kinds = _kinds(table, region, [latest])
        series.append(
            Series(f"{name} {latest} ({kinds})", [values[latest]] * len(years), reference=True)
        )
    return series


#: with more members a line each would be unreadable (and the palette has eight colours)
MAX_CHART_MEMBERS = 8


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def charts(
    comparison: Comparison, locale: str, own_tenant_id: int | None = None, width: int = WIDTH
) -> list[Markup]:
    """One line chart per indicator: a line per member, the reference lines dashed; ``width``
    the drawing's width (``charts.NARROW_WIDTH``: the layout the page shows on phones).

    A ring of more than :data:`MAX_CHART_MEMBERS` shows the own municipality against the
    ring's median (of the values shown in the table) instead; the table lists everyone.
    """
    x_labels = [str(yr) for yr in comparison.years]
    many = len(comparison.members) > MAX_CHART_MEMBERS
    result = []
    for table in comparison.tables:
        if many:
            columns = list(zip(*(cells for _m, cells in table.rows), strict=True))
            series = [
                Series(member.name, [c.value for c in cells])
                for member, cells in table.rows
                if member.id == own_tenant_id
            ]
            median = [_median([c.value for c in column]) for column in columns]
            series.append(Series(str(_l("Median of the ring")), median))
            description = str(
                _l(
                    "Trend of your municipality and the median of the ring's %(n)s "
                    "municipalities; every value is in the table below the chart.",
                    n=len(comparison.members),
                )
            )
        else:
            series = [Series(member.name, [c.value for c in cells]) for member, cells in table.rows]
            description = str(
                _l("Trend by municipality; the values are in the table below the chart.")
            )
        series += _reference_series(table, comparison.years)
        title = f"{indicator_label(table.indicator.code)} ({unit_label(table)})"
        result.append(
            line_chart(title, x_labels, series, description=description, locale=locale, width=width)
        )
    return result


def footnotes(comparison: Comparison) -> list[str]:
    """The notes under the tables (the flags are explained by :func:`flag_legend`; every
    reference value's kind and source by :func:`reference_notes`)."""
    notes = [
        str(
            _l(
                "Only figures that the municipalities have approved for whole years and "
                "published for the comparison."
            )
        ),
    ]
    if any(reference_values(table) for table in comparison.tables):
        notes.append(
            str(
                _l(
                    "Reference values are official (published as they are by a statistics "
                    "office), estimated (resting on an assumed population or scope) or derived "
                    "(computed from published figures); the kind and source of each value are "
                    "given with the indicator."
                )
            )
        )
    return notes


def reference_notes(comparison: Comparison, locale: str) -> list[str]:
    """One line per indicator with reference values, each with its kind and source, as under
    the page's tables."""
    notes = []
    for table in comparison.tables:
        refs = reference_values(table)
        if refs:
            values = " · ".join(
                f"{region} {year}: {format_value(value, table.decimals, locale)} ({source})"
                for region, year, value, source in refs
            )
            notes.append(
                f"{indicator_label(table.indicator.code)} – "
                f"{_l('Reference values (kind; source):')} {values}"
            )
    return notes


def _matrix(comparison: Comparison, locale: str) -> list[tuple[list[Any], int]]:
    """The page's table as rows of cells (numbers rounded as shown) with their decimals."""
    header = [
        str(_l("Indicator")),
        str(_l("Unit")),
        str(_l("Municipality")),
        *map(str, comparison.years),
    ]
    rows: list[tuple[list[Any], int]] = [(header, 0)]
    for table in comparison.tables:
        label, unit, places = (
            indicator_label(table.indicator.code),
            unit_label(table),
            table.decimals,
        )
        for member, cells in table.rows:
            rows.append(
                (
                    [
                        label,
                        unit,
                        member.name,
                        *[
                            (round(c.value, places), c.flag)
                            if c.value is not None
                            else cell_text(c, places, locale)
                            for c in cells
                        ],
                    ],
                    places,
                )
            )
        for name, values in references(table, comparison.years):
            rows.append(
                (
                    [
                        label,
                        unit,
                        name,
                        *[round(v, places) if v is not None else "" for v in values],
                    ],
                    places,
                )
            )
    return rows


def _number(value: Any, places: int, locale: str) -> Cell:
    """A spreadsheet cell: text as it is; a number (with its flag) stays numeric in XLSX,
    the flag written after it by the number format, as in the reports' exports."""
    if isinstance(value, str):
        return value
    number, flag = value if isinstance(value, tuple) else (value, "")
    text = format_value(number, places, locale)
    pattern = number_format(places)
    if flag:
        text = f"{text} {flag}"
        pattern = ";".join(f'{part}" {flag}"' for part in pattern.split(";"))
    return Number(number, text, pattern)


def filename(ring: ComparisonRing, fmt: str) -> str:
    """The download's file name (``vergleich-nrw-staedte.xlsx``)."""
    return f"vergleich-{ring.code}.{fmt}"


def cells(comparison: Comparison) -> int:
    """The number of values the export writes (municipalities × years × indicators): what
    decides whether it is written in the request or as a job."""
    return sum(len(table.rows) for table in comparison.tables) * len(comparison.years)


def export_comparison(comparison: Comparison, fmt: str, locale: str) -> bytes:
    """The displayed table as CSV (German: ';' and decimal comma) or XLSX."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt!r}")
    rows: list[list[Cell]] = []
    for row, places in _matrix(comparison, locale):
        rows.append([_number(v, places, locale) for v in row])
    rows.append([])
    rows += [[note] for note in [*reference_notes(comparison, locale), *footnotes(comparison)]]
    flags = flag_legend(comparison)
    if flags:  # as the reports' exports: a heading, then one row per sign
        rows += [[], [Text(str(_l("Legend")), bold=True)]]
        rows += [[flag, meaning] for flag, meaning in flags]
    if fmt == "csv":
        return write_csv(rows, delimiter=";" if language(locale) == "de" else ",")
    return write_xlsx(rows, sheet_title=str(_l("Comparison")))
