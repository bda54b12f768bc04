"""The shared report templates as first delivered (version 1).

Migration 0006 inserts them; platform admins maintain new versions in the browser
afterwards (a new row per version). The definitions name no tenant's area level: sections by
area use the level chosen on the report page. See :mod:`saas.reports.definition`.
"""

from __future__ import annotations

from typing import Any

from saas.metrics.catalogue import HELP_TYPES

HELP_TYPE_CASES = [f"HZE_CASES_{suffix}" for suffix, _de, _en in HELP_TYPES]

JAHRESBERICHT: dict[str, Any] = {
    "code": "jahresbericht-sozialraumarbeit",
    "title_de": "Jahresbericht Sozialraumarbeit",
    "title_en": "Annual report on social-space work",
    "description": (
        "Aktivitäten und Teilnehmende nach {office}, Art, Angebot und Grundsatz; "
        "niedrigschwellige Hilfen ohne HzE-Bescheid."
    ),
    "definition": {
        "sections": [
            {
                "type": "text",
                "title_de": "Über diesen Bericht",
                "title_en": "About this report",
                "text_de": (
                    "Der Bericht fasst die dokumentierte Arbeit der {offices} zusammen: "
                    "Gruppenangebote, Kurzberatungen („Fall im Feld“), Netzwerktreffen, "
                    "Veranstaltungen und aufsuchende Arbeit. Gezählt werden Aktivitäten und "
                    "Teilnehmende; personenbezogene Daten von Familien werden nicht erfasst."
                ),
                "text_en": (
                    "The report summarises the logged work of the {offices}: group offerings, "
                    "short counselling (“case in the field”), network meetings, events and "
                    "outreach. Activities and participants are counted; no personal data of "
                    "families is recorded."
                ),
            },
            {
                "type": "kpis",
                "title_de": "Das Jahr in Zahlen",
                "title_en": "The year in figures",
                "indicators": [
                    "SRO_ACTIVITIES",
                    "SRO_PARTICIPANTS",
                    "SRO_GROUP_SESSIONS",
                    "SRO_SHORT_COUNSEL",
                    "SRO_NETWORK_EVENTS",
                    "SRO_OTHER_HELP",
                ],
            },
            {
                "type": "timeseries",
                "title_de": "Aktivitäten nach Art im Zeitverlauf",
                "title_en": "Activities by kind over time",
                "indicators": [
                    "SRO_ACTIVITIES",
                    "SRO_GROUP_SESSIONS",
                    "SRO_SHORT_COUNSEL",
                    "SRO_NETWORK_EVENTS",
                ],
            },
            {
                "type": "activities",
                "title_de": "Aktivitäten je {office}",
                "title_en": "Activities per {office}",
                "by": "office",
                "years": "range",
                "measures": ["activities"],
            },
            {
                "type": "activities",
                "title_de": "Aktivitäten und Teilnehmende je {office} im letzten Jahr",
                "title_en": "Activities and participants per {office} in the last year",
                "by": "office",
                "years": "last",
            },
            {
                "type": "activities",
                "title_de": "Aktivitäten nach Art",
                "title_en": "Activities by kind",
                "by": "kind",
                "years": "last",
            },
            {
                "type": "activities",
                "title_de": "Aktivitäten nach Angebot",
                "title_en": "Activities by offering",
                "by": "offering",
                "years": "last",
            },
            {
                "type": "activities",
                "title_de": "Aktivitäten nach Grundsatz der Sozialraumorientierung",
                "title_en": "Activities by principle of social-space orientation",
                "text_de": (
                    "Eine Aktivität kann mehreren Grundsätzen zugeordnet sein; die Summe der "
                    "Zeilen ist daher größer als die Zahl der Aktivitäten."
                ),
                "text_en": (
                    "An activity can be tagged with several principles, so the rows add up to "
                    "more than the number of activities."
                ),
                "by": "principle",
                "years": "last",
            },
            {
                "type": "bars",
                "title_de": "Aktivitäten je {area}",
                "title_en": "Activities per {area}",
                "indicators": ["SRO_ACTIVITIES"],
            },
            {
                "type": "table",
                "title_de": "Niedrigschwellige Hilfen und Aktivitäten je {area}",
                "title_en": "Low-threshold help and activities per {area}",
                "indicators": ["SRO_OTHER_HELP", "SRO_ACTIVITIES", "SRO_PARTICIPANTS"],
                "by": "level",
                "years": "last",
            },
        ]
    },
}

