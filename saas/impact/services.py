"""Impact analysis of an office: difference-in-differences of the HzE-Eckwert.

Method
    *Treated group*: the areas the office serves that carry figures — each linked area itself
    and its descendants (an office may be linked to a parent area whose children carry the
    figures). If neither a linked area nor any of its descendants carries figures, its
    nearest ancestor with figures stands in for it (partial coverage, noted on the result).
    *Control group*: the areas with figures that no office — this one or any other, archived
    ones included — serves at any time in the analysed period: not linked, no linked
    ancestor (served via the parent) and no linked descendant (partly served). Only areas of
    the hierarchies of the treated areas count, so that a second hierarchy describing the
    same territory (Hamm's Stadtbezirke next to its Sozialräume) is never added twice. An
    office without an opening date counts as open all along. Within each group an area whose
    ancestor is in the group as well is left out (its figures are contained in the
    ancestor's).

    *Years*: the opening year ``Y = office.opened_on.year`` is a transition year — the office
    was open for only part of it (for a 1 January opening too, to keep one rule). It is the
    base of the indexed trends (= 100) and belongs to neither window: "before" are the
    ``window`` years ``Y − window … Y − 1``, "after" the years ``Y + 1 … Y + window``; the
    analysed period is ``Y − window … Y + window``.

    *Figures*: every value comes from :func:`saas.indicators.engine.compute` (``by="total"``
    over the group's areas, i.e. ratio of sums over areas). The before/after value of a
    group is the ratio of sums over the window's years as well: cases and under-21
    populations of those years are summed, then divided — never an average of yearly
    rates. The only arithmetic done here is on these engine outputs:

    * DiD = (treated after − treated before) − (control after − control before), in ‰ points;
    * cases avoided per year = −DiD × treated under-21 population (mean of the after years)
      ÷ 1,000 (negative: more cases than the control trend suggests) — Destatis-counted
      cases, which count a case running on 31 December and one ended in March alike;
    * case-years avoided per year: the same DiD on the running case-years (mean of the
      monthly stocks, ``HZE_CASE_YEARS_RATE``) — what a year of help costs is paid for a
      case-year, not for a counted case;
    * cost avoided per year = case-years avoided × the weighted average annual cost of a
      case, weighted by the treated areas' case-years per help type in the before window
      (``HZE_CASE_YEARS_<type>``; § 41 is inside the types) with the tenant's configurable
      average annual cost per type.

    The uncertainty (95 % intervals from a cluster bootstrap over areas with Poisson counts,
    a pre-trend test, the event study and placebo openings) is in
    :mod:`saas.impact.statistics`; :attr:`ImpactResult.verdict` puts it into words: with an
    interval that includes zero there is "kein belastbarer Effekt".

    Every area of both groups must have its case and under-21 figures in every window year
    (a group whose territory changes between the windows would not be comparable). With
    ``approved_only`` a year is used only if all its figures are approved.

Situations in which the analysis cannot be done come back as a result with a ``reason``
(never an exception): no opening date, no figures, no treated areas, opened too early or too
late for the window, no control areas, missing population or case figures, figures not
approved (with ``approved_only``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.core import versions
from saas.core.formatting import rounded as round_half_even
from saas.core.labels import word
from saas.core.operations import operation
from saas.impact import disclosure, matching, statistics
from saas.impact.groups import (
    INDICATOR,
    WINDOW_DEFAULT,
    WINDOW_MAX,
    WINDOW_MIN,
    AreaGroups,
    open_between,
)
from saas.impact.matching import Matching
from saas.indicators.definitions import INDICATORS
from saas.indicators.engine import IndicatorValue, compute
from saas.metrics.catalogue import HELP_TYPES, WITHIN
from saas.offices.models import Office
from saas.protection.families import family_code
from saas.reports.builder import _published_values, _round, decimals_of
from saas.tenants.models import Tenant

SETTINGS_KEY = "impact_costs"
#: below this many cases a year in the treated group the result is flagged as small numbers
SMALL_CASES = 20
#: upper bound for a configured annual cost per case (plausibility, EUR)
MAX_COST = 1_000_000.0

#: Default average annual cost of one case per help type, in EUR — ASSUMPTIONS (🧪).
#: ``domain-facts.md`` has no annual cost per help type. The only sourced anchor is the Hamm
#: placement cost of €1,800–6,000 a month ([S31], §1.2: 12 × 1,800 = 21,600 for § 33 and
#: 12 × 5,000 = 60,000 for § 34 lie in that range); the national spending of €13.39 bn for
#: 1,032,929 cases (2023, [S20], §2.3) gives ≈ €13,000 per counted case over all types
#: incl. counselling. The values equal the monthly 🧪 costs of the demo data
#: (``saas.demo.generator.HZE_TYPES``) × 12. Every tenant should replace them with its own.
DEFAULT_COSTS: dict[str, float] = {
    "27_2": 13_200.0,  # ambulant
    "29": 12_000.0,  # ambulant
    "30": 14_400.0,  # ambulant
    "31": 16_800.0,  # ambulant
    "32": 30_000.0,  # part-residential
    "33": 21_600.0,  # foster care (12 × €1,800, lower end of [S31])
    "34": 60_000.0,  # residential (12 × €5,000, within [S31])
    "35": 18_000.0,  # intensive individual support (ambulant in the demo calibration)
}
#: the help types that make up the cases (§ 41 is inside them, so it has no cost of its own)
TYPE_LABELS: dict[str, tuple[str, str]] = {
    suffix: (de, en) for suffix, de, en in HELP_TYPES if suffix not in WITHIN
}
TYPE_CODES = tuple(f"HZE_CASE_YEARS_{suffix}" for suffix in TYPE_LABELS)
CASE_YEARS = "HZE_CASE_YEARS_RATE"

#: why an analysis is not possible; ``%(office)s``, ``%(area)s``, ``%(areas)s`` are the
#: tenant's own words (:func:`saas.core.labels.word`), filled in by :meth:`ImpactResult.fail`
REASONS: dict[str, Any] = {
    "no_opening_date": _l("The %(office)s has no opening date: there is no before and after."),
    "no_figures": _l("There are no HzE figures yet."),
    "no_treated_areas": _l("None of the %(areas)s served carries figures."),
    "before_data": _l(
        "Opened in %(year)s: the figures start in %(first)s, so the %(window)s years before "
        "the opening are not all covered."
    ),
    "after_data": _l(
        "Opened in %(year)s: the figures end in %(last)s, so the %(window)s years after the "
        "opening are not all covered yet."
    ),
    "no_control": _l(
        "There are no %(areas)s with figures that no %(office)s served between %(first)s and "
        "%(last)s, so there is nothing to compare with."
    ),
    "missing_population": _l(
        "The under-21 population is missing for %(group)s in the years analysed (%(years)s)."
    ),
    "not_approved": _l(
        "Only approved figures are used, and the figures of %(group)s are not all approved in "
        "the years analysed (%(years)s)."
    ),
    "missing_data": _l(
        "The HzE case figures are missing for %(group)s in the years analysed (%(years)s)."
    ),
    "matched_withheld": _l(
        "Matching is not offered here: a case count of these %(areas)s in the years before "
        "the opening (%(years)s) is withheld (protection of small numbers), and which of them "
        "were chosen would narrow it down."
    ),
    "no_matched": _l(
        "None of the comparison areas has an HzE rate in every year before the opening "
        "(%(years)s), so none can be matched."
    ),
}


#: the two groups of an analysis: the areas served and the comparison areas
GROUPS = ("treated", "control")


def group_names() -> tuple[str, str]:
    """The served and the comparison group as a note names them, in the tenant's words."""
    areas = word("areas")
    return _("the %(areas)s served", areas=areas), _("the comparison %(areas)s", areas=areas)


