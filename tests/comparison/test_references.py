"""Reference values: every one with source, year and kind, and the kind named per value on the
ring page, in its chart and in the CSV/XLSX export (an estimate never passes as official)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from saas.indicators.definitions import INDICATORS, KINDS
from tests.comparison.conftest import ring
from tests.comparison.test_pages import published, ring_url, table_cells  # noqa: F401

#: every reference value with the kind domain-facts.md gives it and the words there that say
#: so: ✅ taken from the source as it is (official), ≈ derived by a calculation shown there,
#: an estimate resting on an assumed base (estimated)
FACTS: dict[tuple[str, str, int], tuple[str, str]] = {
    ("HZE_ECKWERT", "DE", 2023): ("derived", "532,507 / 16.77 m ≈ **31.8 per 1,000**"),
    ("HZE_ECKWERT", "NW", 2021): ("estimated", "This is an estimate and relies on the assumed"),
    ("HZE_ECKWERT", "SL", 2022): ("official", "**Saarland 2023: 41.9** (2022: 42.2)"),
    ("HZE_ECKWERT", "SL", 2023): ("official", "**Saarland 2023: 41.9** (2022: 42.2)"),
    ("HZE_ECKWERT_INCL_EB", "DE", 2021): (
        "official",
        "| Cases per 10,000 under-21s (**incl. EB**)",
    ),
    ("HZE_ECKWERT_INCL_EB", "DE", 2022): (
        "official",
        "| Cases per 10,000 under-21s (**incl. EB**)",
    ),
    ("HZE_ECKWERT_INCL_EB", "DE", 2023): (
        "official",
        "| Cases per 10,000 under-21s (**incl. EB**)",
    ),
    # the lines under "≈ **Derived segment shares, national 2023, excluding EB**"
    ("HZE_AMB_SHARE", "DE", 2023): ("derived", "= 296,153 → **55.6%**"),
    ("HZE_TEILSTAT_SHARE", "DE", 2023): ("derived", "= 21,800 → **4.1%**"),
    ("HZE_STAT_SHARE", "DE", 2023): ("derived", "= 214,554 → **40.3%**"),
    ("EGH35A_RATE", "DE", 2023): ("official", "94.6 per 10,000 under-21s | | ✅ [S36]"),
    ("HZE_EXP_PER_U21", "DE", 2022): ("official", "| **Spending per under-21 (EUR)**"),
    ("HZE_EXP_PER_U21", "DE", 2023): ("official", "| **Spending per under-21 (EUR)**"),
}
#: the sources the values come from ([S#] of domain-facts.md §9), as the data names them
SOURCES = {
    ("HZE_ECKWERT", "SL"): "ism",  # S22 kjh-berichtswesen-sl.de (ism)
    ("HZE_ECKWERT", "NW"): "IT.NRW",  # S73/S74
    ("HZE_ECKWERT_INCL_EB", "DE"): "AKJStat",  # S20
    ("HZE_EXP_PER_U21", "DE"): "AKJStat",  # S20
    ("EGH35A_RATE", "DE"): "AKJStat",  # S36 HzE-Monitor "Steckbrief § 35a"
    ("HZE_AMB_SHARE", "DE"): "Destatis",  # S21
    ("HZE_TEILSTAT_SHARE", "DE"): "Destatis",
    ("HZE_STAT_SHARE", "DE"): "Destatis",
    ("HZE_ECKWERT", "DE"): "Destatis",
}
DOMAIN_FACTS = Path(__file__).resolve().parents[2].parent / "shared" / "domain-facts.md"


def _all_references():
    return {
        (code, ref.region, ref.year): ref
        for code, indicator in INDICATORS.items()
        for ref in indicator.sources
    }


def test_every_reference_value_has_source_year_and_the_kind_domain_facts_gives_it():
    found = _all_references()
    assert set(found) == set(FACTS)  # a new reference value needs its entry here
    for key, ref in found.items():
        kind, _words = FACTS[key]
        assert ref.kind in KINDS and ref.source.strip() and 2000 < ref.year < 2100, key
        assert ref.kind == kind, (key, ref.kind)
        assert SOURCES[key[:2]] in ref.source, (key, ref.source)
        # an official value's source never speaks of an estimate or a derivation
        if ref.kind == "official":
            assert not re.search(r"gesch[äa]tzt|estimat|abgeleitet|≈", ref.source), key


def test_the_kinds_are_the_ones_domain_facts_marks():
    if not DOMAIN_FACTS.exists():
        pytest.skip(f"{DOMAIN_FACTS} is not beside the project")
    text = DOMAIN_FACTS.read_text(encoding="utf-8")
    for key, (kind, words) in FACTS.items():
        line = next((ln for ln in text.splitlines() if words in ln), None)
        assert line is not None, (key, words)
        assert f"{_all_references()[key].value:g}" in line, (key, line)
        if kind == "official":
            assert "≈" not in line and "estimate" not in line, (key, line)
        if kind == "estimated":
            assert "estimate" in line, (key, line)
    assert "≈ **Derived segment shares, national 2023" in text


def _csv(client, query: str) -> list[list[str]]:
    response = client.get(f"/marl/comparison/{ring('nrw-staedte').id}/export.csv?{query}")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_page_and_exports_name_the_kind_of_every_reference_value(published, auth):  # noqa: F811
    client = auth("viewer", "marl")
    query = "indicators=HZE_ECKWERT&indicators=HZE_STAT_SHARE"
    html = client.get(ring_url("marl", "nrw-staedte", query)).get_data(as_text=True)
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # no blanket "official statistics" for all of them
    assert "amtlichen Statistik" not in flat and "official statistics" not in flat
    # every value with its own kind and source in the notes under its table
    assert "Nordrhein-Westfalen 2021: 37,0 (geschätzt; IT.NRW 2021" in flat
    assert "Deutschland 2023: 31,8 (abgeleitet; Destatis 2023" in flat
    assert "Saarland 2023: 41,9 (amtlich; ism, HzE-Bericht Saarland 2023)" in flat
    assert "Deutschland 2023: 40,3 (abgeleitet; Destatis" in flat
    # the reference rows of the tables and the lines of the charts say their kind too
    rows = table_cells(html)
    assert ["Deutschland (Referenz; abgeleitet)", "", "31,8"] in rows
    assert ["Saarland (Referenz; amtlich)", "42,2", "41,9"] in rows
    assert "Nordrhein-Westfalen 2021 (geschätzt)" in html  # the chart's line and legend
    assert "Deutschland 2023 (abgeleitet)" in html

    records = _csv(client, query)
    labels = [r[2] for r in records if len(r) > 2]
    assert "Deutschland (Referenz; abgeleitet)" in labels
    notes = " ".join(r[0] for r in records if len(r) == 1)
    assert "Nordrhein-Westfalen 2021: 37,0 (geschätzt; IT.NRW 2021" in notes
    assert "Deutschland 2023: 40,3 (abgeleitet;" in notes
    assert "amtlichen Statistik" not in notes

    from openpyxl import load_workbook

    xlsx = client.get(f"/marl/comparison/{ring('nrw-staedte').id}/export.xlsx?{query}").data
    cells = [
        str(c)
        for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert "Deutschland (Referenz; abgeleitet)" in cells
    assert any("Nordrhein-Westfalen 2021: 37,0 (geschätzt;" in c for c in cells)
    assert not any("amtlichen Statistik" in c for c in cells)
