"""The published definitions: § 41 inside the help types, units checked against the metric
catalogue, reference values with source, year and kind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.indicators.definitions import INDICATORS, KINDS, unit_texts
from saas.indicators.engine import compute
from saas.metrics.catalogue import AMBULANT, PART_RESIDENTIAL, RESIDENTIAL, WITHIN, seed
from saas.metrics.models import Metric
from tests.indicators.test_engine import data, one  # noqa: F401  (the fixture)

CATALOGUE = {m["code"]: m for m in seed()}


def test_shares_of_the_help_type_groups_add_up_to_100_with_41_inside(data):  # noqa: F811
    """A: 35 cases (32 running on 31 Dec + 3 ended). By type: § 31 20 + 2 ended, § 32 3,
    § 33 4 + 1 ended, § 34 5 → 22 + 3 + 5 + 5 = 35; § 41: 6 young adults among them.
    Shares 22/35, 3/35, 10/35 = 62.86 % + 8.57 % + 28.57 % = 100 %."""
    with tenant_scope(data["tenant"]):
        ids = dict(
            db.session.execute(
                select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
            ).all()
        )
        for code, period, value in (
            ("HZE_RUN_31", "2023-12", 20),
            ("HZE_END_31", "2023-04", 2),
            ("HZE_RUN_32", "2023-12", 3),
            ("HZE_RUN_33", "2023-12", 4),
            ("HZE_END_33", "2023-06", 1),
            ("HZE_RUN_41", "2023-12", 6),
        ):
            db.session.add(
                FigureValue(metric_id=ids[code], area_id=data["a"], period=period, value=value)
            )
        db.session.flush()
        codes = ["HZE_AMB_SHARE", "HZE_TEILSTAT_SHARE", "HZE_STAT_SHARE", "HZE_CASES_41"]
        rows = compute(codes, [2023], area_ids=[data["a"]])
        db.session.rollback()
    shares = [one(rows, code, 2023).value for code in codes[:3]]
    assert shares == pytest.approx([22 / 35 * 100, 3 / 35 * 100, 10 / 35 * 100])
    assert sum(shares) == pytest.approx(100.0)
    assert one(rows, "HZE_CASES_41", 2023).value == 6


def test_41_is_a_darunter_line_of_the_catalogue_not_a_ninth_part():
    assert WITHIN == ("41",)
    assert "41" not in (*AMBULANT, *PART_RESIDENTIAL, *RESIDENTIAL)
    for prefix in ("HZE_RUN_", "HZE_NEW_", "HZE_END_"):
        assert CATALOGUE[f"{prefix}41"]["rules"]["within"] is True
        assert "enthalten" in CATALOGUE[f"{prefix}41"]["label_de"]
    assert "§ 41" in INDICATORS["HZE_ECKWERT"].note_de
    assert "unter 21" in INDICATORS["HZE_ECKWERT"].note_de  # the age mismatch is stated
    assert "27" in INDICATORS["HZE_ECKWERT"].note_de


@pytest.mark.parametrize("code", [c for c, i in INDICATORS.items() if i.is_rate])
def test_every_rate_names_its_denominator_as_the_catalogue_does(code):
    """A rate's unit names the catalogue label of a population denominator; no unit says
    "unter 21" unless the denominator is the under-21 population."""
    indicator = INDICATORS[code]
    unit = indicator.unit_text("de")
    if len(indicator.denominator) == 1 and indicator.denominator[0] in CATALOGUE:
        metric = CATALOGUE[indicator.denominator[0]]
        assert metric["label_de"] in unit
    for age in ("18", "21"):
        assert (f"unter {age}" in unit) == (indicator.denominator == (f"POP_U{age}",))


def test_unit_labels_by_hand():
    assert INDICATORS["HZE_COST_PER_CASE"].unit_text("de") == (
        "EUR je laufendem Fall und Jahr (Fall-Jahr)"
    )
    assert INDICATORS["HZE_COST_PER_CASE"].unit_text("en") == "EUR per running case-year"
    assert INDICATORS["KWG8A_RATE_U18"].unit_text("de") == "je 1.000 Einwohner unter 18 Jahren"
    assert INDICATORS["HZE_ECKWERT"].unit_text("de") == "je 1.000 Einwohner unter 21 Jahren"
    assert INDICATORS["HZE_EXP_PER_U21"].unit_text("de") == "EUR je Einwohner unter 21 Jahren"
    assert INDICATORS["EGH35A_RATE"].unit_text("en") == "per 10,000 residents under 21"
    assert INDICATORS["HZE_AMB_SHARE"].unit_text("de") == "% der HzE-Fälle"
    with pytest.raises(ValueError):
        unit_texts("‰", 1000, ("EB_RUN",))  # no made-up unit for an unknown denominator


def test_every_reference_value_has_source_year_and_kind():
    found = 0
    for indicator in INDICATORS.values():
        for ref in indicator.sources:
            found += 1
            assert ref.kind in KINDS and ref.source and 2000 < ref.year < 2100
            assert indicator.references[ref.region][ref.year] == ref.value
    assert found >= 10
    eckwert = INDICATORS["HZE_ECKWERT"]
    # the NRW value rests on an assumed under-21 base (domain-facts §2.3): estimated, 2021
    nrw = eckwert.reference("NW", 2021)
    assert nrw is not None and nrw.kind == "estimated"
    assert eckwert.reference("NW", 2023) is None
    assert eckwert.reference("SL", 2023).kind == "official"
    assert eckwert.reference("DE", 2023).kind == "derived"
    assert eckwert.reference("SL", 2023).label("Saarland") == (
        "Saarland 2023 (amtlich; ism, HzE-Bericht Saarland 2023)"
    )