# -- result types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupYear:
    """One group's engine output for one year, and its index (opening year = 100)."""

    cases: float | None
    population: float | None
    rate: float | None
    index: float | None = None
    approved: bool = True
    #: withheld by disclosure control (the cube withholds the group's count that year)
    withheld: bool = False
    #: the index withheld: it rests on the opening year's rate, whose count is withheld
    index_withheld: bool = False
    #: of "cases", "population", "rate": those that differ from the value a published
    #: report showed for the same cell (a group of one area: that area's figures)
    revised: frozenset[str] = frozenset()


@dataclass(frozen=True)
class YearRow:
    year: int
    phase: str  # "before" | "opening" | "after" | "" (outside the analysed period)
    treated: GroupYear
    control: GroupYear


@dataclass(frozen=True)
class WindowValue:
    """Ratio of sums over the window's years: Σ cases ÷ Σ under-21 population × 1,000
    (cases and rate None: withheld, a year of the window is withheld in the cube)."""

    years: tuple[int, ...]
    cases: float | None
    population: float
    rate: float | None
    withheld: bool = False


@dataclass(frozen=True)
class CostLine:
    suffix: str
    label_de: str
    label_en: str
    cases_before: float | None  # None: withheld (a year's cell is withheld in the cube)
    share: float | None
    annual_cost: float
    is_default: bool
    #: its case-years withheld by disclosure control
    withheld: bool = False

    def label(self, locale: str) -> str:
        return self.label_en if str(locale).startswith("en") else self.label_de


