"""Indicators computed from the metric catalogue (domain-facts.md §2.3 and §7).

Every rate is a ratio of sums: the numerators and denominators are summed over areas and
then divided, never averaged. The annual HzE case count follows Destatis: cases running on
31 December plus cases ended during the year — which is exactly what summing a stock metric
(its December value) and a flow metric (its yearly sum) gives. A stock without its December
value makes the year "unvollständig" (:mod:`saas.indicators.engine`), never the last month.

§ 41 as Destatis counts it: help for young adults is contained in the help types §§ 27–35
(a § 41 help takes the form of one of them), so the ambulant, day-group and residential
shares add up to 100 %; ``HZE_*_41`` is a "darunter" line. The HzE rate's numerator
includes young adults aged 21 to 26 while its denominator is the under-21 population — the
convention of the Eckwert, stated in :data:`NOTE_41`.

Cost per case is expenditure per *running case-year*: the year's expenditure divided by the
mean of the twelve monthly stocks (``HZE_RUN@avg``), not by the Destatis count (which adds
the ended cases to the December stock and so divides by far more cases than were paid for
over the year). The metric suffix ``@avg`` asks the engine for that mean.

Units: :attr:`Indicator.unit` is the machine kind (``%``, ``‰``, ``EUR`` …);
:meth:`Indicator.unit_text` is the label a reader sees, derived from the denominator (a
test checks it against the metric catalogue). Reference values carry their source, year
and kind (:class:`Reference`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from saas.metrics.catalogue import AMBULANT, HELP_TYPES, PART_RESIDENTIAL, RESIDENTIAL, WITHIN

#: the suffix of a metric code that asks for the mean of its twelve monthly values
AVERAGE = "@avg"

#: what the numerator of every HzE rate includes (the footnote of each HzE indicator)
NOTE_41 = (
    "§ 41 (junge Volljährige) ist wie bei Destatis in den Hilfearten §§ 27–35 enthalten; der "
    "Zähler umfasst junge Menschen bis unter 27 Jahren, der Nenner die Einwohner unter 21 Jahren"
)
NOTE_41_EN = (
    "§ 41 (young adults) is contained in the help types §§ 27–35, as Destatis counts it; the "
    "numerator includes young people up to 26, the denominator is the population under 21"
)

#: the kinds of reference values
KINDS = {
    "official": ("amtlich", "official"),
    "estimated": ("geschätzt", "estimated"),
    "derived": ("abgeleitet", "derived"),
}


@dataclass(frozen=True)
class Reference:
    """A reference value with where it comes from.

    ``kind``: ``official`` (published as is by a statistics office), ``estimated`` (rests on
    an assumed population or scope) or ``derived`` (computed from published figures).
    """

    region: str
    year: int
    value: float
    source: str
    kind: str

    def label(self, region_name: str, locale: str = "de") -> str:
        """E.g. "Saarland 2023 (amtlich; ism/Statistisches Amt Saarland)"."""
        kind = KINDS[self.kind][1 if locale.startswith("en") else 0]
        return f"{region_name} {self.year} ({kind}; {self.source})"


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
    #: reference values with source and kind (:class:`Reference`)
    sources: tuple[Reference, ...] = ()
    note_de: str = ""
    note_en: str = ""
    #: the reader's unit label (German, English); derived from the denominator if empty
    unit_de: str = ""
    unit_en: str = ""

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)

    @property
    def references(self) -> dict[str, dict[int, float]]:
        """The reference values as {region: {year: value}} (the charts' lines)."""
        result: dict[str, dict[int, float]] = {}
        for ref in self.sources:
            result.setdefault(ref.region, {})[ref.year] = ref.value
        return result

    def reference(self, region: str, year: int) -> Reference | None:
        return next((r for r in self.sources if r.region == region and r.year == year), None)

    def metric_codes(self) -> set[str]:
        return set(self.numerator) | set(self.denominator)

    def unit_text(self, locale: str = "de") -> str:
        """The unit as a reader sees it, e.g. "je 1.000 Einwohner unter 18 Jahren"."""
        return self.unit_en if locale.startswith("en") else self.unit_de

    def note(self, locale: str = "de") -> str:
        return self.note_en if locale.startswith("en") else self.note_de


def cases(suffix: str) -> tuple[str, str]:
    """Annual case count of one help type: running on 31 Dec + ended in the year."""
    return (f"HZE_RUN_{suffix}", f"HZE_END_{suffix}")


def _types(suffixes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for suffix in suffixes for code in cases(suffix))


HZE_CASES = ("HZE_RUN", "HZE_END")
CASE_YEARS = (f"HZE_RUN{AVERAGE}",)
U21 = ("POP_U21",)

#: the reader's name of each denominator (German, English; singular after "je" for EUR)
_DENOMINATORS: dict[tuple[str, ...], tuple[str, str]] = {
    HZE_CASES: ("der HzE-Fälle", "of HzE cases"),
    CASE_YEARS: ("laufendem Fall und Jahr (Fall-Jahr)", "running case-year"),
}
_COUNTS = {
    "cases": ("Fälle", "cases"),
    "persons": ("Personen", "persons"),
    "procedures": ("Verfahren", "procedures"),
    "count": ("Anzahl", "count"),
    "case-years": ("Fall-Jahre", "case-years"),
    "EUR": ("EUR", "EUR"),
}


def _population(denominator: tuple[str, ...]) -> tuple[str, str] | None:
    """The catalogue's label of a single population metric ("Einwohner unter 18 Jahren")."""
    from saas.metrics.catalogue import seed

    if len(denominator) != 1:
        return None
    found = next((m for m in seed() if m["code"] == denominator[0]), None)
    if found is None or found.get("group") != "population":
        return None
    english = found["label_en"].replace("Population", "residents")
    return found["label_de"], english[0].lower() + english[1:]


def unit_texts(unit: str, scale: float, denominator: tuple[str, ...]) -> tuple[str, str]:
    """(German, English) unit label from the kind of unit and the denominator.

    A rate names what it is divided by: "je 1.000 Einwohner unter 21 Jahren", "% der
    HzE-Fälle", "EUR je laufendem Fall und Jahr (Fall-Jahr)". Raises for a denominator it
    cannot name, so a new rate cannot go out with a made-up unit.
    """
    if not denominator:
        return _COUNTS.get(unit, (unit, unit))
    names = _population(denominator) or _DENOMINATORS.get(denominator)
    if names is None:
        raise ValueError(f"no unit label for the denominator {denominator}")
    de, en = names
    population = names is not _DENOMINATORS.get(denominator)
    if unit == "%":
        if population:
            return f"% der {de}", f"% of the {en.replace('residents', 'population')}"
        return f"% {de}", f"% {en}"
    if unit == "EUR":
        return f"EUR je {de}", f"EUR per {en.removeprefix('of ').replace('residents', 'resident')}"
    number = {1000: ("1.000", "1,000"), 10000: ("10.000", "10,000")}[int(scale)]
    return f"je {number[0]} {de}", f"per {number[1]} {en}"


_SL_REPORT = "ism, HzE-Bericht Saarland 2023"
_AKJSTAT = "AKJStat HzE-Monitor (Destatis)"
_DESTATIS = "Destatis, Kinder- und Jugendhilfestatistik 2023"
_AKJSTAT_35A = "AKJStat HzE-Monitor, Steckbrief § 35a"

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
        note_de="laufende Hilfen am 31.12. + im Jahr beendete Hilfen; " + NOTE_41,
        note_en="running on 31 December + ended in the year; " + NOTE_41_EN,
    ),
    Indicator(
        "HZE_ECKWERT",
        "HzE-Eckwert je 1.000 unter 21-Jährige (ohne EB)",
        "HzE rate per 1,000 under-21s (excl. counselling)",
        "‰",
        HZE_CASES,
        U21,
        1000,
        sources=(
            Reference("DE", 2023, 31.8, "Destatis 2023: 532.507 Fälle / 16,77 Mio.", "derived"),
            Reference("NW", 2021, 37.0, "IT.NRW 2021, Nenner unter 21 geschätzt", "estimated"),
            Reference("SL", 2022, 42.2, _SL_REPORT, "official"),
            Reference("SL", 2023, 41.9, _SL_REPORT, "official"),
        ),
        note_de=NOTE_41,
        note_en=NOTE_41_EN,
    ),
    Indicator(
        "HZE_ECKWERT_INCL_EB",
        "HzE inkl. Erziehungsberatung je 10.000 unter 21-Jährige",
        "HzE incl. counselling per 10,000 under-21s",
        "per 10,000",
        (*HZE_CASES, "EB_RUN", "EB_END"),
        U21,
        10000,
        sources=(
            Reference("DE", 2021, 589.0, _AKJSTAT, "official"),
            Reference("DE", 2022, 593.0, _AKJSTAT, "official"),
            Reference("DE", 2023, 616.0, _AKJSTAT, "official"),
        ),
        note_de=NOTE_41,
        note_en=NOTE_41_EN,
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
        "Anteil ambulanter Hilfen (§§ 27.2, 29–31, 35)",
        "Share of ambulant help (§§ 27(2), 29–31, 35)",
        "%",
        _types(AMBULANT),
        HZE_CASES,
        100,
        sources=(Reference("DE", 2023, 55.6, _DESTATIS + ", § 35 ambulant", "derived"),),
        note_de=NOTE_41,
        note_en=NOTE_41_EN,
    ),
    Indicator(
        "HZE_TEILSTAT_SHARE",
        "Anteil teilstationärer Hilfen (§ 32)",
        "Share of day-group help (§ 32)",
        "%",
        _types(PART_RESIDENTIAL),
        HZE_CASES,
        100,
        sources=(Reference("DE", 2023, 4.1, _DESTATIS, "derived"),),
        note_de=NOTE_41,
        note_en=NOTE_41_EN,
    ),
    Indicator(
        "HZE_STAT_SHARE",
        "Anteil stationärer Hilfen (§§ 33, 34)",
        "Share of residential and foster care (§§ 33, 34)",
        "%",
        _types(RESIDENTIAL),
        HZE_CASES,
        100,
        sources=(Reference("DE", 2023, 40.3, _DESTATIS, "derived"),),
        note_de=NOTE_41,
        note_en=NOTE_41_EN,
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
        sources=(Reference("DE", 2023, 94.6, _AKJSTAT_35A, "official"),),
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
        "Ausgaben HzE inkl. § 41 (ohne EB und § 35a)",
        "HzE expenditure incl. § 41 (excl. counselling and § 35a)",
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
        sources=(
            Reference("DE", 2022, 717.0, _AKJSTAT + ", inkl. EB", "official"),
            Reference("DE", 2023, 798.0, _AKJSTAT + ", inkl. EB", "official"),
        ),
        note_de="Ausgaben ohne Erziehungsberatung und § 35a; der Bundeswert schließt die "
        "Erziehungsberatung ein",
        note_en="expenditure without counselling and § 35a; the national value includes "
        "counselling",
    ),
    Indicator(
        "HZE_CASE_YEARS",
        "HzE-Fall-Jahre (durchschnittlich laufende Hilfen)",
        "HzE case-years (average running cases)",
        "case-years",
        CASE_YEARS,
        note_de="Mittel der zwölf Monatsbestände laufender Hilfen",
        note_en="mean of the twelve monthly stocks of running cases",
    ),
    Indicator(
        "HZE_CASE_YEARS_RATE",
        "HzE-Fall-Jahre je 1.000 unter 21-Jährige",
        "HzE case-years per 1,000 under-21s",
        "‰",
        CASE_YEARS,
        U21,
        1000,
    ),
    Indicator(
        "HZE_COST_PER_CASE",
        "Ausgaben je laufendem HzE-Fall und Jahr",
        "Expenditure per running HzE case-year",
        "EUR",
        ("HZE_EXP_TOTAL",),
        CASE_YEARS,
        1,
        counts_cases=False,
        note_de="Ausgaben des Jahres geteilt durch den durchschnittlichen Bestand laufender "
        "Hilfen (Mittel der zwölf Monate), nicht durch die Destatis-Fallzahl",
        note_en="the year's expenditure divided by the average stock of running cases (mean "
        "of the twelve months), not by the Destatis case count",
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
    _within = _suffix in WITHIN
    _ALL.append(
        Indicator(
            f"HZE_CASES_{_suffix}",
            f"Fallzahl {_de}",
            f"Case count {_en}",
            "cases",
            cases(_suffix),
            note_de=NOTE_41 if _within else "",
            note_en=NOTE_41_EN if _within else "",
        )
    )
    _ALL.append(
        Indicator(
            f"HZE_CASE_YEARS_{_suffix}",
            f"Fall-Jahre {_de}",
            f"Case-years {_en}",
            "case-years",
            (f"HZE_RUN_{_suffix}{AVERAGE}",),
        )
    )
_ALL = [
    replace(
        i,
        unit_de=i.unit_de or unit_texts(i.unit, i.scale, i.denominator)[0],
        unit_en=i.unit_en or unit_texts(i.unit, i.scale, i.denominator)[1],
    )
    for i in _ALL
]

INDICATORS: dict[str, Indicator] = {indicator.code: indicator for indicator in _ALL}

#: metrics computed from the activity log instead of stored figures
ACTIVITY_METRICS = (
    "SRO_ACTIVITIES",
    "SRO_PARTICIPANTS",
    "SRO_GROUP_SESSIONS",
    "SRO_SHORT_COUNSEL",
    "SRO_NETWORK_EVENTS",
)
