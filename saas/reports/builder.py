"""Building a report: a template run on a tenant's data (the result is :mod:`saas.reports.result`).

:func:`run_report` turns a template and the chosen years and area level into a
:class:`ReportResult`: plain data (titles, tables of cells, chart data, footnotes) and the one
source of every output — the HTML page, CSV, XLSX, PDF, the published snapshot and the CLI —
so they all carry the same numbers. Every figure comes from the indicator engine
(:func:`saas.indicators.engine.compute`); the activity breakdowns by office, kind, offering and
principle come from :mod:`saas.reports.activity_tables`. Values are rounded once, here, to the
decimals they are shown with; outputs only format them for the current locale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import g
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from saas.areas.models import AreaLevel
from saas.core.db import db
from saas.core.disclosure import DEFAULT_THRESHOLD
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.indicators.definitions import ACTIVITY_METRICS, INDICATORS, Indicator
from saas.indicators.engine import (
    AreaTree,
    IndicatorValue,
    annual_values,
    compute,
    metric_codes,
)
from saas.protection.families import revealed
from saas.protection.service import Cube, Publication, register_publications, tenant_cube
from saas.reports.definition import Section, parse_definition
from saas.reports.models import PublishedReport, ReportTemplate
from saas.reports.result import (
    MISSING,
    PROVISIONAL,
    REVISED,
    WITHHELD,
    Block,
    Cell,
    Chart,
    ChartSeries,
    ReportResult,
    Row,
    SectionResult,
    Table,
    Tile,
    current_locale,
    legend,
)

#: the default disclosure threshold (a tenant's own: saas.core.disclosure.tenant_threshold)
THRESHOLD = DEFAULT_THRESHOLD


# -- running a template ---------------------------------------------------------------------


def decimals_of(indicator: Indicator) -> int:
    return 1 if indicator.unit in ("%", "‰", "per 10,000") else 0


def indicator_label(indicator: Indicator, locale: str) -> str:
    label = indicator.label_en if locale == "en" else indicator.label_de
    if indicator.unit in ("%", "EUR"):
        label = f"{label} ({indicator.unit})"
    return label


def _round(value: float, decimals: int) -> float:
    rounded = float(round(value, decimals))
    return rounded if rounded != 0 else 0.0


def tenant_words(text: str, tenant: Any, level: AreaLevel | None = None) -> str:
    """Replace {office}, {offices}, {area}, {areas} with the tenant's (or level's) words."""
    area = level.name if level is not None else tenant.word("area")
    areas = (level.plural or level.name) if level is not None else tenant.word("areas")
    return (
        text.replace("{offices}", tenant.word("offices"))
        .replace("{office}", tenant.word("office"))
        .replace("{areas}", areas)
        .replace("{area}", area)
    )


def area_levels() -> list[AreaLevel]:
    """The current tenant's active area levels, main hierarchy first, coarse to fine."""
    levels = db.session.execute(select(AreaLevel).where(AreaLevel.archived_at.is_(None))).scalars()
    return sorted(levels, key=lambda lvl: (lvl.hierarchy != "main", lvl.hierarchy, lvl.position))


def default_level(levels: list[AreaLevel], tree: AreaTree, with_figures: set[int]) -> str | None:
    """The coarsest level of the hierarchy whose areas carry the most of the figures
    (``with_figures``: the ids of the areas the report's figures belong to)."""
    if not levels:
        return None
    hierarchy_of = {lvl.id: lvl.hierarchy for lvl in levels}
    counts: dict[str, int] = {}
    for area_id in with_figures:
        level_id = tree.level_of(area_id)
        if level_id in hierarchy_of:
            counts[hierarchy_of[level_id]] = counts.get(hierarchy_of[level_id], 0) + 1
    hierarchy = max(counts, key=lambda h: (counts[h], h == "main")) if counts else None
    candidates = [lvl for lvl in levels if hierarchy is None or lvl.hierarchy == hierarchy]
    return min(candidates, key=lambda lvl: lvl.position).code