@dataclass
class ImpactResult:
    office_id: int
    office_name: str
    office_code: str
    opened_on: date | None
    closed_on: date | None
    window: int
    approved_only: bool = False
    opening_year: int | None = None
    before_years: tuple[int, ...] = ()
    #: the years whose case-years per help type weight the annual costs: the
    #: :data:`COST_YEARS` years before the opening that have figures, whatever the window,
    #: so that every window and both settings of ``approved_only`` show one and the same
    #: weighted cost (two over nested years would give the difference of their mixes)
    cost_years: tuple[int, ...] = ()
    after_years: tuple[int, ...] = ()
    data_years: tuple[int, int] | None = None
    years_available: int = 0
    treated_area_ids: tuple[int, ...] = ()
    control_area_ids: tuple[int, ...] = ()
    treated_areas: tuple[str, ...] = ()
    control_areas: tuple[str, ...] = ()
    years: list[YearRow] = field(default_factory=list)
    treated_before: WindowValue | None = None
    treated_after: WindowValue | None = None
    control_before: WindowValue | None = None
    control_after: WindowValue | None = None
    did: float | None = None
    treated_u21_after: float | None = None
    cases_avoided: float | None = None
    case_years_avoided: float | None = None
    cost_lines: list[CostLine] = field(default_factory=list)
    cost_per_case: float | None = None
    cost_avoided: float | None = None
    #: intervals, pre-trend, event study, placebos (None when not computable)
    uncertainty: statistics.Uncertainty | None = None
    pending: bool = False
    #: per group ("treated", "control"): the years whose figures are not all approved
    pending_years: dict[str, frozenset[int]] = field(default_factory=dict)
    #: the help types' case-years before the opening include months not approved
    costs_pending: bool = False
    #: the figures withheld by disclosure control (:func:`_protect`): "estimates" (the
    #: difference-in-differences and everything resting on it), "permutation_p", "shares",
    #: "cost_per_case" — a withheld value is None and its cell reads "–", a None that is
    #: not named here is not available (".")
    withheld: set[str] = field(default_factory=set)
    reason_code: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    #: "all" (every never-served area) or "matched" (:mod:`saas.impact.matching`)
    comparison: str = "all"
    matching: Matching | None = None
    #: with "matched": every never-served area the matched ones were chosen from, and those
    #: without figures in every year before the opening (they cannot be matched)
    matched_from: tuple[str, ...] = ()
    not_matchable: tuple[str, ...] = ()
    #: with "matched": the areas every bootstrap replicate draws and matches anew from (the
    #: candidates with figures in every year of the intervals); never shown, but their own
    #: counts in those years must all be shown for the intervals to be (:func:`_protect`)
    resampled_from: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason_code is None

    @property
    def analysed_years(self) -> tuple[int, ...]:
        if self.opening_year is None:
            return ()
        return (*self.before_years, self.opening_year, *self.after_years)

    @property
    def did_interval(self) -> statistics.Interval | None:
        return self.uncertainty.did if self.uncertainty is not None else None

    def per_year(self, points: float | None) -> float | None:
        """‰ points of the DiD → cases per year in the served areas (−: avoided)."""
        if points is None or self.treated_u21_after is None:
            return None
        return -points * self.treated_u21_after / INDICATORS[INDICATOR].scale

    def cost_range(self) -> tuple[float, float] | None:
        """The cost avoided per year at the ends of the case-year interval (low, high)."""
        if self.uncertainty is None or self.cost_per_case is None:
            return None
        ends = [
            self.per_year(v)
            for v in (self.uncertainty.did_case_years.low, self.uncertainty.did_case_years.high)
        ]
        if None in ends:
            return None
        low, high = sorted(e * self.cost_per_case for e in ends if e is not None)
        return low, high

    @property
    def verdict(self) -> str | None:
        """``"none"`` (the interval includes zero: kein belastbarer Effekt), ``"trend"`` (it
        excludes zero, but the trends before the opening were not parallel), ``"fewer"`` or
        ``"more"`` (fewer / more cases than the comparison suggests, interval without zero)."""
        interval = self.did_interval
        if interval is None:
            return None
        if interval.includes_zero:
            return "none"
        if self.uncertainty is not None and self.uncertainty.parallel is False:
            return "trend"
        return "fewer" if interval.estimate < 0 else "more"

    def provisional(self, years: Iterable[int], groups: Sequence[str] = GROUPS) -> bool:
        """Whether figures of ``years`` of the ``groups`` include months not approved: a
        number resting on them is flagged "p" (:data:`saas.reports.result.PROVISIONAL`)."""
        wanted = set(years)
        return any(wanted & self.pending_years.get(group, frozenset()) for group in groups)

    def fail(self, code: str, **params: Any) -> ImpactResult:
        self.reason_code = code
        words = {key: word(key) for key in ("office", "area", "areas")}
        self.reason = str(REASONS[code]) % {**words, **params}
        return self


# -- costs ----------------------------------------------------------------------------------


def configured_costs(tenant: Tenant | None) -> dict[str, float]:
    """The tenant's own annual costs per help type (only the types it has set)."""
    stored = ((tenant.settings or {}) if tenant is not None else {}).get(SETTINGS_KEY) or {}
    result = {}
    for suffix, value in stored.items():
        if suffix in DEFAULT_COSTS and isinstance(value, int | float) and value >= 0:
            result[suffix] = float(value)
    return result


def effective_costs(tenant: Tenant | None) -> dict[str, tuple[float, bool]]:
    """help type → (average annual cost in EUR, whether it is the default assumption)."""
    own = configured_costs(tenant)
    return {
        suffix: (own[suffix], False) if suffix in own else (default, True)
        for suffix, default in DEFAULT_COSTS.items()
    }


@operation("config.manage")
def save_costs(values: dict[str, float], expected_version: Any = None) -> Tenant:
    """Store the current tenant's costs under ``settings["impact_costs"]``; values equal to
    the default are not stored (they stay marked as the default assumption).

    ``expected_version`` is the tenant's version the form was shown with (None: no check).
    """
    from saas.settings.services import current_tenant

    tenant = current_tenant()
    if expected_version is not None:
        versions.expect_version(tenant, expected_version)
    own = {
        suffix: float(value)
        for suffix, value in values.items()
        if suffix in DEFAULT_COSTS and float(value) != DEFAULT_COSTS[suffix]
    }
    settings = dict(tenant.settings or {})
    if own:
        settings[SETTINGS_KEY] = own
    else:
        settings.pop(SETTINGS_KEY, None)
    tenant.settings = settings  # a new dict, so the change is detected and audited
    versions.flush(tenant)
    return tenant


# -- the analysis ---------------------------------------------------------------------------


def _series(values: list[IndicatorValue]) -> dict[int, IndicatorValue]:
    return {v.year: v for v in values if v.indicator == INDICATOR}


