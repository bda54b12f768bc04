"""The definition format of report templates and its validation.

A definition is JSON stored in :attr:`ReportTemplate.definition`::

    {"sections": [
      {"type": "kpis", "title_de": "…", "title_en": "…", "indicators": ["HZE_CASES"]},
      {"type": "timeseries", "title_de": "…", "indicators": ["HZE_ECKWERT"], "by": "total"},
      {"type": "bars", "title_de": "…", "indicators": ["HZE_ECKWERT"], "level": "stadtteil"},
      {"type": "table", "title_de": "…", "indicators": ["POP_TOTAL"], "by": "level",
       "years": "last"},
      {"type": "activities", "title_de": "…", "by": "office", "years": "range",
       "measures": ["activities", "participants"]},
      {"type": "text", "title_de": "…", "text_de": "…", "text_en": "…"}
    ]}

Section types
    ``kpis``        tiles: the value of the last year and the change from the year before
                    (always ``by: total``);
    ``timeseries``  a line chart over the years (``years: range``), one series per indicator
                    (``by: total``) or, per indicator, one series per area (``by: level``);
    ``bars``        a bar chart by area of the last year (always ``by: level``);
    ``table``       indicators × years (``by: total``), areas × indicators (``by: level``,
                    ``years: last``) or areas × years per indicator (``by: level``, ``range``);
    ``activities``  the activity log counted by ``office``, ``kind``, ``offering`` or
                    ``principle`` (measures ``activities`` and/or ``participants``);
    ``text``        a heading with explanatory text.

Every data section names its indicators (codes of :data:`saas.indicators.definitions.INDICATORS`).
``level`` is an area-level code; a tenant without such a level gets the level chosen on the
report page. ``years`` is ``range`` (from – to as chosen) or ``last`` (the last chosen year).
Titles and texts may contain ``{office}``, ``{offices}``, ``{area}`` and ``{areas}``, replaced by
the tenant's own words. Validation messages come from the message catalogue, in the language
of the request (or of ``locale``).
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from saas.indicators.definitions import INDICATORS

SECTION_TYPES = ("kpis", "timeseries", "bars", "table", "activities", "text")
DATA_TYPES = ("kpis", "timeseries", "bars", "table")
BY_VALUES = ("total", "level")
YEARS_VALUES = ("range", "last")
ACTIVITY_DIMENSIONS = ("office", "kind", "offering", "principle")
ACTIVITY_MEASURES = ("activities", "participants")
MAX_SECTIONS = 40
MAX_INDICATORS = 16
LEVEL_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")

KEYS = {
    "type",
    "title_de",
    "title_en",
    "text_de",
    "text_en",
    "indicators",
    "by",
    "level",
    "years",
    "measures",
}
DEFAULT_BY = {"kpis": "total", "timeseries": "total", "bars": "level", "table": "total"}
DEFAULT_YEARS = {"kpis": "last", "timeseries": "range", "bars": "last", "table": "range"}

#: every validation message; shown in the language of the request (or of ``locale``)
MESSAGES: dict[str, LazyString] = {
    "json": _l("Not valid JSON (line %(line)s, column %(col)s): %(msg)s."),
    "object": _l("The definition must be a JSON object with the key “sections”."),
    "top_keys": _l("Unknown top-level keys: %(keys)s (allowed: sections)."),
    "sections": _l("“sections” must be a list of 1 to %(max)s sections."),
    "section": _l("Section %(n)s: must be a JSON object."),
    "type": _l("Section %(n)s: unknown type “%(value)s” (allowed: %(allowed)s)."),
    "keys": _l("Section %(n)s: unknown keys %(keys)s."),
    "title": _l("Section %(n)s: “title_de” is missing or empty."),
    "string": _l("Section %(n)s: “%(key)s” must be a string."),
    "text": _l("Section %(n)s: a text section needs “text_de”."),
    "indicators": _l("Section %(n)s: “indicators” must be a list of 1 to %(max)s indicator codes."),
    "indicator": _l("Section %(n)s: unknown indicator code “%(value)s”."),
    "duplicate": _l("Section %(n)s: indicator “%(value)s” is listed twice."),
    "by": _l("Section %(n)s: “by” must be one of %(allowed)s, not “%(value)s”."),
    "kpis_by": _l("Section %(n)s: KPI tiles are for the whole municipality (“by”: “total”)."),
    "bars_by": _l("Section %(n)s: bar charts show areas (“by”: “level”)."),
    "years": _l("Section %(n)s: “years” must be “range” or “last”, not “%(value)s”."),
    "timeseries_years": _l("Section %(n)s: a time series needs “years”: “range”."),
    "bars_years": _l("Section %(n)s: bar charts show the last year (“years”: “last”)."),
    "level": _l("Section %(n)s: “level” must be a level code (letters, digits, _ . -)."),
    "level_total": _l("Section %(n)s: “level” only makes sense with “by”: “level”."),
    "activity_by": _l("Section %(n)s: activities are counted by %(allowed)s, not by “%(value)s”."),
    "measures": _l("Section %(n)s: “measures” must be a list of %(allowed)s."),
    "not_here": _l("Section %(n)s: “%(key)s” does not belong in a section of type “%(type)s”."),
}


def message(key: str, /, **params: Any) -> str:
    """The text of one message in the current locale."""
    return str(MESSAGES[key]) % params if params else str(MESSAGES[key])


class DefinitionError(ValueError):
    """A template definition that cannot be run; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Section:
    """One validated section with defaults filled in."""

    type: str
    title_de: str
    title_en: str = ""
    text_de: str = ""
    text_en: str = ""
    indicators: tuple[str, ...] = ()
    by: str = "total"
    level: str | None = None
    years: str = "range"
    measures: tuple[str, ...] = ACTIVITY_MEASURES

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_de

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text_de


