"""Indicators computed from the metric catalogue (domain-facts.md §2.3 and §7).

Every rate is a ratio of sums: the numerators and denominators are summed over areas and
then divided, never averaged. The annual HzE case count follows Destatis: cases running on
31 December plus cases ended during the year — which is exactly what summing a stock metric
(its December value) and a flow metric (its yearly sum) gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from saas.metrics.catalogue import AMBULANT, HELP_TYPES, PART_RESIDENTIAL, RESIDENTIAL


@dataclass(frozen=True)
class Indicator:
    """A count (``denominator`` empty) or a rate ``sum(numerator) / sum(denominator) × scale``."""

    code: str
    label_de: str
    label_en: str
    unit: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    #: the numerator counts cases or people, so small values are disclosive
    counts_cases: bool = True
    #: reference values from official statistics: {"DE": {2023: 31.8}, …}
    references: dict[str, dict[int, float]] = field(default_factory=dict)
    note_de: str = ""

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)

    def metric_codes(self) -> set[str]:
        return set(self.numerator) | set(self.denominator)


def cases(suffix: str) -> tuple[str, str]:
    """Annual case count of one help type: running on 31 Dec + ended in the year."""
    return (f"HZE_RUN_{suffix}", f"HZE_END_{suffix}")


def _types(suffixes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for suffix in suffixes for code in cases(suffix))


HZE_CASES = ("HZE_RUN", "HZE_END")
U21 = ("POP_U21",)

_ALL: list[Indicator] = [
    Indicator(
        "POP_TOTAL",
        "Einwohner insgesamt",
        "Total population",
        "persons",
        ("POP_TOTAL",),
        counts_cases=False,
    ),
    Indicator(
        "POP_U18",
        "Einwohner unter 18",
        "Population under 18",
        "persons",
        ("POP_U18",),
        counts_cases=False,
    ),
    Indicator(
        "POP_U21", "Einwohner unter 21", "Population under 21", "persons", U21, counts_cases=False
    ),
    Indicator(
        "SHARE_U18",
        "Anteil unter 18-Jähriger",
        "Share under 18",
        "%",
        ("POP_U18",),
        ("POP_TOTAL",),
        100,
        counts_cases=False,
    ),
    Indicator(
        "HZE_CASES",
        "HzE-Fallzahl (ohne EB, inkl. § 41)",
        "HzE case count (excl. counselling, incl. § 41)",
        "cases",
        HZE_CASES,
        note_de="laufende Hilfen am 31.12. + im Jahr beendete Hilfen",
    ),
    Indicator(
        "HZE_ECKWERT",
        "HzE-Eckwert je 1.000 unter 21-Jährige (ohne EB)",
        "HzE rate per 1,000 under-21s (excl. counselling)",
        "‰",
        HZE_CASES,
        U21,
        1000,
        references={"DE": {2023: 31.8}, "NW": {2023: 37.0}, "SL": {2023: 41.9}},
    ),
    Indicator(
        "HZE_ECKWERT_INCL_EB",
        "HzE inkl. Erziehungsberatung je 10.000 unter 21-Jährige",
        "HzE incl. counselling per 10,000 under-21s",
        "per 10,000",
        (*HZE_CASES, "EB_RUN", "EB_END"),
        U21,
        10000,
        references={"DE": {2023: 616.0}},
    ),
    Indicator(
        "HZE_NEW",
        "Begonnene HzE (ohne EB)",
        "New HzE cases (excl. counselling)",
        "cases",
        ("HZE_NEW",),
    ),
    Indicator(
        "HZE_AMB_SHARE",
        "Anteil ambulanter Hilfen",
        "Share of ambulant help",
        "%",
        _types(AMBULANT),
        HZE_CASES,
        100,
        references={"DE": {2023: 55.6}},
    ),
    Indicator(
        "HZE_TEILSTAT_SHARE",
        "Anteil teilstationärer Hilfen (§ 32)",
        "Share of day-group help (§ 32)",
        "%",
        _types(PART_RESIDENTIAL),
        HZE_CASES,
        100,
        references={"DE": {2023: 4.1}},
    ),
    Indicator(
        "HZE_STAT_SHARE",
        "Anteil stationärer Hilfen (§§ 33, 34)",
        "Share of residential and foster care (§§ 33, 34)",
        "%",
        _types(RESIDENTIAL),
        HZE_CASES,
        100,
        references={"DE": {2023: 40.3}},
    ),
    Indicator(
        "EB_CASES",
        "Erziehungsberatung (§ 28) – Fallzahl",
        "Counselling (§ 28) cases",
        "cases",
        ("EB_RUN", "EB_END"),
    ),
    Indicator(
        "EGH35A_CASES",
        "Eingliederungshilfe § 35a – Fallzahl",
        "Integration help § 35a cases",
        "cases",
        ("EGH35A_RUN", "EGH35A_END"),
    ),
    Indicator(
        "EGH35A_RATE",
        "Eingliederungshilfe § 35a je 10.000 unter 21-Jährige",
        "Integration help § 35a per 10,000 under-21s",
        "per 10,000",
        ("EGH35A_RUN", "EGH35A_END"),
        U21,
        10000,
        references={"DE": {2023: 94.6}},
    ),
    Indicator(
        "ION_COUNT", "Inobhutnahmen (§ 42)", "Protective custody (§ 42)", "cases", ("ION_COUNT",)
    ),
    Indicator(
        "KWG8A_COUNT",
        "Gefährdungseinschätzungen (§ 8a)",
        "Risk assessments (§ 8a)",
        "procedures",
        ("KWG8A_COUNT",),
    ),
    Indicator(
        "KWG8A_RATE_U18",
        "§ 8a-Verfahren je 1.000 unter 18-Jährige",
        "Risk assessments per 1,000 under-18s",
        "‰",
        ("KWG8A_COUNT",),
        ("POP_U18",),
        1000,
    ),
    Indicator(
        "HZE_EXP_TOTAL",
        "Ausgaben HzE inkl. § 41",
        "HzE expenditure incl. § 41",
        "EUR",
        ("HZE_EXP_TOTAL",),
        counts_cases=False,
    ),
    Indicator(
        "HZE_EXP_PER_U21",
        "Ausgaben HzE je Einwohner unter 21",
        "HzE expenditure per resident under 21",
        "EUR",
        ("HZE_EXP_TOTAL",),
        U21,
        1,
        counts_cases=False,
        references={"DE": {2023: 798.0}},
    ),
    Indicator(
        "HZE_COST_PER_CASE",
        "Ausgaben je HzE-Fall",
        "Expenditure per HzE case",
        "EUR",
        ("HZE_EXP_TOTAL",),
        HZE_CASES,
        1,
        counts_cases=False,
    ),
    Indicator(
        "SRO_OTHER_HELP",
        "Niedrigschwellige Hilfen ohne HzE-Bescheid",
        "Low-threshold help without formal HzE",
        "cases",
        ("SRO_OTHER_HELP",),
    ),
    Indicator(
        "SRO_ACTIVITIES",
        "Dokumentierte Aktivitäten",
        "Logged activities",
        "count",
        ("SRO_ACTIVITIES",),
        counts_cases=False,
    ),
    Indicator(
        "SRO_PARTICIPANTS",
        "Teilnehmende an Aktivitäten",
        "Activity participants",
        "persons",
        ("SRO_PARTICIPANTS",),
        counts_cases=False,
    ),
    Indicator(
        "SRO_GROUP_SESSIONS",
        "Gruppentermine",
        "Group sessions",
        "count",
        ("SRO_GROUP_SESSIONS",),
        counts_cases=False,
    ),
    Indicator(
        "SRO_SHORT_COUNSEL", "Kurzberatungen", "Short counselling", "count", ("SRO_SHORT_COUNSEL",)
    ),
    Indicator(
        "SRO_NETWORK_EVENTS",
        "Netzwerktreffen",
        "Network meetings",
        "count",
        ("SRO_NETWORK_EVENTS",),
        counts_cases=False,
    ),
]
for _suffix, _de, _en in HELP_TYPES:
    _ALL.append(
        Indicator(
            f"HZE_CASES_{_suffix}", f"Fallzahl {_de}", f"Case count {_en}", "cases", cases(_suffix)
        )
    )

INDICATORS: dict[str, Indicator] = {indicator.code: indicator for indicator in _ALL}

#: metrics computed from the activity log instead of stored figures
ACTIVITY_METRICS = (
    "SRO_ACTIVITIES",
    "SRO_PARTICIPANTS",
    "SRO_GROUP_SESSIONS",
    "SRO_SHORT_COUNSEL",
    "SRO_NETWORK_EVENTS",
)