def _window(series: dict[int, IndicatorValue], years: Sequence[int]) -> WindowValue:
    cases = sum(series[y].numerator or 0.0 for y in years)
    population = sum(series[y].denominator or 0.0 for y in years)
    scale = INDICATORS[INDICATOR].scale
    return WindowValue(tuple(years), cases, population, cases / population * scale)


def _compute(
    codes: Sequence[str], years: Sequence[int], area_ids: Sequence[int], approved_only: bool
) -> list[IndicatorValue]:
    """Engine totals; with ``approved_only`` only the years whose figures are all approved.

    The engine's own ``approved_only`` leaves the unapproved months out and reports the rest
    as approved, so a year with an unapproved December would count only part of its cases
    (reported to the lead). Here a year is used only if every figure in it is approved.
    """
    values = compute(codes, years, by="total", area_ids=area_ids)
    return [v for v in values if v.approved] if approved_only else values


def _gaps(
    context: AreaGroups,
    treated: list[int],
    control: list[int],
    years: Sequence[int],
    approved_only: bool,
) -> tuple[str, str, str] | None:
    """(reason code, group, "area: years; …") for the first group with an area that lacks
    its population or case figures in a window year (or, with ``approved_only``, whose
    figures are not all approved), else None.

    Summing a group with an area missing in some years would compare different territories
    (the engine sums whatever is there), so every area must be complete in the windows.
    """
    values = {
        (v.group, v.year): v
        for v in compute([INDICATOR], years, by="area", area_ids=[*treated, *control])
    }
    for label, group in zip(group_names(), (treated, control), strict=True):
        for code, missing in (
            # a recorded population of 0 (an industrial zone) is data, not a gap
            ("missing_population", lambda v: v is None or v.denominator is None),
            ("missing_data", lambda v: v is None or v.numerator is None),
            ("not_approved", lambda v: approved_only and not v.approved),
        ):
            found = {area: [y for y in years if missing(values.get((area, y)))] for area in group}
            text = "; ".join(
                f"{context.by_id[area].name}: {_years_text(ys)}" for area, ys in found.items() if ys
            )
            if text:
                return code, label, text
    return None


def _years_text(years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years)


def analyse_office(
    office: Office,
    *,
    window: int = WINDOW_DEFAULT,
    costs: dict[str, float] | None = None,
    approved_only: bool = False,
    matched: bool = False,
    _context: AreaGroups | None = None,
) -> ImpactResult:
    """Difference-in-differences of the HzE-Eckwert for one office of the current tenant.

    ``costs`` (help type suffix → average annual cost in EUR) overrides the tenant's
    configured costs; types it leaves out keep the tenant's value or the default. With
    ``matched`` the comparison areas are the matched ones (:mod:`saas.impact.matching`).
    """
    window = max(WINDOW_MIN, min(WINDOW_MAX, int(window)))
    context = _context or AreaGroups()
    result = ImpactResult(
        office_id=office.id,
        office_name=office.name,
        office_code=office.code,
        opened_on=office.opened_on,
        closed_on=office.closed_on,
        window=window,
        approved_only=approved_only,
        data_years=context.data_years,
    )
    if context.data_years is not None:
        result.years_available = context.data_years[1] - context.data_years[0] + 1
    if office.opened_on is None:
        return result.fail("no_opening_date")
    year = office.opened_on.year
    result.opening_year = year
    result.before_years = tuple(range(year - window, year))
    result.after_years = tuple(range(year + 1, year + window + 1))
    if context.data_years is None:
        return result.fail("no_figures")
    first, last = context.data_years

    treated, partial = context.treated(office)
    result.treated_area_ids = tuple(treated)
    result.treated_areas = context.names(treated)
    if not treated:
        return result.fail("no_treated_areas")
    if year - window < first:
        return result.fail("before_data", year=year, first=first, window=window)
    if year + window > last:
        return result.fail("after_data", year=year, last=last, window=window)
    period_first, period_last = year - window, year + window
    control = context.control(period_first, period_last, {context.hierarchy(a) for a in treated})
    result.control_area_ids = tuple(control)
    result.control_areas = context.names(control)
    if not control:
        return result.fail("no_control", first=period_first, last=period_last)
    if matched:
        if _pre_period_withheld(context, [*treated, *control], result.before_years):
            return result.fail("matched_withheld", years=_years_text(result.before_years))
        control = _match(result, context, treated, control, approved_only)
        if not control:
            return result.fail("no_matched", years=_years_text(result.before_years))

    years = list(range(first, last + 1))
    treated_series = _series(_compute([INDICATOR], years, treated, approved_only))
    control_series = _series(_compute([INDICATOR], years, control, approved_only))
    result.years_available = sum(
        1
        for y in years
        if y in treated_series
        and y in control_series
        and treated_series[y].value is not None
        and control_series[y].value is not None
    )
    windows = [*result.before_years, *result.after_years]
    gap = _gaps(context, treated, control, windows, approved_only)
    if gap is not None:
        return result.fail(gap[0], group=gap[1], years=gap[2])

    _fill_years(result, years, treated_series, control_series)

    for label, series in zip(group_names(), (treated_series, control_series), strict=True):
        for years_ in (result.before_years, result.after_years):
            if not sum(series[y].denominator or 0.0 for y in years_):
                return result.fail("missing_population", group=label, years=_years_text(years_))
    tb = result.treated_before = _window(treated_series, result.before_years)
    ta = result.treated_after = _window(treated_series, result.after_years)
    cb = result.control_before = _window(control_series, result.before_years)
    ca = result.control_after = _window(control_series, result.after_years)
    assert tb.rate is not None and ta.rate is not None  # withheld only by _protect
    assert cb.rate is not None and ca.rate is not None
    result.did = (ta.rate - tb.rate) - (ca.rate - cb.rate)
    result.treated_u21_after = ta.population / len(result.after_years)
    result.cases_avoided = result.per_year(result.did)
    result.uncertainty = _uncertainty(result, context, treated, control, years, approved_only)
    if result.uncertainty is not None:
        result.case_years_avoided = result.per_year(result.uncertainty.did_case_years.estimate)

    _fill_costs(result, context, treated, costs, approved_only)
    _add_notes(result, context, office, treated, partial)
    _protect(result, context, office, treated, control, _control_node(result, office))
    _mark_revised(result, context, treated, control)
    return result