@dataclass(frozen=True)
class Definition:
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def indicator_codes(self) -> list[str]:
        seen: dict[str, None] = {}
        for section in self.sections:
            seen.update(dict.fromkeys(section.indicators))
        return list(seen)


def parse_json(text: str, locale: str | None = None) -> tuple[Any, list[str]]:
    """The JSON of a textarea, or the error message naming line and column."""
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        with _language(locale):
            return None, [message("json", line=error.lineno, col=error.colno, msg=error.msg)]


def _language(locale: str | None) -> AbstractContextManager[None]:
    """Messages in ``locale`` if one is given, else in the current locale (the request's)."""
    return force_locale(locale) if locale else nullcontext()


def _quoted(values: Any) -> str:
    return ", ".join(f"„{v}“" for v in values)


def validate_definition(data: Any, locale: str | None = None) -> list[str]:
    """Every problem of a definition, as messages; an empty list means it is valid."""
    with _language(locale):
        return _validate(data)


def _validate(data: Any) -> list[str]:
    errors: list[str] = []
    if not isinstance(data, dict) or "sections" not in data:
        return [message("object")]
    extra = sorted(set(data) - {"sections"})
    if extra:
        errors.append(message("top_keys", keys=_quoted(extra)))
    sections = data["sections"]
    if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_SECTIONS:
        return [*errors, message("sections", max=MAX_SECTIONS)]
    for n, section in enumerate(sections, start=1):
        errors += _validate_section(n, section)
    return errors


def _validate_section(n: int, section: Any) -> list[str]:
    def err(what: str, /, **params: Any) -> None:  # params may name a ``key`` of their own
        errors.append(message(what, n=n, **params))

    errors: list[str] = []
    if not isinstance(section, dict):
        err("section")
        return errors
    kind = section.get("type")
    if kind not in SECTION_TYPES:
        err("type", value=kind, allowed=", ".join(SECTION_TYPES))
        return errors
    extra = sorted(set(section) - KEYS)
    if extra:
        err("keys", keys=_quoted(extra))
    for key in ("title_de", "title_en", "text_de", "text_en"):
        if key in section and not isinstance(section[key], str):
            err("string", key=key)
    if not str(section.get("title_de") or "").strip():
        err("title")
    if kind == "text":
        if not str(section.get("text_de") or "").strip():
            err("text")
        for key in ("indicators", "by", "level", "years", "measures"):
            if key in section:
                err("not_here", key=key, type=kind)
        return errors
    years = section.get("years", "range" if kind == "activities" else DEFAULT_YEARS.get(kind))
    if years not in YEARS_VALUES:
        err("years", value=years)
    if kind == "activities":
        if section.get("by") not in ACTIVITY_DIMENSIONS:
            err("activity_by", value=section.get("by"), allowed=", ".join(ACTIVITY_DIMENSIONS))
        measures = section.get("measures", list(ACTIVITY_MEASURES))
        if (
            not isinstance(measures, list)
            or not measures
            or any(m not in ACTIVITY_MEASURES for m in measures)
            or len(set(measures)) != len(measures)
        ):
            err("measures", allowed=", ".join(ACTIVITY_MEASURES))
        for key in ("indicators", "level"):
            if key in section:
                err("not_here", key=key, type=kind)
        return errors
    if "measures" in section:
        err("not_here", key="measures", type=kind)
    indicators = section.get("indicators")
    if not isinstance(indicators, list) or not 1 <= len(indicators) <= MAX_INDICATORS:
        err("indicators", max=MAX_INDICATORS)
    else:
        seen: set[str] = set()
        for code in indicators:
            if not isinstance(code, str) or code not in INDICATORS:
                err("indicator", value=code)
            elif code in seen:
                err("duplicate", value=code)
            else:
                seen.add(code)
    by = section.get("by", DEFAULT_BY[kind])
    if by not in BY_VALUES:
        err("by", value=by, allowed=", ".join(BY_VALUES))
    elif kind == "kpis" and by != "total":
        err("kpis_by")
    elif kind == "bars" and by != "level":
        err("bars_by")
    if kind == "timeseries" and years == "last":
        err("timeseries_years")
    if kind == "bars" and years == "range":
        err("bars_years")
    level = section.get("level")
    if level is not None:
        if not isinstance(level, str) or not LEVEL_CODE.match(level):
            err("level")
        elif by == "total":
            err("level_total")
    return errors


def parse_definition(data: Any, locale: str | None = None) -> Definition:
    """A validated definition with defaults; raises :class:`DefinitionError`."""
    errors = validate_definition(data, locale)
    if errors:
        raise DefinitionError(errors)
    sections = []
    for raw in data["sections"]:
        kind = raw["type"]
        common = {
            "type": kind,
            "title_de": raw["title_de"].strip(),
            "title_en": (raw.get("title_en") or "").strip(),
            "text_de": (raw.get("text_de") or "").strip(),
            "text_en": (raw.get("text_en") or "").strip(),
        }
        if kind == "text":
            sections.append(Section(**common))
        elif kind == "activities":
            sections.append(
                Section(
                    **common,
                    by=raw["by"],
                    years=raw.get("years", "range"),
                    measures=tuple(raw.get("measures", ACTIVITY_MEASURES)),
                )
            )
        else:
            sections.append(
                Section(
                    **common,
                    indicators=tuple(raw["indicators"]),
                    by=raw.get("by", DEFAULT_BY[kind]),
                    level=raw.get("level"),
                    years=raw.get("years", DEFAULT_YEARS[kind]),
                )
            )
    return Definition(tuple(sections))


def dump(definition: dict[str, Any]) -> str:
    """The definition as it is shown in the editor."""
    return json.dumps(definition, ensure_ascii=False, indent=2)