ENTWICKLUNG_HZE: dict[str, Any] = {
    "code": "entwicklung-hze",
    "title_de": "Entwicklung der Hilfen zur Erziehung",
    "title_en": "Development of child-rearing help (HzE)",
    "description": (
        "Fallzahlen nach Hilfeart, HzE-Eckwert, Anteile ambulanter, teilstationärer und "
        "stationärer Hilfen, Zehn-Jahres-Verlauf, nach {area}."
    ),
    "definition": {
        "sections": [
            {
                "type": "kpis",
                "title_de": "Kennzahlen des letzten Jahres",
                "title_en": "Key figures of the last year",
                "indicators": ["HZE_CASES", "HZE_ECKWERT", "HZE_NEW", "HZE_STAT_SHARE"],
            },
            {
                "type": "timeseries",
                "title_de": "HzE-Eckwert im Zeitverlauf",
                "title_en": "HzE rate over time",
                "text_de": (
                    "Fälle der Hilfen zur Erziehung ohne Erziehungsberatung (§ 28), inkl. § 41, "
                    "je 1.000 Einwohner unter 21 Jahren. Fallzahl nach Destatis: am 31.12. "
                    "laufende plus im Jahr beendete Hilfen."
                ),
                "text_en": (
                    "Cases of child-rearing help excluding counselling (§ 28), including § 41, "
                    "per 1,000 residents under 21. Case count as Destatis: running on 31 Dec "
                    "plus ended during the year."
                ),
                "indicators": ["HZE_ECKWERT"],
            },
            {
                "type": "table",
                "title_de": "Fälle nach Hilfeart",
                "title_en": "Cases by help type",
                "indicators": [*HELP_TYPE_CASES, "HZE_CASES"],
            },
            {
                "type": "timeseries",
                "title_de": "Ambulante, teilstationäre und stationäre Hilfen",
                "title_en": "Ambulant, day-group and residential help",
                "indicators": ["HZE_AMB_SHARE", "HZE_TEILSTAT_SHARE", "HZE_STAT_SHARE"],
            },
            {
                "type": "bars",
                "title_de": "HzE-Eckwert je {area}",
                "title_en": "HzE rate per {area}",
                "indicators": ["HZE_ECKWERT"],
            },
            {
                "type": "table",
                "title_de": "Hilfen zur Erziehung je {area} im letzten Jahr",
                "title_en": "Child-rearing help per {area} in the last year",
                "indicators": [
                    "HZE_CASES",
                    "HZE_ECKWERT",
                    "HZE_AMB_SHARE",
                    "HZE_STAT_SHARE",
                    "HZE_CASES_34",
                ],
                "by": "level",
                "years": "last",
            },
            {
                "type": "timeseries",
                "title_de": "HzE-Eckwert je {area} im Zeitverlauf",
                "title_en": "HzE rate per {area} over time",
                "indicators": ["HZE_ECKWERT"],
                "by": "level",
            },
        ]
    },
}

