"""The shared metric catalogue as first delivered (domain-facts.md §2 and §7).

Migration 0004 inserts it (0014 brings existing catalogues to the § 41 and age-band rules
below); platform admins maintain the catalogue in the browser afterwards.

``part_of`` names the total a metric belongs to. The parts of one total add up to at most
the total (checked on import and in the entry grid), except the "darunter" lines marked
``rules["within"]``, which are contained in the other parts: § 41 (young adults), as Destatis
counts it, takes the form of one of the help types §§ 27–35, and the under-18 and under-21
populations overlap the age bands. ``rules["at_most"]`` names a metric a value may not
exceed (under-18 ≤ under-21).
"""

from __future__ import annotations

from typing import Any

HELP_TYPES: tuple[tuple[str, str, str], ...] = (
    # (code suffix, German label, English label)
    ("27_2", "§ 27 Abs. 2 flexible Hilfen", "§ 27(2) flexible help"),
    ("29", "§ 29 Soziale Gruppenarbeit", "§ 29 social group work"),
    ("30", "§ 30 Erziehungsbeistand/Betreuungshelfer", "§ 30 educational assistance"),
    ("31", "§ 31 Sozialpädagogische Familienhilfe", "§ 31 socio-educational family help"),
    ("32", "§ 32 Tagesgruppe", "§ 32 day group"),
    ("33", "§ 33 Vollzeitpflege", "§ 33 foster care"),
    ("34", "§ 34 Heimerziehung/betreutes Wohnen", "§ 34 residential care"),
    ("35", "§ 35 Intensive sozialpäd. Einzelbetreuung", "§ 35 intensive individual support"),
    (
        "41",
        "§ 41 junge Volljährige (in §§ 27–35 enthalten)",
        "§ 41 young adults (contained in §§ 27–35)",
    ),
)
#: help types contained in the others (a "darunter" line, not an additional part)
WITHIN = ("41",)

AMBULANT = ("27_2", "29", "30", "31", "35")
PART_RESIDENTIAL = ("32",)
RESIDENTIAL = ("33", "34")


#: the validation rules of a "darunter" line
WITHIN_RULES = {"min": 0, "integer": True, "warn_factor": 3, "within": True}


def _metric(code: str, de: str, en: str, **fields: Any) -> dict[str, Any]:
    return {"code": code, "label_de": de, "label_en": en, **fields}


def _stock(code: str, de: str, en: str, **fields: Any) -> dict[str, Any]:
    return _metric(code, de, en, kind="stock", time_aggregation="last", **fields)


def _flow(code: str, de: str, en: str, **fields: Any) -> dict[str, Any]:
    return _metric(code, de, en, kind="flow", time_aggregation="sum", **fields)