def _match(
    result: ImpactResult,
    context: AreaGroups,
    treated: list[int],
    control: list[int],
    approved_only: bool,
) -> list[int]:
    """The matched comparison areas among ``control``, recorded on the result."""
    before = result.before_years
    figures = matching.pre_period([*treated, *control], before, approved_only)
    found = matching.matched_control(context, treated, control, before, figures)
    result.comparison, result.matching = "matched", found
    result.matched_from = context.names(control)
    result.not_matchable = context.names(found.unmatched)
    result.control_area_ids = found.chosen
    result.control_areas = context.names(found.chosen)
    return list(found.chosen)


def _pre_period_withheld(context: AreaGroups, areas: Sequence[int], years: Sequence[int]) -> bool:
    """Does the cube withhold a case count of one of these areas in one of these years?

    The choice of matched areas depends on their pre-period rates, and the page names it:
    with a withheld count among them, which areas were chosen (or not) would narrow that
    count down (an ordering beside shown rates is an interval). Matching is offered only
    where every count it reads is shown anyway: then the choice is a function of what every
    reader already has. The cube's "–" is public, so refusing says nothing new either."""
    from saas.protection.service import tenant_cube

    cube = tenant_cube(years, context.tenant)
    return any(
        cube.cell(CASES_FAMILY, area, year) == "withheld" for area in areas for year in years
    )


def _control_node(result: ImpactResult, office: Office) -> Any:
    """The comparison group's node in the cube: all never-served areas or the matched."""
    if result.comparison == "matched":
        return disclosure.matched_node(office.id, result.window, result.approved_only)
    return disclosure.comparison_node(office.id, result.window)


# -- disclosure control ---------------------------------------------------------------------

#: the years before the opening whose mix of help types weights the annual costs
COST_YEARS = WINDOW_DEFAULT

CASES_FAMILY = family_code(INDICATORS["HZE_CASES"].numerator)
CASE_YEARS_FAMILY = family_code(INDICATORS["HZE_CASE_YEARS"].numerator)


#: the answers of :func:`disclosure.weighted_mean_is_safe` (hundreds of LPs each), by
#: everything they depend on: an unchanged cube and the same costs give the same answer
_WEIGHTED: dict[tuple[Any, ...], bool] = {}
_WEIGHTED_SIZE = 512


def mean_bounds(result: ImpactResult) -> tuple[float, float]:
    """What a reader can narrow the weighted annual cost per case-year down to: the cost is
    kept in whole euros (:func:`_costs`), and the cost avoided and the ends of its interval
    are products of that whole-euro cost, so no output tells the cost more closely than
    ±0.5 € (with a floating point margin). Products of the unrounded cost would: a cost
    avoided of 85 case-years × the cost, rounded to euros, puts the cost within ±0.006 €,
    and that says which mix of withheld help types gives it."""
    cost = result.cost_per_case
    assert cost is not None
    margin = 0.5 + 1e-9 * max(1.0, abs(cost))
    return cost - margin, cost + margin


def _weighted_mean_is_safe(
    cube: Any,
    years: Sequence[int],
    node: Any,
    weights: dict[str, float],
    mean: float | tuple[float, float],
) -> bool:
    """:func:`disclosure.weighted_mean_is_safe`, remembered per process.

    The key holds what the answer rests on: the threshold, the node, the weights and the
    mean, and per year the figures' revision, the layout's nodes and the withheld pattern
    (the shown values follow from the figures and the pattern). The overview page asks it
    for every office on every request; without the memo that was most of its time.
    """
    key = (
        cube.threshold,
        node,
        tuple(sorted(weights.items())),
        mean,
        tuple(
            (
                year,
                cube.revisions.get(year),
                frozenset(yearly.layout.nodes.items()),
                frozenset(yearly.primary),
                frozenset(yearly.secondary),
            )
            for year in years
            if (yearly := cube.years.get(year)) is not None
        ),
    )
    found = _WEIGHTED.get(key)
    if found is None:
        found = disclosure.weighted_mean_is_safe(cube, years, node, weights, mean)
        if len(_WEIGHTED) >= _WEIGHTED_SIZE:
            _WEIGHTED.pop(next(iter(_WEIGHTED)))
        _WEIGHTED[key] = found
    return found