KOSTEN: dict[str, Any] = {
    "code": "kosten-der-hilfen",
    "title_de": "Kosten der Hilfen",
    "title_en": "Cost of help",
    "description": (
        "Ausgaben für Hilfen zur Erziehung, Ausgaben je Einwohner unter 21 Jahren, Ausgaben "
        "je Fall."
    ),
    "definition": {
        "sections": [
            {
                "type": "kpis",
                "title_de": "Ausgaben im letzten Jahr",
                "title_en": "Expenditure in the last year",
                "indicators": ["HZE_EXP_TOTAL", "HZE_EXP_PER_U21", "HZE_COST_PER_CASE"],
            },
            {
                "type": "timeseries",
                "title_de": "Ausgaben für Hilfen zur Erziehung",
                "title_en": "Expenditure on child-rearing help",
                "indicators": ["HZE_EXP_TOTAL"],
            },
            {
                "type": "timeseries",
                "title_de": "Ausgaben je Einwohner unter 21 Jahren",
                "title_en": "Expenditure per resident under 21",
                "indicators": ["HZE_EXP_PER_U21"],
            },
            {
                "type": "table",
                "title_de": "Ausgaben und Fälle im Zeitverlauf",
                "title_en": "Expenditure and cases over time",
                "text_de": (
                    "Ausgaben je Fall = Ausgaben HzE ÷ HzE-Fallzahl (laufende Hilfen am 31.12. "
                    "+ im Jahr beendete Hilfen). Der Kennzahlenkatalog erfasst die Ausgaben "
                    "insgesamt, nicht je Hilfeart; die Fälle je Hilfeart zeigt die Tabelle."
                ),
                "text_en": (
                    "Expenditure per case = HzE expenditure ÷ HzE case count (running on 31 Dec "
                    "+ ended in the year). The metric catalogue records total expenditure, not "
                    "expenditure per help type; the table shows the cases per help type."
                ),
                "indicators": [
                    "HZE_EXP_TOTAL",
                    "HZE_EXP_PER_U21",
                    "HZE_COST_PER_CASE",
                    "HZE_CASES",
                    *HELP_TYPE_CASES,
                ],
            },
            {
                "type": "bars",
                "title_de": "Ausgaben je Einwohner unter 21 Jahren je {area}",
                "title_en": "Expenditure per resident under 21 per {area}",
                "indicators": ["HZE_EXP_PER_U21"],
            },
            {
                "type": "table",
                "title_de": "Ausgaben je {area} im letzten Jahr",
                "title_en": "Expenditure per {area} in the last year",
                "indicators": ["HZE_EXP_TOTAL", "HZE_EXP_PER_U21", "HZE_COST_PER_CASE"],
                "by": "level",
                "years": "last",
            },
        ]
    },
}

SOZIALRAUMPROFIL: dict[str, Any] = {
    "code": "sozialraumprofil",
    "title_de": "Sozialraumprofil",
    "title_en": "Social-space profile",
    "description": (
        "Bevölkerung, Altersstruktur, HzE-Eckwert und Aktivitäten je {area} nebeneinander."
    ),
    "definition": {
        "sections": [
            {
                "type": "kpis",
                "title_de": "Die Kommune im letzten Jahr",
                "title_en": "The municipality in the last year",
                "indicators": ["POP_TOTAL", "POP_U21", "SHARE_U18", "HZE_ECKWERT"],
            },
            {
                "type": "table",
                "title_de": "{areas} im Überblick",
                "title_en": "{areas} at a glance",
                "indicators": [
                    "POP_TOTAL",
                    "SHARE_U18",
                    "HZE_ECKWERT",
                    "HZE_STAT_SHARE",
                    "SRO_ACTIVITIES",
                ],
                "by": "level",
                "years": "last",
            },
            {
                "type": "table",
                "title_de": "Bevölkerung und Altersstruktur",
                "title_en": "Population and age structure",
                "indicators": ["POP_TOTAL", "POP_U18", "POP_U21", "SHARE_U18"],
                "by": "level",
                "years": "last",
            },
            {
                "type": "bars",
                "title_de": "Anteil unter 18-Jähriger je {area}",
                "title_en": "Share under 18 per {area}",
                "indicators": ["SHARE_U18"],
            },
            {
                "type": "table",
                "title_de": "Hilfen zur Erziehung je {area}",
                "title_en": "Child-rearing help per {area}",
                "indicators": [
                    "HZE_CASES",
                    "HZE_ECKWERT",
                    "HZE_STAT_SHARE",
                    "EB_CASES",
                    "SRO_OTHER_HELP",
                ],
                "by": "level",
                "years": "last",
            },
            {
                "type": "bars",
                "title_de": "HzE-Eckwert je {area}",
                "title_en": "HzE rate per {area}",
                "indicators": ["HZE_ECKWERT"],
            },
            {
                "type": "table",
                "title_de": "Aktivitäten je {area}",
                "title_en": "Activities per {area}",
                "indicators": [
                    "SRO_ACTIVITIES",
                    "SRO_PARTICIPANTS",
                    "SRO_GROUP_SESSIONS",
                    "SRO_SHORT_COUNSEL",
                ],
                "by": "level",
                "years": "last",
            },
        ]
    },
}

LIBRARY: tuple[dict[str, Any], ...] = (JAHRESBERICHT, ENTWICKLUNG_HZE, KOSTEN, SOZIALRAUMPROFIL)
