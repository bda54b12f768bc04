"""The tables of an office's impact analysis — rendered on the page and exported alike.

The page and the CSV/XLSX files are built from the same :func:`analysis_tables`, and every
number goes through :func:`rounded` once, so all three show the same numbers: the page in
the reader's locale, the CSV always in German format (``;`` as separator, decimal comma),
the XLSX as numbers rounded to the same digits.

Disclosure control is decided by the tenant's protected cube, not here: the served and the
comparison group are nodes of the cube (:mod:`saas.impact.disclosure`), and
:func:`saas.impact.services.analyse_office` hands over every count the cube withholds as
None, with the estimates resting on it. A withheld (None) count takes the population, rate,
index and share of its row along (:func:`_counted`); every withheld number reads "–".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from saas.core.disclosure import DEFAULT_THRESHOLD, tenant_threshold
from saas.core.formatting import format_fixed
from saas.core.formatting import rounded as round_half_even
from saas.core.spreadsheet import MIMETYPES as MIMETYPES
from saas.core.spreadsheet import Cell as SheetCell
from saas.core.spreadsheet import Number, write_csv, write_xlsx
from saas.impact.services import ImpactResult
from saas.impact.statistics import Interval

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
    "p": 2,  # a p-value
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


def threshold(settings: dict[str, Any] | None) -> int:
    """The tenant's disclosure threshold (setting ``disclosure_threshold``, never below the
    default) — the same setting every output uses (:func:`saas.core.disclosure.tenant_threshold`,
    which the cube reads)."""
    return tenant_threshold(settings)


def shown(count: float | None) -> bool:
    """Whether a count is shown: the cube withheld it when it arrives as None."""
    return count is not None


def _counted(count: float | None, limit: int, *others: tuple[float | None, str]) -> list[Cell]:
    """A count and the numbers resting on it, all withheld ("–") when the cube withheld the
    count (``limit`` is the tenant's threshold, kept for the callers: the cube decides)."""
    visible = shown(count)
    return [
        Cell(count if visible else None, "count"),
        *(Cell(value if visible else None, kind) for value, kind in others),
    ]


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
    result: ImpactResult,
    locale: str = "de",
    vocabulary: dict[str, str] | None = None,
    limit: int = DEFAULT_THRESHOLD,
) -> list[Table]:
    """The data behind the chart, the before/after comparison, the result with its
    intervals, the event study, the placebos and the costs; counts below ``limit`` are
    withheld."""
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
                *_counted(
                    row.treated.cases,
                    limit,
                    (row.treated.population, "count"),
                    (row.treated.rate, "rate"),
                    (row.treated.index, "index"),
                ),
                *_counted(
                    row.control.cases,
                    limit,
                    (row.control.population, "count"),
                    (row.control.rate, "rate"),
                    (row.control.index, "index"),
                ),
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
        change = a.rate - b.rate if a.rate is not None and b.rate is not None else None
        windows.rows.append(
            [
                _t(label),
                *_counted(b.cases, limit, (b.population, "count"), (b.rate, "rate")),
                *_counted(a.cases, limit, (a.population, "count"), (a.rate, "rate")),
                _n(change, "points"),
            ]
        )
    windows.rows.append(
        [_t(_("Difference-in-differences")), *[_t("")] * 6, _n(result.did, "points")]
    )

    summary = Table(
        "result",
        _("Result"),
        [
            _("Figure"),
            _("Value"),
            _("%(level)s interval from", level="95 %"),
            _("%(level)s interval to", level="95 %"),
        ],
    )
    u = result.uncertainty
    did_ci = u.did if u else None
    years_ci = u.did_case_years if u else None

    def per_year(interval: Interval | None, kind: str, factor: float = 1.0) -> list[Cell]:
        if interval is None:
            return [_n(None, kind), _n(None, kind)]
        ends = sorted(
            v * factor
            for v in (result.per_year(interval.low), result.per_year(interval.high))
            if v is not None
        )
        return [_n(e, kind) for e in ends] if len(ends) == 2 else [_n(None, kind)] * 2

    cost = result.cost_per_case or 0.0
    summary.rows += [
        [
            _t(_("Difference-in-differences (‰ points)")),
            _n(result.did, "points"),
            _n(did_ci.low if did_ci else None, "points"),
            _n(did_ci.high if did_ci else None, "points"),
        ],
        [
            _t(_("Population under 21 in the served areas (mean of the years after)")),
            _n(result.treated_u21_after, "count"),
            _t(""),
            _t(""),
        ],
        [
            _t(_("Estimated cases avoided per year (Destatis count)")),
            _n(result.cases_avoided, "cases"),
            *per_year(did_ci, "cases"),
        ],
        [
            _t(_("Estimated case-years avoided per year (running cases)")),
            _n(result.case_years_avoided, "cases"),
            *per_year(years_ci, "cases"),
        ],
        [
            _t(_("Weighted average annual cost per case-year (EUR)")),
            _n(result.cost_per_case, "eur"),
            _t(""),
            _t(""),
        ],
        [
            _t(_("Estimated cost avoided per year (EUR, case-years × annual cost)")),
            _n(result.cost_avoided, "eur"),
            *(per_year(years_ci, "eur", cost) if result.cost_per_case else [_t(""), _t("")]),
        ],
    ]
    if u is not None and u.pre_trend is not None:
        summary.rows += [
            [
                _t(
                    _(
                        "Pre-trend: change of the gap per year before the opening "
                        "(‰ points, %(years)s)",
                        years=_span(u.pre_trend_years),
                    )
                ),
                _n(u.pre_trend.estimate, "points"),
                _n(u.pre_trend.low, "points"),
                _n(u.pre_trend.high, "points"),
            ],
            [
                _t(_("Difference-in-differences adjusted for the pre-trend (‰ points)")),
                _n(u.adjusted_did, "points"),
                _t(""),
                _t(""),
            ],
        ]
    if u is not None and u.permutation_p is not None:
        summary.rows.append(
            [
                _t(
                    _(
                        "Permutation p-value: share of %(n)s placebo areas (and the real one) "
                        "with an effect at least as large",
                        n=len(u.placebo_areas),
                    )
                ),
                _n(u.permutation_p, "p"),
                _t(""),
                _t(""),
            ]
        )
    tables = [yearly, windows, summary]
    if u is not None:
        events = Table(
            "events",
            _("Event study: effect by year relative to the opening (year before = 0)"),
            [
                _("Years from the opening"),
                _("Year"),
                _("Effect (‰ points)"),
                _("%(level)s interval from", level="95 %"),
                _("%(level)s interval to", level="95 %"),
            ],
        )
        assert result.opening_year is not None
        for year, effect in zip(u.event_years, u.events, strict=True):
            events.rows.append(
                [
                    _n(year - result.opening_year, "year"),
                    _n(year, "year"),
                    _n(effect.estimate, "points"),
                    _n(effect.low, "points"),
                    _n(effect.high, "points"),
                ]
            )
        placebos = Table(
            "placebos",
            _("Placebo openings: the same calculation where no office opened"),
            [_("Placebo"), _("Pretended opening"), _("Window (years)"), _("Effect (‰ points)")],
        )
        for placebo in u.placebo_years:
            placebos.rows.append(
                [
                    _t(_("earlier year, same areas")),
                    _n(placebo.year, "year"),
                    _n(placebo.window, "year"),
                    _n(placebo.effect, "points"),
                ]
            )
        for placebo in u.placebo_areas:
            placebos.rows.append(
                [
                    _t(_("comparison area as if served: %(area)s", area=placebo.label)),
                    _n(placebo.year, "year"),
                    _n(placebo.window, "year"),
                    _n(placebo.effect, "points"),
                ]
            )
        tables += [events, placebos]

    costs = Table(
        "costs",
        _("Cost assumptions: help types in the served areas before the opening"),
        [
            _("Help type"),
            _("Case-years %(years)s", years=before),
            _("Share (%)"),
            _("Average annual cost per case (EUR)"),
            _("Source of the cost"),
        ],
    )
    for line in result.cost_lines:
        costs.rows.append(
            [
                _t(line.label(locale)),
                *_counted(
                    line.cases_before,
                    limit,
                    (line.share * 100 if line.share is not None else None, "percent"),
                ),
                _n(line.annual_cost, "eur"),
                _t(
                    _("default assumption (to be checked)")
                    if line.is_default
                    else _("set by the municipality")
                ),
            ]
        )
    return [*tables, costs]