def latest_data_year() -> int | None:
    """The last year the current tenant has figures for."""
    period = db.session.execute(
        select(FigureValue.period).order_by(FigureValue.period.desc()).limit(1)
    ).scalar_one_or_none()
    return int(period[:4]) if period else None


class _Builder:
    """Computes every section of one report with one engine call per (total | level)."""

    def __init__(
        self,
        tenant: Any,
        years: list[int],
        level: str | None,
        locale: str,
        levels: list[AreaLevel] | None = None,
    ) -> None:
        self.tenant = tenant
        self.years = years
        self.locale = locale
        self.levels = {lvl.code: lvl for lvl in (area_levels() if levels is None else levels)}
        #: the chosen level; an unknown or missing one is replaced by the default in load()
        self.level = level if level in self.levels else None
        # a level to group by is one of these, so the tree needs no other
        self.tree = AreaTree.load(self.levels.values())
        self.values: dict[tuple[str | None, str, int | str | None, int], IndicatorValue] = {}
        self.groups: dict[str | None, set[int]] = {}
        self.pending: set[int] = set()
        #: the flags the report's cells carry (the legend lists them)
        self.flags: set[str] = set()
        #: cells not available although figures exist, by reason ("incomplete", "coverage"):
        #: (indicator code, area id or None) → the years (a footnote names them)
        self.unavailable: dict[str, dict[tuple[str, int | None], set[int]]] = {}
        #: per year: the cube cells shown and withheld, and the values shown
        self.protection: dict[int, dict[str, Any]] = {}
        #: values published snapshots showed: a different value now is flagged revised
        self.earlier: dict[tuple[str, int | None, int], set[float]] = {}
        self.cube: Cube
        self.indicators: dict[str, None] = {}
        self.uses_activities = False
        self._activity_cache: dict[tuple[str, tuple[int, ...]], Any] = {}

    # -- data -------------------------------------------------------------------------------

    def level_of(self, section: Section) -> str | None:
        if section.by == "total":
            return None
        if section.level and section.level in self.levels:
            return section.level
        return self.level

    def load(self, sections: Iterable[Section]) -> None:
        """Read every figure of the report in one statement and compute its indicators
        once for the totals and once per area level."""
        sections = [s for s in sections if s.indicators]
        years = set(self.years)
        if any(s.type == "kpis" for s in sections):
            years.add(self.years[-1] - 1)
        annual = annual_values(
            metric_codes(INDICATORS[code] for s in sections for code in s.indicators), years
        )
        if self.level is None:
            with_figures = {area_id for (_metric, area_id, _year) in annual.values}
            self.level = default_level(list(self.levels.values()), self.tree, with_figures)
        plan: dict[str | None, dict[str, None]] = {}
        for section in sections:
            key = self.level_of(section)
            if section.by == "level" and key is None:
                continue  # a tenant without area levels: nothing to show by area
            plan.setdefault(key, {}).update(dict.fromkeys(section.indicators))
        self.cube = tenant_cube(years, self.tenant)
        self.earlier = _published_values(years)
        for key, codes in plan.items():
            values = compute(
                list(codes),
                sorted(years),
                by="total" if key is None else "level",
                level=key,
                annual=annual,
                tree=self.tree,
            )
            groups = self.groups.setdefault(key, set())
            for value in values:
                if self.cube.withholds(value.indicator, value.group, value.year):
                    value = _withheld(value)
                self.values[(key, value.indicator, value.group, value.year)] = value
                if key is not None and isinstance(value.group, int):
                    groups.add(value.group)

    def areas(self, key: str | None) -> list[tuple[int, str]]:
        named = [
            (name, area_id)
            for area_id in self.groups.get(key, set())
            if (name := self.tree.name_of(area_id)) is not None
        ]
        return [(area_id, name[1]) for name, area_id in sorted(named)]

    def value(
        self, key: str | None, code: str, group: int | None, year: int
    ) -> IndicatorValue | None:
        return self.values.get((key, code, group, year))

    def cell(self, key: str | None, code: str, group: int | None, year: int) -> Cell:
        """One value as shown, with its flag (:data:`saas.reports.result.FLAGS`)."""
        indicator = INDICATORS[code]
        self.indicators[code] = None
        decimals = decimals_of(indicator)
        found = self.value(key, code, group, year)
        node = None if key is None else group
        if found is not None and not found.approved:
            self.pending.add(year)
        if found is not None and found.suppressed:
            self._record(code, node, year, None)
            return self._flagged(Cell(None, decimals, suppressed=True), WITHHELD)
        if found is None or found.value is None:
            if found is not None and found.reason:
                cells = self.unavailable.setdefault(found.reason, {})
                cells.setdefault((code, node), set()).add(year)
            return self._flagged(Cell(None, decimals), MISSING)
        value = _round(found.value, decimals)
        self._record(code, node, year, value)
        flag = PROVISIONAL if not found.approved else ""
        earlier = self.earlier.get((code, node, year))
        if earlier is not None and any(abs(v - value) > 1e-9 for v in earlier):
            flag += REVISED
        return self._flagged(Cell(value, decimals), flag)

    def _flagged(self, cell: Cell, flag: str) -> Cell:
        cell.flag = flag
        self.flags.update(flag)
        return cell

    def _record(self, code: str, node: int | None, year: int, value: float | None) -> None:
        """Remember which cells of the cube this report shows (a snapshot keeps them)."""
        entry = self.protection.setdefault(year, {"withheld": set(), "shown": {}, "values": {}})
        cube = self.cube.years.get(year)
        for family in revealed(code):
            if cube is None or (family, node) not in cube.values:
                continue
            if cube.withheld((family, node)):
                entry["withheld"].add((family, node))
            else:
                entry["shown"][(family, node)] = cube.values[(family, node)] or 0.0
        if value is not None:
            entry["values"][f"{code}|{'' if node is None else node}"] = value

    def protection_record(self) -> dict[str, Any]:
        """The cube cells this report withheld and showed, per year, with the figures'
        revision: what a published snapshot stores (:func:`published_cells`)."""
        return {
            "revision": self.cube.revision(self.cube.years),
            "threshold": self.cube.threshold,
            "years": {
                str(year): {
                    "revision": self.cube.revisions.get(year, ""),
                    "withheld": sorted(
                        ([f, n] for f, n in entry["withheld"]), key=lambda c: (c[0], str(c[1]))
                    ),
                    "shown": sorted(
                        ([f, n, v] for (f, n), v in entry["shown"].items()),
                        key=lambda c: (c[0], str(c[1])),
                    ),
                    "values": entry["values"],
                    # the atoms, to tell later which figures were corrected since
                    "atoms": sorted(
                        ([k, a, v] for (k, a), v in self.cube.atoms.get(year, {}).items()),
                        key=lambda c: (c[0], str(c[1])),
                    ),
                }
                for year, entry in sorted(self.protection.items())
            },
        }

    def activities(self, dimension: str, years: list[int]) -> Any:
        from saas.reports.activity_tables import activity_counts

        cache_key = (dimension, tuple(years))
        if cache_key not in self._activity_cache:
            self._activity_cache[cache_key] = activity_counts(dimension, years)
        return self._activity_cache[cache_key]

    # -- sections ---------------------------------------------------------------------------

    def label(self, code: str) -> str:
        return indicator_label(INDICATORS[code], self.locale)

    def years_label(self, years: list[int]) -> str:
        return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"

    def section(self, section: Section) -> SectionResult:
        key = self.level_of(section)
        level = self.levels.get(key) if key else None
        title = tenant_words(section.title(self.locale), self.tenant, level)
        text = tenant_words(section.text(self.locale), self.tenant, level)
        result = SectionResult(section.type, title, text)
        years = self.years if section.years == "range" else [self.years[-1]]
        if section.type == "activities" or any(c in ACTIVITY_METRICS for c in section.indicators):
            self.uses_activities = True
        if section.type == "kpis":
            result.tiles = [self.tile(code) for code in section.indicators]
        elif section.type == "activities":
            result.blocks = self.activity_blocks(section, title, years)
        elif section.type in ("timeseries", "bars", "table"):
            if section.by == "level" and level is None:
                return result
            result.blocks = self.data_blocks(section, title, key, level, years)
        return result

    def tile(self, code: str) -> Tile:
        last, previous = self.years[-1], self.years[-1] - 1
        value = self.cell(None, code, None, last)
        before = self.cell(None, code, None, previous)
        change = Cell(None, 1, signed=True)
        now_raw, before_raw = (
            self.value(None, code, None, last),
            self.value(None, code, None, previous),
        )
        if (
            value.value is not None
            and before.value is not None
            and now_raw is not None
            and before_raw is not None
            and now_raw.value is not None
            and before_raw.value
        ):
            change.value = _round((now_raw.value - before_raw.value) / before_raw.value * 100, 1)
        return Tile(self.label(code), last, value, previous, before, change)

    def data_blocks(
        self,
        section: Section,
        title: str,
        key: str | None,
        level: AreaLevel | None,
        years: list[int],
    ) -> list[Block]:
        codes = list(section.indicators)
        span = self.years_label(years)
        labels = [str(y) for y in years]
        if key is None:  # indicators × years
            rows = [Row(self.label(c), [self.cell(None, c, None, y) for y in years]) for c in codes]
            table = Table(f"{title} ({span})", _("Indicator"), labels, rows)
            chart = None
            if section.type == "timeseries":
                chart = Chart("line", f"{title} ({span})", labels, _series(rows))
            return [Block(table, chart)]
        assert level is not None
        areas = self.areas(key)
        corner = level.name
        if section.type == "bars" or section.years == "last":  # areas × indicators
            year = years[-1]
            rows = [Row(name, [self.cell(key, c, i, year) for c in codes]) for i, name in areas]
            columns = [self.label(c) for c in codes]
            table = Table(f"{title} ({year})", corner, columns, rows)
            chart = None
            if section.type == "bars":
                series = [
                    ChartSeries(columns[j], [r.cells[j].value for r in rows])
                    for j in range(len(codes))
                ]
                chart = Chart("bar", f"{title} ({year})", [r.label for r in rows], series)
            return [Block(table, chart)]
        blocks = []  # one block per indicator: areas × years
        for code in codes:
            rows = [Row(name, [self.cell(key, code, i, y) for y in years]) for i, name in areas]
            caption = f"{self.label(code)} – {level.plural or level.name} ({span})"
            chart = None
            if section.type == "timeseries":
                chart = Chart("line", caption, labels, _series(rows))
            blocks.append(Block(Table(caption, corner, labels, rows), chart))
        return blocks

    def activity_blocks(self, section: Section, title: str, years: list[int]) -> list[Block]:
        counts = self.activities(section.by, years)
        corner = {
            "office": self.tenant.word("office"),
            "kind": _("Kind of activity"),
            "offering": _("Offering"),
            "principle": _("Principle"),
        }[section.by]
        names = {"activities": _("Activities"), "participants": _("Participants")}
        index = {"activities": 0, "participants": 1}

        def cell(ref: str, year: int, measure: str) -> Cell:
            found = counts.values.get((ref, year))
            return Cell(float(found[index[measure]]) if found else 0.0, 0)

        span = self.years_label(years)
        if len(years) == 1:
            year = years[0]
            rows = [
                Row(label, [cell(ref, year, m) for m in section.measures])
                for ref, label in counts.rows
            ]
            columns = [names[m] for m in section.measures]
            series = [ChartSeries(columns[0], [r.cells[0].value for r in rows])]
            chart = Chart("bar", f"{title} ({year})", [r.label for r in rows], series)
            return [
                Block(Table(f"{title} ({year})", corner, columns, rows), chart if rows else None)
            ]
        labels = [str(y) for y in years]
        blocks = []
        for measure in section.measures:
            rows = [
                Row(label, [cell(ref, y, measure) for y in years]) for ref, label in counts.rows
            ]
            caption = f"{title}: {names[measure]} ({span})"
            trend = Chart("line", caption, labels, _series(rows)) if rows else None
            blocks.append(Block(Table(caption, corner, labels, rows), trend))
        return blocks

    # -- footnotes --------------------------------------------------------------------------

    def legend(self) -> list[tuple[str, str]]:
        """The flags the report's cells carry, with their meaning."""
        threshold = self.cube.threshold if hasattr(self, "cube") else THRESHOLD
        return legend(self.flags, threshold)

    #: at most this many cells are named per reason; the note says how many more there are
    NAMED_CELLS = 12

    def unavailable_notes(self) -> list[str]:
        """Why cells show "." although figures exist (engine docstring, "definitions"): an
        incomplete stock year, or a rate whose numerator and denominator cover other areas."""
        texts = {
            "incomplete": _(
                "“.” incomplete year: a stock needs its value of 31 December, an average all "
                "twelve months; the last month entered is never used in their place "
                "(%(cells)s)."
            ),
            "coverage": _(
                "“.” not comparable: numerator and denominator do not cover the same %(areas)s "
                "(e.g. a %(area)s without its population figure), so the rate is not computed "
                "(%(cells)s)."
            ),
        }
        notes = []
        for reason, text in texts.items():
            cells = self.unavailable.get(reason)
            if not cells:
                continue
            named = []
            for (code, node), years in sorted(
                cells.items(), key=lambda item: (self.label(item[0][0]), str(item[0][1]))
            ):
                area = self.tree.name_of(node) if node is not None else None
                where = f"{self.label(code)}, {area[1]}" if area else self.label(code)
                named.append(f"{where} {', '.join(str(y) for y in sorted(years))}")
            listed = "; ".join(named[: self.NAMED_CELLS])
            if len(named) > self.NAMED_CELLS:
                listed += " " + _("and %(n)s more", n=len(named) - self.NAMED_CELLS)
            words = {"area": self.tenant.word("area"), "areas": self.tenant.word("areas")}
            notes.append(text % {"cells": listed, **words})
        return notes

    def footnotes(self, template: ReportTemplate, generated: datetime) -> list[str]:
        notes = []
        if self.pending:
            notes.append(
                _(
                    "Data status: contains months that are not approved yet (%(years)s); "
                    "these figures may still change.",
                    years=", ".join(str(y) for y in sorted(self.pending)),
                )
            )
        else:
            notes.append(_("Data status: all figures shown are approved."))
        sources = []
        if self.indicators:
            sources.append(
                _(
                    "key figures of %(tenant)s, computed by the platform's metric catalogue "
                    "(%(codes)s)",
                    tenant=self.tenant.name,
                    codes=", ".join(self.label(code) for code in self.indicators),
                )
            )
        if self.uses_activities:
            sources.append(
                _("activity log of the %(offices)s", offices=self.tenant.word("offices"))
            )
        if sources:
            notes.append(_("Sources: %(sources)s.", sources="; ".join(sources)))
        notes.extend(self.unavailable_notes())
        for code in self.indicators:  # what each indicator counts, in the report's language
            indicator = INDICATORS[code]
            if note := indicator.note(self.locale):
                name = indicator.label_en if self.locale == "en" else indicator.label_de
                notes.append(f"{name}: {note}.")
        if (self.tenant.settings or {}).get("synthetic_demo"):
            notes.append(
                _(
                    "Demo data: all figures of this municipality are synthetic and are not "
                    "official statistics."
                )
            )
        notes.append(
            _(
                "Created on %(date)s from the template “%(code)s”, version %(version)s.",
                date=format_date(generated.date(), "medium"),
                code=tenant_words(
                    template.title_en
                    if self.locale == "en" and template.title_en
                    else template.title_de,
                    self.tenant,
                ),
                version=template.version,
            )
        )
        return notes