def _protect(
    result: ImpactResult,
    context: AreaGroups,
    office: Office,
    treated: Sequence[int],
    control: Sequence[int],
    control_node: Any = None,
) -> None:
    """Withhold what the tenant's protected cube withholds (:mod:`saas.impact.disclosure`).

    The served and the comparison group are nodes of the cube, so each group-year's case
    count (and its case-years, and the case-years per help type) is shown or withheld there,
    decided together with every other output. Everything resting on a withheld cell goes
    with it: the year's rate and index; a window containing the year; the estimates
    (difference-in-differences, intervals, event study, pre-trend, placebo openings, cases,
    case-years and cost avoided) when any year they use is withheld for either group; a
    placebo area's effect when that area's count is withheld in a year used; the help-type
    shares and the weighted annual cost when any help type's case-years are withheld (the
    shares of the shown types give the typed total, the weighted cost one more equation).
    """
    if not result.ok or result.opening_year is None:
        return
    from saas.protection.service import tenant_cube

    years = sorted({row.year for row in result.years} | set(result.cost_years))
    cube = tenant_cube(years, context.tenant)
    groups = {
        "treated": (disclosure.served_node(office.id), frozenset(treated)),
        "control": (
            control_node or disclosure.comparison_node(office.id, result.window),
            frozenset(control),
        ),
    }

    def withheld(family: str, node: Any, members: frozenset[int], year: int) -> bool:
        yearly = cube.years.get(year)
        if yearly is None:
            return False  # no count of any kind in that year
        inside = members & yearly.layout.nodes.get(None, frozenset())
        if not inside:
            return False
        if yearly.layout.nodes.get(node) != inside:
            return True  # not the group the cube protected: fail closed
        return cube.cell(family, node, year) == "withheld"

    def hidden(family: str, name: str) -> set[int]:
        node, members = groups[name]
        return {y for y in years if withheld(family, node, members, y)}

    cases = {name: hidden(CASES_FAMILY, name) for name in groups}
    case_years = {name: hidden(CASE_YEARS_FAMILY, name) for name in groups}

    def blank(value: GroupYear) -> GroupYear:
        return GroupYear(None, None, None, None, value.approved, withheld=True)

    result.years = [
        YearRow(
            row.year,
            row.phase,
            blank(row.treated) if row.year in cases["treated"] else row.treated,
            blank(row.control) if row.year in cases["control"] else row.control,
        )
        for row in result.years
    ]
    # every index is the year's rate over the opening year's: a shown rate and its index
    # would give a withheld opening-year rate back (and with the population, its count)
    for name in groups:
        if result.opening_year in cases[name]:
            result.years = [
                replace(
                    row,
                    **{name: replace(getattr(row, name), index=None, index_withheld=True)},
                )
                for row in result.years
            ]
    for attribute, name in (
        ("treated_before", "treated"),
        ("treated_after", "treated"),
        ("control_before", "control"),
        ("control_after", "control"),
    ):
        value = getattr(result, attribute)
        if value is not None and set(value.years) & cases[name]:
            setattr(
                result,
                attribute,
                WindowValue(value.years, None, value.population, None, withheld=True),
            )

    u = result.uncertainty
    used = set(result.analysed_years)
    if u is not None:
        used |= set(u.pre_trend_years) | set(u.event_years)
    # the bootstrap draws every area of both groups with its own counts (and the matched
    # intervals every candidate, matching on them): one withheld in a year used would be
    # one unknown of a seeded bootstrap whose every other input is shown — trying its few
    # possible values would give it back
    drawn = any(
        withheld(family, area, frozenset({area}), y)
        for area in {*result.resampled_from, *treated, *control}
        for family in (CASES_FAMILY, CASE_YEARS_FAMILY)
        for y in used
    )
    if drawn or any(used & cases[n] or used & case_years[n] for n in groups):
        result.did = result.cases_avoided = result.case_years_avoided = None
        result.cost_avoided = None
        result.uncertainty = u = None
        result.withheld.add("estimates")
        result.notes.append(_withheld_note())
    if u is not None and u.placebo_areas:
        names: dict[str, list[int]] = defaultdict(list)
        for area in control:
            names[context.by_id[area].name].append(area)
        keep = []
        for placebo in u.placebo_areas:
            areas = names.get(placebo.label, [])
            if areas and not any(
                withheld(CASES_FAMILY, area, frozenset({area}), y) for area in areas for y in used
            ):
                keep.append(placebo)
        if len(keep) < len(u.placebo_areas):
            u.placebo_areas, u.permutation_p = keep, None
            result.withheld.add("permutation_p")

    node, members = groups["treated"]
    lines = []
    for line in result.cost_lines:
        family = family_code(INDICATORS[f"HZE_CASE_YEARS_{line.suffix}"].numerator)
        if any(withheld(family, node, members, y) for y in result.cost_years):
            line = replace(line, cases_before=None, withheld=True)
        lines.append(line)
    if any(line.cases_before is None for line in lines):
        # a shown share and its shown case-years give the typed total, and with it the sum
        # of the withheld types: no shares. The weighted annual cost is one equation more
        # over the withheld types' case-years: shown only if the cube's LP says it is safe.
        lines = [replace(line, share=None) for line in lines]
        result.withheld.add("shares")
        weights = {
            family_code(INDICATORS[f"HZE_CASE_YEARS_{line.suffix}"].numerator): line.annual_cost
            for line in result.cost_lines
        }
        if result.cost_per_case is not None and not _weighted_mean_is_safe(
            cube, result.cost_years, node, weights, mean_bounds(result)
        ):
            result.cost_per_case = result.cost_avoided = None
            result.withheld.add("cost_per_case")
    result.cost_lines = lines