def verdict(
    result: ImpactResult, locale: str = "de", vocabulary: dict[str, str] | None = None
) -> str:
    """The result in plain words, led by what the interval allows one to say."""
    interval = result.did_interval
    if interval is None:
        return ""
    numbers = {
        "did": format_number(interval.estimate, "points", locale),
        "low": format_number(interval.low, "points", locale),
        "high": format_number(interval.high, "points", locale),
        "areas": (vocabulary or {}).get("areas") or _("areas"),
    }
    if result.verdict == "none":
        text = _(
            "No robust effect (kein belastbarer Effekt): the difference of %(did)s ‰ points "
            "lies in a 95 %% interval from %(low)s to %(high)s, which includes zero — it can "
            "be chance alone.",
            **numbers,
        )
    elif result.verdict == "trend":
        text = _(
            "Not robust: the interval (%(low)s to %(high)s ‰ points) excludes zero, but the "
            "served and the comparison %(areas)s did not move in parallel before the "
            "opening, so the difference also carries that earlier trend.",
            **numbers,
        )
    elif result.verdict == "fewer":
        text = _(
            "After the opening the HzE rate in the served %(areas)s developed more favourably "
            "than in the comparison %(areas)s: %(did)s ‰ points, 95 %% interval %(low)s to "
            "%(high)s (excludes zero); the trends before the opening were parallel.",
            **numbers,
        )
    else:
        text = _(
            "After the opening the HzE rate in the served %(areas)s rose more than in the "
            "comparison %(areas)s: %(did)s ‰ points, 95 %% interval %(low)s to %(high)s "
            "(excludes zero).",
            **numbers,
        )
    u = result.uncertainty
    if u is not None and u.placebo_years:
        effects = [p.effect for p in u.placebo_years]
        text += " " + _(
            "Placebo openings in earlier years give %(low)s to %(high)s ‰ points.",
            low=format_number(min(effects), "points", locale),
            high=format_number(max(effects), "points", locale),
        )
    return text


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
        *matching_rows(result, vocabulary),
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
    elif result.did_interval is not None:
        rows.append([_t(_("Result in words")), _t(verdict(result, "de", vocabulary))])
    return rows