# -- disclosure control: the tenant's protected cube (saas.protection) ------------------------


def _withheld(value: IndicatorValue) -> IndicatorValue:
    return replace(value, numerator=None, denominator=None, value=None, suppressed=True)


def _protection_records() -> list[dict[str, Any]]:
    """The protection record of every published snapshot of the current tenant."""
    column = PublishedReport.snapshot["protection"]
    return [r for r in db.session.execute(select(column)).scalars() if isinstance(r, dict)]


def published_cells(years: Iterable[int]) -> list[Publication]:
    """The cells the current tenant's published snapshots withheld and showed in ``years``
    (registered with the cube: a later run withholds what a snapshot withheld)."""
    wanted = {str(y) for y in years}
    found = []
    for record in _protection_records():
        for year, entry in (record.get("years") or {}).items():
            if year not in wanted:
                continue
            found.append(
                Publication(
                    int(year),
                    frozenset((f, n) for f, n in entry.get("withheld", [])),
                    {(f, n): float(v) for f, n, v in entry.get("shown", [])},
                    entry.get("revision", ""),
                    {(k, a): float(v) for k, a, v in entry.get("atoms", [])},
                )
            )
    return found


def _published_values(years: Iterable[int]) -> dict[tuple[str, int | None, int], set[float]]:
    """Every value a published snapshot showed, per (indicator, area or None, year)."""
    wanted = {str(y) for y in years}
    found: dict[tuple[str, int | None, int], set[float]] = {}
    for record in _protection_records():
        for year, entry in (record.get("years") or {}).items():
            if year not in wanted:
                continue
            for key, value in (entry.get("values") or {}).items():
                code, _sep, node = key.partition("|")
                found.setdefault((code, int(node) if node else None, int(year)), set()).add(value)
    return found


