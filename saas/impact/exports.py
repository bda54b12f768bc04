"""The tables of an office's impact analysis — rendered on the page and exported alike.

The page and the CSV/XLSX files are built from the same :func:`analysis_tables`, and every
number goes through :func:`rounded` once, so all three show the same numbers: the page in
the reader's locale, the CSV always in German format (``;`` as separator, decimal comma),
the XLSX as numbers rounded to the same digits.

Disclosure control is decided by the tenant's protected cube, not here: the served and the
comparison group are nodes of the cube (:mod:`saas.impact.disclosure`), and
:func:`saas.impact.services.analyse_office` hands over every count the cube withholds as
None, with the estimates resting on it, and names what it withheld. A withheld count takes
the population, rate, index and share of its row along (:func:`_counted`).

Every number carries the reports' flag (:data:`saas.reports.result.FLAGS`, explained by
:func:`saas.reports.result.legend`): "–" withheld by disclosure control, "." not available,
"p" after a number resting on months not approved yet, "r" after one that differs from the
value a published report showed for the same cell (a group of one area: that area's cases,
population and rate, :func:`saas.impact.services._mark_revised`; no window or estimate is
a cell of any report). A withheld cell holds no number at all, whatever else is true of
it. The page, the CSV and the XLSX list the flags used in a legend.

Texts name the tenant's offices and areas in its own words (:func:`saas.core.labels.word`).
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
from saas.core.labels import word
from saas.core.spreadsheet import MIMETYPES as MIMETYPES
from saas.core.spreadsheet import Cell as SheetCell
from saas.core.spreadsheet import Number, Text, number_format, write_csv, write_xlsx
from saas.impact.services import ImpactResult
from saas.impact.statistics import Interval
from saas.reports.result import FLAGS, MISSING, PROVISIONAL, REVISED, WITHHELD, legend

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
    """A cell of a table: text, or a number of a kind (:data:`DIGITS`) with its flag.

    ``flag`` is one of the reports' :data:`~saas.reports.result.FLAGS`: ``"–"`` (withheld)
    or ``"."`` (not available) instead of a number, or ``"p"`` after one. A number without
    a value is not available unless withheld, and a withheld cell never keeps a value.
    """

    value: Any
    kind: str = "text"
    flag: str = ""

    def __post_init__(self) -> None:
        if not self.is_number:
            return
        if self.flag == WITHHELD:
            object.__setattr__(self, "value", None)
        elif self.value is None:
            object.__setattr__(self, "flag", MISSING)

    @property
    def is_number(self) -> bool:
        return self.kind != "text"

    @property
    def sign(self) -> bool:
        """Whether a sign ("–", ".") stands instead of the number."""
        return self.flag in (WITHHELD, MISSING)

    def number(self, locale: str = "de") -> str:
        """The number alone in the locale (``12,3``), or the sign that stands instead."""
        return self.flag if self.sign else format_number(self.value, self.kind, locale)

    def text(self, locale: str = "de") -> str:
        """The cell as every output prints it: ``12,3``, ``12,3 p``, ``–`` or ``.``."""
        if not self.is_number:
            return str(self.value)
        shown = self.number(locale)
        return f"{shown} {self.flag}" if self.flag and not self.sign else shown


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
    """A number in the locale, rounded as shown everywhere ("." when there is none)."""
    number = rounded(value, kind)
    if number is None:
        return MISSING
    if kind == "year":
        return str(int(number))
    return format_fixed(number, DIGITS[kind], locale)


def _n(
    value: float | None,
    kind: str,
    *,
    withheld: bool = False,
    provisional: bool = False,
    revised: bool = False,
) -> Cell:
    """A number: withheld ("–"), not available ("."), or shown, followed by "p" when
    provisional and "r" when revised (as the reports: "12,3 pr")."""
    if withheld:
        return Cell(None, kind, WITHHELD)
    return Cell(value, kind, (PROVISIONAL if provisional else "") + (REVISED if revised else ""))


def flags(tables: list[Table], *more: Cell) -> set[str]:
    """Every flag the cells carry (what the legend lists)."""
    cells = [*more, *(c for t in tables for row in t.rows for c in row)]
    return {f for c in cells if c.is_number for f in c.flag if f in FLAGS}


def flag_legend(used: set[str], limit: int) -> list[tuple[str, str]]:
    """The meaning of the flags used: the reports' own legend, with the tenant's threshold."""
    return legend(used, limit)


def threshold(settings: dict[str, Any] | None) -> int:
    """The tenant's disclosure threshold (setting ``disclosure_threshold``, never below the
    default) — the same setting every output uses (:func:`saas.core.disclosure.tenant_threshold`,
    which the cube reads)."""
    return tenant_threshold(settings)


def _counted(
    count: float | None,
    withheld: bool,
    provisional: bool,
    *others: tuple[float | None, str],
    revised: frozenset[str] = frozenset(),
) -> list[Cell]:
    """A count and the numbers resting on it, all withheld ("–") when the cube withheld the
    count, all provisional ("p") when its figures include months not approved; ``revised``
    names the columns ("cases", "population", "rate") to flag "r"."""
    columns = ("cases", "population", "rate")
    return [
        _n(
            value,
            kind,
            withheld=withheld,
            provisional=provisional,
            revised=i < len(columns) and columns[i] in revised,
        )
        for i, (value, kind) in enumerate(((count, "count"), *others))
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


def group_labels() -> tuple[str, str]:
    """Names of the treated and the control group in the tenant's words."""
    areas = word("areas")
    return _("%(areas)s served", areas=areas), _("Comparison %(areas)s", areas=areas)


