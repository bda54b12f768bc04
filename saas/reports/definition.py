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
the tenant's own words. Validation messages are German first (English with ``locale="en"``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

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

MESSAGES: dict[str, tuple[str, str]] = {
    "json": (
        "Kein gültiges JSON (Zeile {line}, Spalte {col}): {msg}.",
        "Not valid JSON (line {line}, column {col}): {msg}.",
    ),
    "object": (
        "Die Definition muss ein JSON-Objekt mit dem Schlüssel „sections“ sein.",
        "The definition must be a JSON object with the key “sections”.",
    ),
    "top_keys": (
        "Unbekannte Schlüssel auf oberster Ebene: {keys} (erlaubt: sections).",
        "Unknown top-level keys: {keys} (allowed: sections).",
    ),
    "sections": (
        "„sections“ muss eine Liste mit 1 bis {max} Abschnitten sein.",
        "“sections” must be a list of 1 to {max} sections.",
    ),
    "section": (
        "Abschnitt {n}: muss ein JSON-Objekt sein.",
        "Section {n}: must be a JSON object.",
    ),
    "type": (
        "Abschnitt {n}: unbekannter Typ „{value}“ (erlaubt: {allowed}).",
        "Section {n}: unknown type “{value}” (allowed: {allowed}).",
    ),
    "keys": (
        "Abschnitt {n}: unbekannte Schlüssel {keys}.",
        "Section {n}: unknown keys {keys}.",
    ),
    "title": (
        "Abschnitt {n}: „title_de“ fehlt oder ist leer.",
        "Section {n}: “title_de” is missing or empty.",
    ),
    "string": (
        "Abschnitt {n}: „{key}“ muss ein Text sein.",
        "Section {n}: “{key}” must be a string.",
    ),
    "text": (
        "Abschnitt {n}: ein Textabschnitt braucht „text_de“.",
        "Section {n}: a text section needs “text_de”.",
    ),
    "indicators": (
        "Abschnitt {n}: „indicators“ muss eine Liste mit 1 bis {max} Kennzahlcodes sein.",
        "Section {n}: “indicators” must be a list of 1 to {max} indicator codes.",
    ),
    "indicator": (
        "Abschnitt {n}: unbekannter Kennzahlcode „{value}“.",
        "Section {n}: unknown indicator code “{value}”.",
    ),
    "duplicate": (
        "Abschnitt {n}: Kennzahl „{value}“ ist doppelt aufgeführt.",
        "Section {n}: indicator “{value}” is listed twice.",
    ),
    "by": (
        "Abschnitt {n}: „by“ muss einer von {allowed} sein, nicht „{value}“.",
        "Section {n}: “by” must be one of {allowed}, not “{value}”.",
    ),
    "kpis_by": (
        "Abschnitt {n}: Kennzahl-Kacheln gelten für die ganze Kommune („by“: „total“).",
        "Section {n}: KPI tiles are for the whole municipality (“by”: “total”).",
    ),
    "bars_by": (
        "Abschnitt {n}: Balkendiagramme zeigen Gebiete („by“: „level“).",
        "Section {n}: bar charts show areas (“by”: “level”).",
    ),
    "years": (
        "Abschnitt {n}: „years“ muss „range“ oder „last“ sein, nicht „{value}“.",
        "Section {n}: “years” must be “range” or “last”, not “{value}”.",
    ),
    "timeseries_years": (
        "Abschnitt {n}: eine Zeitreihe braucht „years“: „range“.",
        "Section {n}: a time series needs “years”: “range”.",
    ),
    "bars_years": (
        "Abschnitt {n}: Balkendiagramme zeigen das letzte Jahr („years“: „last“).",
        "Section {n}: bar charts show the last year (“years”: “last”).",
    ),
    "level": (
        "Abschnitt {n}: „level“ muss ein Ebenen-Code sein (Buchstaben, Ziffern, _ . -).",
        "Section {n}: “level” must be a level code (letters, digits, _ . -).",
    ),
    "level_total": (
        "Abschnitt {n}: „level“ ist nur mit „by“: „level“ sinnvoll.",
        "Section {n}: “level” only makes sense with “by”: “level”.",
    ),
    "activity_by": (
        "Abschnitt {n}: Aktivitäten werden nach {allowed} gezählt, nicht nach „{value}“.",
        "Section {n}: activities are counted by {allowed}, not by “{value}”.",
    ),
    "measures": (
        "Abschnitt {n}: „measures“ muss eine Liste aus {allowed} sein.",
        "Section {n}: “measures” must be a list of {allowed}.",
    ),
    "not_here": (
        "Abschnitt {n}: „{key}“ gehört nicht in einen Abschnitt vom Typ „{type}“.",
        "Section {n}: “{key}” does not belong in a section of type “{type}”.",
    ),
}


def message(key: str, locale: str = "de", /, **params: Any) -> str:
    de, en = MESSAGES[key]
    return (en if str(locale).startswith("en") else de).format(**params)


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


def parse_json(text: str, locale: str = "de") -> tuple[Any, list[str]]:
    """The JSON of a textarea, or the error message naming line and column."""
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        return None, [message("json", locale, line=error.lineno, col=error.colno, msg=error.msg)]


def _quoted(values: Any) -> str:
    return ", ".join(f"„{v}“" for v in values)


def validate_definition(data: Any, locale: str = "de") -> list[str]:
    """Every problem of a definition, as messages; an empty list means it is valid."""
    errors: list[str] = []
    if not isinstance(data, dict) or "sections" not in data:
        return [message("object", locale)]
    extra = sorted(set(data) - {"sections"})
    if extra:
        errors.append(message("top_keys", locale, keys=_quoted(extra)))
    sections = data["sections"]
    if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_SECTIONS:
        return [*errors, message("sections", locale, max=MAX_SECTIONS)]
    for n, section in enumerate(sections, start=1):
        errors += _validate_section(n, section, locale)
    return errors


def _validate_section(n: int, section: Any, locale: str) -> list[str]:
    def err(what: str, /, **params: Any) -> None:  # params may name a ``key`` of their own
        errors.append(message(what, locale, n=n, **params))

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


def parse_definition(data: Any, locale: str = "de") -> Definition:
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