#: the yearly columns of a group and the report indicator whose value each of them is
REVISABLE = {"cases": "HZE_CASES", "population": "POP_U21", "rate": INDICATOR}


def _mark_revised(
    result: ImpactResult, context: AreaGroups, treated: Sequence[int], control: Sequence[int]
) -> None:
    """Flag "r" as the reports do (:meth:`saas.reports.builder._Builder.cell`): a shown
    value that differs, rounded as a report rounds it, from a value a published report
    showed for the same cell. A group of several areas, and every window and estimate, is
    no cell of any report; a group of one area whose figures no other area's add to is
    that area's cell of the reports (its cases, under-21 population and HzE rate)."""
    single = {
        name: members[0]
        for name, members in zip(GROUPS, (treated, control), strict=True)
        if len(members) == 1
        and not any(a in context.figure_areas for a in context.subtree(members[0])[1:])
    }
    if not single or not result.years:
        return
    if context.published is None:  # once per context: the overview analyses every office
        first, last = context.data_years or (0, -1)
        context.published = _published_values(range(first, last + 1))
    earlier = context.published
    if not earlier:
        return

    def revised(value: GroupYear, area: int, year: int) -> frozenset[str]:
        if value.withheld:
            return frozenset()  # "–" stands instead
        found = set()
        for column, code in REVISABLE.items():
            number = getattr(value, column)
            shown = earlier.get((code, area, year))
            if number is None or not shown:
                continue
            number = _round(number, decimals_of(INDICATORS[code]))
            if any(abs(v - number) > 1e-9 for v in shown):
                found.add(column)
        return frozenset(found)

    rows = []
    for row in result.years:
        treated_year, control_year = row.treated, row.control
        if "treated" in single:
            marks = revised(treated_year, single["treated"], row.year)
            treated_year = replace(treated_year, revised=marks)
        if "control" in single:
            marks = revised(control_year, single["control"], row.year)
            control_year = replace(control_year, revised=marks)
        rows.append(YearRow(row.year, row.phase, treated_year, control_year))
    result.years = rows


def _withheld_note() -> str:
    return _(
        "Some counts of the groups are withheld (–) to protect small numbers of cases; the "
        "estimates that rest on them are withheld as well."
    )


def _uncertainty(
    result: ImpactResult,
    context: AreaGroups,
    treated: list[int],
    control: list[int],
    years: Sequence[int],
    approved_only: bool,
) -> statistics.Uncertainty | None:
    """The bootstrap, pre-trend, event study and placebos over the years in which every
    area of both groups has its cases and population (the windows always have them).

    With the matched comparison every replicate matches anew (:class:`statistics.Rematch`)
    from the candidates with figures in all those years (recorded in
    :attr:`ImpactResult.resampled_from`): one without could not be compared if chosen."""
    assert result.opening_year is not None
    found = result.matching
    candidates = list(found.candidates) if found is not None else []
    values = {
        (v.indicator, v.group, v.year): v
        for v in compute(
            [INDICATOR, CASE_YEARS],
            years,
            by="area",
            area_ids=sorted({*treated, *control, *candidates}),
        )
        if v.approved or not approved_only
    }

    def usable(area: int, year: int) -> bool:
        found = values.get((INDICATOR, area, year))
        # a recorded population of 0 (an industrial zone) is data, not a gap
        return found is not None and found.numerator is not None and found.denominator is not None

    complete = tuple(y for y in years if all(usable(a, y) for a in (*treated, *control)))
    window = result.window
    if any(
        y not in complete
        for y in range(result.opening_year - window, result.opening_year + window + 1)
    ):
        return None

    def panel(areas: list[int]) -> statistics.Panel:
        def grid(code: str, part: str) -> np.ndarray:
            rows = []
            for area in areas:
                row = []
                for year in complete:
                    found = values.get((code, area, year))
                    number = getattr(found, part) if found is not None else None
                    row.append(np.nan if number is None else float(number))
                rows.append(row)
            return np.array(rows, dtype=float)

        return statistics.Panel(
            complete,
            grid(INDICATOR, "numerator"),
            grid(CASE_YEARS, "numerator"),
            grid(INDICATOR, "denominator"),
        )

    rematch = None
    if found is not None:
        order = {a: (context.by_id[a].code, a) for a in candidates}
        pool = sorted(
            (a for a in candidates if all(usable(a, y) for y in complete)), key=order.__getitem__
        )
        result.resampled_from = tuple(pool)
        rematch = statistics.Rematch(panel(pool), matching.rematch(found.k, result.before_years))
    return statistics.analyse(
        panel(treated),
        panel(control),
        result.opening_year,
        window,
        control_names=context.names(control),
        rematch=rematch,
    )


def _fill_years(
    result: ImpactResult,
    years: Sequence[int],
    treated_series: dict[int, IndicatorValue],
    control_series: dict[int, IndicatorValue],
) -> None:
    """The yearly rows behind the chart, indexed to the opening year, and the data status."""
    year = result.opening_year
    base_t = treated_series.get(year) if year is not None else None
    base_c = control_series.get(year) if year is not None else None
    for y in years:
        t, c = treated_series.get(y), control_series.get(y)
        phase = (
            "before"
            if y in result.before_years
            else "after"
            if y in result.after_years
            else "opening"
            if y == year
            else ""
        )
        result.years.append(YearRow(y, phase, _group_year(t, base_t), _group_year(c, base_c)))
    if base_t is None or not base_t.value or base_c is None or not base_c.value:
        result.notes.append(
            _(
                "The opening year %(year)s has no rate in both groups, so the trends cannot be "
                "indexed to it.",
                year=year,
            )
        )
    result.pending_years = {
        group: frozenset(y for y, value in series.items() if not value.approved)
        for group, series in zip(GROUPS, (treated_series, control_series), strict=True)
    }
    result.pending = result.provisional(result.analysed_years)