def analysis_tables(
    result: ImpactResult, locale: str = "de", limit: int = DEFAULT_THRESHOLD
) -> list[Table]:
    """The data behind the chart, the before/after comparison, the result with its
    intervals, the event study, the placebos and the costs, every number with its flag
    (``limit``, the tenant's threshold, is the cube's: what it withheld arrives withheld)."""
    if not result.ok:
        return []
    treated, control = group_labels()
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
    opening = result.opening_year
    for row in result.years:
        cells = [_n(row.year, "year"), _t(phase_label(row.phase))]
        for group, value in (("treated", row.treated), ("control", row.control)):
            counted = result.provisional([row.year], [group])
            cells += [
                *_counted(
                    value.cases,
                    value.withheld,
                    counted,
                    (value.population, "count"),
                    (value.rate, "rate"),
                    revised=value.revised,
                ),
                # the index rests on the opening year's rate as well
                _n(
                    value.index,
                    "index",
                    withheld=value.withheld or value.index_withheld,
                    provisional=result.provisional([row.year, opening or row.year], [group]),
                ),
            ]
        yearly.rows.append(cells)

    before, after = _span(result.before_years), _span(result.after_years)
    windows_years = (*result.before_years, *result.after_years)
    estimates_withheld = "estimates" in result.withheld
    estimates_p = result.provisional(windows_years)
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
    for label, group, b, a in (
        (treated, "treated", result.treated_before, result.treated_after),
        (control, "control", result.control_before, result.control_after),
    ):
        assert a is not None and b is not None
        change = a.rate - b.rate if a.rate is not None and b.rate is not None else None
        windows.rows.append(
            [
                _t(label),
                *_counted(
                    b.cases,
                    b.withheld,
                    result.provisional(b.years, [group]),
                    (b.population, "count"),
                    (b.rate, "rate"),
                ),
                *_counted(
                    a.cases,
                    a.withheld,
                    result.provisional(a.years, [group]),
                    (a.population, "count"),
                    (a.rate, "rate"),
                ),
                _n(
                    change,
                    "points",
                    withheld=a.withheld or b.withheld,
                    provisional=result.provisional(windows_years, [group]),
                ),
            ]
        )
    windows.rows.append(
        [
            _t(_("Difference-in-differences")),
            *[_t("")] * 6,
            _n(result.did, "points", withheld=estimates_withheld, provisional=estimates_p),
        ]
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

    def estimate(value: float | None, kind: str, provisional: bool = estimates_p) -> Cell:
        return _n(value, kind, withheld=estimates_withheld, provisional=provisional)

    def per_year(interval: Interval | None, kind: str, factor: float = 1.0) -> list[Cell]:
        if interval is None:
            return [estimate(None, kind), estimate(None, kind)]
        ends = sorted(
            v * factor
            for v in (result.per_year(interval.low), result.per_year(interval.high))
            if v is not None
        )
        return [estimate(e, kind) for e in ends] if len(ends) == 2 else [estimate(None, kind)] * 2

    cost = result.cost_per_case or 0.0
    cost_withheld = "cost_per_case" in result.withheld
    cost_p = result.costs_pending
    summary.rows += [
        [
            _t(_("Difference-in-differences (‰ points)")),
            estimate(result.did, "points"),
            estimate(did_ci.low if did_ci else None, "points"),
            estimate(did_ci.high if did_ci else None, "points"),
        ],
        [
            _t(
                _(
                    "Population under 21 in the %(areas)s served (mean of the years after)",
                    areas=word("areas"),
                )
            ),
            _n(
                result.treated_u21_after,
                "count",
                provisional=result.provisional(result.after_years, ["treated"]),
            ),
            _t(""),
            _t(""),
        ],
        [
            _t(_("Estimated cases avoided per year (Destatis count)")),
            estimate(result.cases_avoided, "cases"),
            *per_year(did_ci, "cases"),
        ],
        [
            _t(_("Estimated case-years avoided per year (running cases)")),
            estimate(result.case_years_avoided, "cases"),
            *per_year(years_ci, "cases"),
        ],
        [
            _t(_("Weighted average annual cost per case-year (EUR)")),
            _n(result.cost_per_case, "eur", withheld=cost_withheld, provisional=cost_p),
            _t(""),
            _t(""),
        ],
        [
            _t(_("Estimated cost avoided per year (EUR, case-years × annual cost)")),
            _n(
                result.cost_avoided,
                "eur",
                withheld=estimates_withheld or cost_withheld,
                provisional=estimates_p or cost_p,
            ),
            *(
                per_year(years_ci, "eur", cost)
                if result.cost_per_case
                else [_n(None, "eur", withheld=cost_withheld)] * 2
            ),
        ],
    ]
    if u is not None and u.pre_trend is not None:
        trend_p = result.provisional(u.pre_trend_years)
        summary.rows += [
            [
                _t(
                    _(
                        "Pre-trend: change of the gap per year before the opening "
                        "(‰ points, %(years)s)",
                        years=_span(u.pre_trend_years),
                    )
                ),
                estimate(u.pre_trend.estimate, "points", trend_p),
                estimate(u.pre_trend.low, "points", trend_p),
                estimate(u.pre_trend.high, "points", trend_p),
            ],
            [
                _t(_("Difference-in-differences adjusted for the pre-trend (‰ points)")),
                estimate(u.adjusted_did, "points", trend_p or estimates_p),
                _t(""),
                _t(""),
            ],
        ]
    if u is not None and (u.permutation_p is not None or "permutation_p" in result.withheld):
        summary.rows.append(
            [
                _t(
                    _(
                        "Permutation p-value: share of %(n)s placebo %(areas)s (and the real "
                        "one) with an effect at least as large",
                        n=len(u.placebo_areas),
                        areas=word("areas"),
                    )
                ),
                _n(
                    u.permutation_p,
                    "p",
                    withheld="permutation_p" in result.withheld,
                    provisional=estimates_p,
                ),
                _t(""),
                _t(""),
            ]
        )
    tables = [yearly, windows, summary]
    if u is not None:
        assert opening is not None
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
        for year, effect in zip(u.event_years, u.events, strict=True):
            event_p = result.provisional([year, opening - 1])
            events.rows.append(
                [
                    _n(year - opening, "year"),
                    _n(year, "year"),
                    estimate(effect.estimate, "points", event_p),
                    estimate(effect.low, "points", event_p),
                    estimate(effect.high, "points", event_p),
                ]
            )
        placebos = Table(
            "placebos",
            _(
                "Placebo openings: the same calculation for years and %(areas)s without an opening",
                areas=word("areas"),
            ),
            [_("Placebo"), _("Pretended opening"), _("Window (years)"), _("Effect (‰ points)")],
        )
        for placebo in u.placebo_years:
            span = range(placebo.year - placebo.window, placebo.year + placebo.window + 1)
            placebos.rows.append(
                [
                    _t(_("earlier year, same %(areas)s", areas=word("areas"))),
                    _n(placebo.year, "year"),
                    _n(placebo.window, "year"),
                    estimate(placebo.effect, "points", result.provisional(span)),
                ]
            )
        for placebo in u.placebo_areas:
            placebos.rows.append(
                [
                    _t(
                        _(
                            "%(name)s (comparison %(area)s) taken as served",
                            name=placebo.label,
                            area=word("area"),
                        )
                    ),
                    _n(placebo.year, "year"),
                    _n(placebo.window, "year"),
                    estimate(
                        placebo.effect, "points", result.provisional(windows_years, ["control"])
                    ),
                ]
            )
        tables += [events, placebos]

    costs = Table(
        "costs",
        _(
            "Cost assumptions: help types in the %(areas)s served before the opening",
            areas=word("areas"),
        ),
        [
            _("Help type"),
            _("Case-years %(years)s", years=_span(result.cost_years)),
            _("Share (%)"),
            _("Average annual cost per case (EUR)"),
            _("Source of the cost"),
        ],
    )
    for line in result.cost_lines:
        costs.rows.append(
            [
                _t(line.label(locale)),
                _n(line.cases_before, "count", withheld=line.withheld, provisional=cost_p),
                _n(
                    line.share * 100 if line.share is not None else None,
                    "percent",
                    withheld="shares" in result.withheld,
                    provisional=cost_p,
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


def overview_cells(result: ImpactResult) -> dict[str, Cell]:
    """The figures the overview and the office's key figures show, with their flags."""
    if not result.ok:
        return {}
    withheld = "estimates" in result.withheld
    provisional = result.provisional((*result.before_years, *result.after_years))
    interval = result.did_interval
    cost_withheld = withheld or "cost_per_case" in result.withheld
    cost_range = result.cost_range()

    def cell(
        value: float | None, kind: str, hidden: bool = withheld, p: bool = provisional
    ) -> Cell:
        return _n(value, kind, withheld=hidden, provisional=p)

    return {
        "did": cell(result.did, "points"),
        "low": cell(interval.low if interval else None, "points"),
        "high": cell(interval.high if interval else None, "points"),
        "case_years": cell(result.case_years_avoided, "cases"),
        "cost": cell(
            result.cost_avoided, "eur", cost_withheld, provisional or result.costs_pending
        ),
        "cost_low": cell(
            cost_range[0] if cost_range else None,
            "eur",
            cost_withheld,
            provisional or result.costs_pending,
        ),
        "cost_high": cell(
            cost_range[1] if cost_range else None,
            "eur",
            cost_withheld,
            provisional or result.costs_pending,
        ),
    }


def verdict(result: ImpactResult, locale: str = "de") -> str:
    """The result in plain words, led by what the interval allows one to say."""
    interval = result.did_interval
    if interval is None:
        return ""
    numbers = {
        "did": format_number(interval.estimate, "points", locale),
        "low": format_number(interval.low, "points", locale),
        "high": format_number(interval.high, "points", locale),
        "areas": word("areas"),
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


def caveat() -> str:
    """The plain-language warning shown with every analysis and in every export."""
    return _(
        "This analysis shows an association, not proof that the %(office)s caused the change. "
        "Other things changed at the same time (staff, other programmes, the economy, new "
        "families moving in); %(offices)s are opened in %(areas)s chosen because of high need, "
        "which can differ from the comparison %(areas)s in ways the figures do not show; "
        "%(areas)s with unusually high numbers tend to move back towards the average on their "
        "own (regression to the mean); and small numbers of cases vary a lot by chance.",
        office=word("office"),
        offices=word("offices"),
        areas=word("areas"),
    )


def header_rows(result: ImpactResult) -> list[list[Cell]]:
    """Title block of an export: office, dates, window, groups, data status."""
    treated, control = group_labels()
    rows = [
        [_t(_("Impact analysis"))],
        [_t(word("office")), _t(result.office_name)],
        [_t(_("Code")), _t(result.office_code)],
        [
            _t(_("Opened on")),
            _t(result.opened_on.strftime("%d.%m.%Y") if result.opened_on else "–"),
        ],
        [_t(_("Window (years before and after)")), _n(result.window, "year")],
        [_t(treated), _t(", ".join(result.treated_areas))],
        [
            _t(
                _(
                    "%(group)s (served by no %(office)s in the period)",
                    group=control,
                    office=word("office"),
                )
            ),
            _t(", ".join(result.control_areas)),
        ],
        *matching_rows(result),
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
        rows.append([_t(_("Result in words")), _t(verdict(result, "de"))])
    return rows


def matching_text(result: ImpactResult) -> str:
    """How the matched comparison areas were chosen (empty when all are compared)."""
    found = result.matching
    if found is None or not found.chosen:
        return ""
    areas = word("areas")
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
        area=word("area"),
        features=features,
        years=_span(result.before_years),
    )
    if result.not_matchable:
        text += " " + _(
            "Not matchable (no HzE rate in every year before the opening): %(names)s.",
            names=", ".join(result.not_matchable),
        )
    if result.uncertainty is not None and result.resampled_from:
        text += " " + _(
            "The intervals allow for the choice: every bootstrap replicate draws the "
            "matchable %(areas)s and chooses anew by the same rule, on its own figures of "
            "the years before the opening.",
            areas=areas,
        )
    return text


def matching_rows(result: ImpactResult) -> list[list[Cell]]:
    """The export's lines on the matched comparison areas (none when all are compared)."""
    if result.matching is None or not result.matching.chosen:
        return []
    return [
        [_t(_("Matching")), _t(matching_text(result))],
        [_t(_("Chosen from:")), _t(", ".join(result.matched_from))],
    ]


def _rows(
    result: ImpactResult, locale: str, number: Callable[[Cell], SheetCell], limit: int
) -> list[list[SheetCell]]:
    """The export as spreadsheet rows; ``number`` turns a numeric cell into a sheet cell.
    As the reports' exports, the legend of the flags used closes the file."""

    def cells(row: list[Cell]) -> list[SheetCell]:
        return [number(c) if c.is_number else str(c.value) for c in row]

    rows = [cells(row) for row in header_rows(result)]
    tables = analysis_tables(result, locale, limit)
    for table in tables:
        rows += [[], [table.title], list(table.columns)]
        rows += [cells(row) for row in table.rows]
    for note in result.notes:
        rows += [[], [_("Note"), note]]
    rows += [[], [_("Caveat"), caveat()]]
    used = flag_legend(flags(tables), limit)
    if used:
        rows += [[], [Text(_("Legend"), bold=True)]]
        rows += [[flag, meaning] for flag, meaning in used]
    return rows


def _csv_number(cell: Cell) -> SheetCell:
    """As on the page: the number in German format followed by its flag, or the sign."""
    number = rounded(cell.value, cell.kind)
    text = cell.text("de")
    return text if number is None or cell.sign else Number(number, text)


def _xlsx_number(cell: Cell) -> SheetCell:
    """A number stays numeric, its flag written after it by the number format (as in the
    reports' exports); a sign ("–", ".") is text."""
    number = rounded(cell.value, cell.kind)
    if number is None or cell.sign:
        return cell.flag
    digits = DIGITS[cell.kind]
    pattern = "0" if cell.kind == "year" else number_format(digits)
    if cell.flag:
        pattern = ";".join(f'{part}" {cell.flag}"' for part in pattern.split(";"))
    return Number(int(number) if digits == 0 else float(number), "", pattern)


def to_csv(result: ImpactResult, locale: str = "de", limit: int = DEFAULT_THRESHOLD) -> bytes:
    """The analysis as CSV: ';' separated, German number format, UTF-8 with BOM for Excel."""
    return write_csv(_rows(result, locale, _csv_number, limit), delimiter=";")


def to_xlsx(result: ImpactResult, locale: str = "de", limit: int = DEFAULT_THRESHOLD) -> bytes:
    """The analysis as XLSX: one sheet, numbers rounded as on the page, text never a formula."""
    return write_xlsx(_rows(result, locale, _xlsx_number, limit), sheet_title=_("Impact"))