register_publications(published_cells)


def _series(rows: list[Row]) -> list[ChartSeries]:
    return [ChartSeries(r.label, [c.value for c in r.cells]) for r in rows]


def run_report(
    template: ReportTemplate,
    years: Iterable[int],
    level: str | None,
    *,
    tenant: Any = None,
    levels: list[AreaLevel] | None = None,
) -> ReportResult:
    """Run ``template`` on the tenant's data for ``years`` (from – to) and the area level
    ``level`` (a level code; None or unknown: the tenant's default level). ``levels``: the
    tenant's :func:`area_levels` when the caller has read them already."""
    tenant = tenant if tenant is not None else g.get("tenant")
    if tenant is None:
        raise RuntimeError("run_report needs a tenant")
    years = sorted(set(years))
    if not years:
        raise ValueError("run_report needs at least one year")
    definition = parse_definition(template.definition)
    locale = current_locale()
    generated = datetime.now(UTC)
    with tenant_scope(tenant):
        builder = _Builder(tenant, years, level, locale, levels)
        builder.load(definition.sections)
        sections = [builder.section(s) for s in definition.sections]
        if builder.uses_activities:
            from saas.reports.activity_tables import pending_activity_years

            activity_years = set(years) | (
                {years[-1] - 1} if any(s.type == "kpis" for s in definition.sections) else set()
            )
            builder.pending |= pending_activity_years(activity_years)
        footnotes = builder.footnotes(template, generated)
        chosen = builder.levels.get(builder.level) if builder.level else None
    title = template.title_en if locale == "en" and template.title_en else template.title_de
    return ReportResult(
        title=tenant_words(title, tenant),
        template_code=template.code,
        template_version=template.version,
        template_id=template.id,
        local=template.tenant_id is not None,
        tenant_slug=tenant.slug,
        tenant_name=tenant.name,
        first_year=years[0],
        last_year=years[-1],
        level=builder.level,
        level_name=chosen.name if chosen is not None else "",
        locale=locale,
        generated_at=generated.isoformat(),
        approved=not builder.pending,
        pending_years=sorted(builder.pending),
        sections=sections,
        footnotes=footnotes,
        legend=[list(item) for item in builder.legend()],
        protection=builder.protection_record(),
    )