def _fill_costs(
    result: ImpactResult,
    context: AreaGroups,
    treated: list[int],
    costs: dict[str, float] | None,
    approved_only: bool,
) -> None:
    """Cost lines per help type (case-years before the opening), cost per case-year and the
    cost avoided = case-years avoided × cost per case-year."""
    own = effective_costs(context.tenant)
    for suffix, amount in (costs or {}).items():
        if suffix in own:
            own[suffix] = (float(amount), False)
    first, last = context.data_years or (0, -1)
    opening = result.opening_year or 0
    result.cost_years = tuple(y for y in range(opening - COST_YEARS, opening) if first <= y <= last)
    # every figure, approved or not: "approved only" may show the cost only where it is the
    # same one (a second weighted cost over other figures is one more equation)
    mix = _compute(TYPE_CODES, result.cost_years, treated, False)
    result.costs_pending = any(not value.approved for value in mix)
    if approved_only and result.costs_pending:
        result.notes.append(
            _(
                "The cost avoided rests on months not approved in the years before the "
                "opening (%(years)s): with approved figures only it is not available.",
                years=_years_text(result.cost_years),
            )
        )
        return
    by_type: dict[str, float] = defaultdict(float)
    for value in mix:
        by_type[value.indicator.removeprefix("HZE_CASE_YEARS_")] += value.numerator or 0.0
    typed = sum(by_type.values())
    for suffix, (cost, is_default) in own.items():
        de, en = TYPE_LABELS[suffix]
        case_years = by_type.get(suffix, 0.0)
        result.cost_lines.append(
            CostLine(
                suffix,
                de,
                en,
                case_years,
                case_years / typed if typed else None,
                cost,
                is_default,
            )
        )
    if not typed:
        result.notes.append(
            _(
                "No case-years by help type in the years before the opening (the monthly "
                "stocks of running cases are missing): the cost avoided cannot be estimated."
            )
        )
        return
    # in whole euros, as every output shows it, before anything is multiplied with it
    # (mean_bounds: a product of the unrounded cost would tell it more closely)
    result.cost_per_case = float(
        round_half_even(
            sum(line.share * line.annual_cost for line in result.cost_lines if line.share), 0
        )
        or 0
    )
    if result.case_years_avoided is not None:
        result.cost_avoided = result.case_years_avoided * result.cost_per_case


def _group_year(value: IndicatorValue | None, base: IndicatorValue | None) -> GroupYear:
    if value is None:
        return GroupYear(None, None, None)
    index = (
        value.value / base.value * 100
        if value.value is not None and base is not None and base.value
        else None
    )
    return GroupYear(value.numerator, value.denominator, value.value, index, value.approved)


def _add_notes(
    result: ImpactResult, context: AreaGroups, office: Office, treated: list[int], partial: bool
) -> None:
    if partial:
        result.notes.append(
            _(
                "Some %(areas)s served have no figures of their own; the figures of the larger "
                "unit that contains them are used, which dilutes the result.",
                areas=word("areas"),
            )
        )
    period_start = date(result.before_years[0], 1, 1)
    period_end = date(result.after_years[-1], 12, 31)
    treated_set = set(treated)
    for other in context.offices:
        if other.id == office.id or not (context.touched(other) & treated_set):
            continue
        if not open_between(other, period_start, period_end):
            continue
        opened = other.opened_on
        if opened is None or opened < period_start:
            result.notes.append(
                _(
                    "%(name)s already served these %(areas)s before the analysed period; the "
                    "result shows the change beyond what was there already.",
                    name=other.name,
                    areas=word("areas"),
                )
            )
        else:
            result.notes.append(
                _(
                    "%(name)s opened during the analysed period (%(date)s) and serves the same "
                    "%(areas)s; its effect cannot be separated.",
                    name=other.name,
                    date=opened.strftime("%m/%Y"),
                    areas=word("areas"),
                )
            )
    analysed = [row.treated.cases for row in result.years if row.phase in ("before", "after")]
    if analysed and min(c or 0.0 for c in analysed) < SMALL_CASES:
        result.notes.append(
            _(
                "Fewer than %(n)s cases a year in the group of the %(areas)s served: chance "
                "alone can move the result a lot.",
                n=SMALL_CASES,
                areas=word("areas"),
            )
        )
    if office.closed_on is not None and office.closed_on <= period_end:
        result.notes.append(
            _(
                "The %(office)s closed on %(date)s, within the analysed period.",
                office=word("office"),
                date=office.closed_on.strftime("%d.%m.%Y"),
            )
        )


def analyse_all(window: int = WINDOW_DEFAULT, *, approved_only: bool = False) -> list[ImpactResult]:
    """The analysis of every office of the current tenant that is not archived, by name."""
    context = AreaGroups()
    return [
        analyse_office(office, window=window, approved_only=approved_only, _context=context)
        for office in context.offices
        if office.archived_at is None
    ]