def seed() -> list[dict[str, Any]]:
    """Every metric of the first catalogue, in display order."""
    pop = {"unit": "persons", "periodicity": "year", "group": "population"}
    items = [
        _stock("POP_TOTAL", "Einwohner insgesamt", "Total population", **pop),
        _stock("POP_0_5", "Einwohner 0–5 Jahre", "Population aged 0–5", part_of="POP_TOTAL", **pop),
        _stock(
            "POP_6_13", "Einwohner 6–13 Jahre", "Population aged 6–13", part_of="POP_TOTAL", **pop
        ),
        _stock(
            "POP_14_17",
            "Einwohner 14–17 Jahre",
            "Population aged 14–17",
            part_of="POP_TOTAL",
            **pop,
        ),
        _stock(
            "POP_18_20",
            "Einwohner 18–20 Jahre",
            "Population aged 18–20",
            part_of="POP_TOTAL",
            **pop,
        ),
        _stock(
            "POP_U18",
            "Einwohner unter 18 Jahren",
            "Population under 18",
            part_of="POP_TOTAL",
            rules={**WITHIN_RULES, "at_most": "POP_U21"},
            **pop,
        ),
        _stock(
            "POP_U21",
            "Einwohner unter 21 Jahren",
            "Population under 21",
            part_of="POP_TOTAL",
            rules=dict(WITHIN_RULES),
            **pop,
        ),
    ]
    cases = {"unit": "cases", "group": "hze"}
    items += [
        _stock(
            "HZE_RUN",
            "HzE laufende Fälle (§§ 27–35, 41, ohne EB)",
            "HzE running cases (§§ 27–35, 41, excl. counselling)",
            **cases,
        ),
        _flow(
            "HZE_NEW", "HzE begonnene Fälle (ohne EB)", "HzE new cases (excl. counselling)", **cases
        ),
        _flow(
            "HZE_END",
            "HzE beendete Fälle (ohne EB)",
            "HzE ended cases (excl. counselling)",
            **cases,
        ),
    ]
    for suffix, de, en in HELP_TYPES:
        within = {"rules": dict(WITHIN_RULES)} if suffix in WITHIN else {}
        items += [
            _stock(
                f"HZE_RUN_{suffix}",
                f"Laufende Fälle {de}",
                f"Running cases {en}",
                part_of="HZE_RUN",
                help_type=suffix,
                **within,
                **cases,
            ),
            _flow(
                f"HZE_NEW_{suffix}",
                f"Begonnene Fälle {de}",
                f"New cases {en}",
                part_of="HZE_NEW",
                help_type=suffix,
                **within,
                **cases,
            ),
            _flow(
                f"HZE_END_{suffix}",
                f"Beendete Fälle {de}",
                f"Ended cases {en}",
                part_of="HZE_END",
                help_type=suffix,
                **within,
                **cases,
            ),
        ]
    eb = {"unit": "cases", "group": "eb", "includes_eb": True, "help_type": "28"}
    egh = {"unit": "cases", "group": "egh35a", "includes_35a": True, "help_type": "35a"}
    items += [
        _stock("EB_RUN", "Erziehungsberatung § 28 laufend", "Counselling § 28 running", **eb),
        _flow("EB_NEW", "Erziehungsberatung § 28 begonnen", "Counselling § 28 new", **eb),
        _flow("EB_END", "Erziehungsberatung § 28 beendet", "Counselling § 28 ended", **eb),
        _stock(
            "EGH35A_RUN",
            "Eingliederungshilfe § 35a laufend",
            "Integration help § 35a running",
            **egh,
        ),
        _flow(
            "EGH35A_NEW", "Eingliederungshilfe § 35a begonnen", "Integration help § 35a new", **egh
        ),
        _flow(
            "EGH35A_END", "Eingliederungshilfe § 35a beendet", "Integration help § 35a ended", **egh
        ),
        _flow(
            "ION_COUNT",
            "Inobhutnahmen § 42/42a",
            "Protective custody § 42/42a",
            unit="cases",
            group="protection",
            help_type="42",
        ),
        _flow(
            "KWG8A_COUNT",
            "Gefährdungseinschätzungen § 8a",
            "Risk assessments § 8a",
            unit="procedures",
            group="protection",
            help_type="8a",
        ),
        _flow(
            "HZE_EXP_TOTAL",
            "Ausgaben HzE inkl. § 41",
            "HzE expenditure incl. § 41",
            unit="EUR",
            group="costs",
            rules={"min": 0, "integer": False, "warn_factor": 3},
        ),
        _flow(
            "SRO_OTHER_HELP",
            "Niedrigschwellige Hilfen ohne HzE-Bescheid",
            "Low-threshold help without formal HzE",
            unit="cases",
            group="sro",
        ),
    ]
    rollup = {"unit": "count", "group": "sro", "rules": {"source": "activities", "min": 0}}
    items += [
        _flow("SRO_ACTIVITIES", "Dokumentierte Aktivitäten", "Logged activities", **rollup),
        _flow("SRO_PARTICIPANTS", "Teilnehmende an Aktivitäten", "Activity participants", **rollup),
        _flow(
            "SRO_GROUP_SESSIONS", "Gruppentermine (fallübergreifend)", "Group sessions", **rollup
        ),
        _flow("SRO_SHORT_COUNSEL", "Kurzberatungen (Fall im Feld)", "Short counselling", **rollup),
        _flow("SRO_NETWORK_EVENTS", "Netzwerktreffen im Sozialraum", "Network meetings", **rollup),
    ]
    for position, item in enumerate(items, start=1):
        item.setdefault("position", position)
        item.setdefault("rules", {"min": 0, "integer": True, "warn_factor": 3})
    return items