def matching_text(result: ImpactResult, vocabulary: dict[str, str] | None = None) -> str:
    """How the matched comparison areas were chosen (empty when all are compared)."""
    found = result.matching
    if found is None or not found.chosen:
        return ""
    areas = (vocabulary or {}).get("areas") or _("areas")
    features = (
        _("level and slope of the HzE rate")
        if "slope" in found.features
        else _("level of the HzE rate")
    )
    text = _(
        "The %(k)s of the %(n)s never-served %(areas)s whose %(features)s in %(years)s (the "
        "years before the opening) came nearest to those of the served %(areas)s, each "
        "standardised by its spread among them; two per served %(area)s, at least three, at "
        "most all.",
        k=found.k,
        n=len(found.candidates) + len(found.unmatched),
        areas=areas,
        area=(vocabulary or {}).get("area") or _("area"),
        features=features,
        years=_span(result.before_years),
    )
    if result.not_matchable:
        text += " " + _(
            "Not matchable (no HzE rate in every year before the opening): %(names)s.",
            names=", ".join(result.not_matchable),
        )
    return text


def matching_rows(result: ImpactResult, vocabulary: dict[str, str]) -> list[list[Cell]]:
    """The export's lines on the matched comparison areas (none when all are compared)."""
    if result.matching is None or not result.matching.chosen:
        return []
    return [
        [_t(_("Matching")), _t(matching_text(result, vocabulary))],
        [_t(_("Chosen from:")), _t(", ".join(result.matched_from))],
    ]


def _rows(
    result: ImpactResult,
    vocabulary: dict[str, str],
    locale: str,
    number: Callable[[Cell], SheetCell],
    limit: int,
) -> list[list[SheetCell]]:
    """The export as spreadsheet rows; ``number`` turns a numeric cell into a sheet cell."""

    def cells(row: list[Cell]) -> list[SheetCell]:
        return [number(c) if c.is_number else str(c.value) for c in row]

    rows = [cells(row) for row in header_rows(result, vocabulary)]
    for table in analysis_tables(result, locale, vocabulary, limit):
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


def to_csv(
    result: ImpactResult,
    vocabulary: dict[str, str],
    locale: str = "de",
    limit: int = DEFAULT_THRESHOLD,
) -> bytes:
    """The analysis as CSV: ';' separated, German number format, UTF-8 with BOM for Excel."""
    return write_csv(_rows(result, vocabulary, locale, _csv_number, limit), delimiter=";")


def to_xlsx(
    result: ImpactResult,
    vocabulary: dict[str, str],
    locale: str = "de",
    limit: int = DEFAULT_THRESHOLD,
) -> bytes:
    """The analysis as XLSX: one sheet, numbers rounded as on the page, text never a formula."""
    return write_xlsx(
        _rows(result, vocabulary, locale, _xlsx_number, limit), sheet_title=_("Impact")
    )
