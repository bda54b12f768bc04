"""refresh_publication: only approved whole years, only participants, disclosure-controlled."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from saas.comparison.models import Publication
from saas.comparison.services import (
    COMPARISON_INDICATORS,
    approved_years,
    refresh_all,
    refresh_publication,
)
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.indicators.engine import compute
from tests.comparison.conftest import (
    SENTINEL,
    assert_disclosure_safe,
    leave_all,
    publications,
    put_figures,
)
from tests.conftest import csrf_token

#: Marl's hand-made areas: Z2 has one and two cases, Z3 the next smallest counts
MARL = {
    "Z1": {"HZE_RUN": 40, "POP_U21": 1000, "ION_COUNT": 5, "EGH35A_RUN": 10},
    "Z2": {"HZE_RUN": 2, "POP_U21": 800, "ION_COUNT": 1, "EGH35A_RUN": 0},
    "Z3": {"HZE_RUN": 30, "POP_U21": 900, "ION_COUNT": 4, "EGH35A_RUN": 7},
}


@pytest.fixture
def marl_figures(tenants):
    """2021 and 2022 approved; 2023 with November submitted, December draft and a sentinel."""
    marl = tenants["marl"]
    put_figures(marl, 2021, MARL)
    put_figures(marl, 2022, MARL)
    sentinel = {code: {**values, "HZE_RUN": SENTINEL} for code, values in MARL.items()}
    put_figures(marl, 2023, sentinel, states={11: "submitted", 12: None})
    return marl


def by_key(rows):
    return {(r.indicator, r.area_code, r.year): r for r in rows}


def test_only_complete_approved_years_are_published(marl_figures):
    with tenant_scope(marl_figures):
        assert approved_years() == [2021, 2022]
    written = refresh_publication(marl_figures)
    db.session.commit()
    rows = publications(marl_figures)
    assert written == len(rows) > 0
    assert {r.year for r in rows} == {2021, 2022}
    for r in rows:
        for number in (r.value, r.numerator, r.denominator):
            assert number is None or number < SENTINEL / 100, r.__dict__


def test_hand_computed_totals(marl_figures):
    refresh_publication(marl_figures)
    db.session.commit()
    rows = by_key(publications(marl_figures))
    assert rows[("HZE_CASES", "", 2022)].value == 72
    eckwert = rows[("HZE_ECKWERT", "", 2022)]
    assert (eckwert.numerator, eckwert.denominator) == (72, 2700)
    assert eckwert.value == pytest.approx(72 / 2700 * 1000)
    assert rows[("ION_COUNT", "", 2022)].value == 10
    assert rows[("EGH35A_RATE", "", 2022)].value == pytest.approx(17 / 2700 * 10000)
    assert rows[("POP_U21", "", 2022)].value == 2700
    assert not any(r.suppressed for (_i, area, _y), r in rows.items() if area == "")


def test_small_area_counts_and_their_rates_are_suppressed(marl_figures):
    refresh_publication(marl_figures)
    db.session.commit()
    rows = by_key(publications(marl_figures))
    for year in (2021, 2022):
        for code in ("HZE_CASES", "HZE_ECKWERT", "ION_COUNT"):
            row = rows[(code, "Z2", year)]
            assert row.suppressed and row.value is None and row.numerator is None
            assert row.denominator is None
        # secondary: Z2 would be the tenant total minus Z1 and Z3
        assert rows[("HZE_CASES", "Z3", year)].suppressed
        assert rows[("HZE_ECKWERT", "Z3", year)].suppressed
        assert rows[("ION_COUNT", "Z3", year)].suppressed
        assert rows[("HZE_CASES", "Z1", year)].value == 40
        # a count of 0 is not disclosive: Z2's § 35a rate of 0 is shown
        assert rows[("EGH35A_RATE", "Z2", year)].value == 0
        assert rows[("POP_U21", "Z2", year)].value == 800
    assert_disclosure_safe(publications(marl_figures))


def test_small_tenant_total_is_suppressed(tenants):
    hamm = tenants["hamm"]
    put_figures(hamm, 2022, {"H1": {"HZE_RUN": 1, "POP_U21": 500, "ION_COUNT": 2}})
    refresh_publication(hamm)
    db.session.commit()
    rows = by_key(publications(hamm))
    for code in ("HZE_CASES", "HZE_ECKWERT", "ION_COUNT"):
        assert rows[(code, "", 2022)].suppressed
        assert rows[(code, "H1", 2022)].suppressed
    assert rows[("POP_U21", "", 2022)].value == 500
    assert_disclosure_safe(publications(hamm))


def test_a_small_remainder_of_the_help_types_hides_the_shares(tenants):
    """100 cases = 60 ambulant + 39 residential + 1 under § 41: with both shares shown, the
    total minus the parts would give the 1. The residential share is withheld with it; the
    ambulant share may stay: 100 − 60 leaves § 41 and §§ 33/34 together (40)."""
    hamm = tenants["hamm"]
    put_figures(
        hamm,
        2022,
        {
            "H1": {
                "HZE_RUN": 100,
                "HZE_RUN_31": 60,
                "HZE_RUN_34": 39,
                "HZE_RUN_41": 1,
                "POP_U21": 3000,
            }
        },
    )
    refresh_publication(hamm)
    db.session.commit()
    rows = by_key(publications(hamm))
    assert rows[("HZE_CASES", "", 2022)].value == 100
    assert rows[("HZE_STAT_SHARE", "", 2022)].suppressed
    assert not (
        rows[("HZE_STAT_SHARE", "", 2022)].value is not None
        and rows[("HZE_AMB_SHARE", "", 2022)].value is not None
    )
    assert rows[("HZE_ECKWERT", "", 2022)].value == pytest.approx(100 / 3000 * 1000)


def test_shares_are_shown_when_no_remainder_is_small(tenants):
    hamm = tenants["hamm"]
    put_figures(
        hamm,
        2022,
        {
            "H1": {
                "HZE_RUN": 100,
                "HZE_RUN_31": 55,
                "HZE_RUN_34": 35,
                "HZE_RUN_41": 10,
                "POP_U21": 3000,
            }
        },
    )
    refresh_publication(hamm)
    db.session.commit()
    rows = by_key(publications(hamm))
    assert rows[("HZE_AMB_SHARE", "", 2022)].value == pytest.approx(55)
    assert rows[("HZE_STAT_SHARE", "", 2022)].value == pytest.approx(35)


def test_tenant_threshold_may_be_higher(tenants):
    from saas.core.tenancy import all_tenants

    hamm = tenants["hamm"]
    with all_tenants():
        hamm.settings = {**(hamm.settings or {}), "disclosure_threshold": 5}
        db.session.commit()
    put_figures(
        hamm,
        2022,
        {
            "H1": {"HZE_RUN": 50, "POP_U21": 900, "ION_COUNT": 4},
            "H2": {"HZE_RUN": 60, "POP_U21": 900, "ION_COUNT": 30},
        },
    )
    refresh_publication(hamm)
    db.session.commit()
    rows = by_key(publications(hamm))
    assert rows[("ION_COUNT", "H1", 2022)].suppressed  # 4 < 5
    assert rows[("ION_COUNT", "H2", 2022)].suppressed  # secondary
    assert rows[("ION_COUNT", "", 2022)].value == 34
    assert_disclosure_safe(publications(hamm), threshold=5)


def test_non_participant_publishes_nothing(tenants, marl_figures):
    leave_all(marl_figures)
    assert refresh_publication(marl_figures) == 0
    db.session.commit()
    assert publications(marl_figures) == []


def test_leaving_withdraws_an_earlier_publication(marl_figures):
    assert refresh_publication(marl_figures) > 0
    db.session.commit()
    leave_all(marl_figures)
    refresh_publication(marl_figures)
    db.session.commit()
    assert publications(marl_figures) == []


def test_sentinel_of_a_tenant_outside_every_ring_never_reaches_the_table(
    create_tenant, tenants, marl_figures
):
    outsider = create_tenant("aussenstadt", "Außenstadt")
    put_figures(outsider, 2022, {"A1": {"HZE_RUN": SENTINEL, "POP_U21": 1000}})
    written = refresh_all()
    db.session.commit()
    assert written["aussenstadt"] == 0
    assert publications(outsider) == []
    numbers = [
        n for r in publications() for n in (r.value, r.numerator, r.denominator) if n is not None
    ]
    assert numbers and max(numbers) < SENTINEL / 100


def test_refresh_replaces_the_rows(marl_figures):
    first = refresh_publication(marl_figures)
    db.session.commit()
    second = refresh_publication(marl_figures)
    db.session.commit()
    assert first == second == len(publications(marl_figures))


def test_publication_equals_the_engine(marl_figures):
    """The published unsuppressed totals are exactly what the one engine computes."""
    refresh_publication(marl_figures)
    db.session.commit()
    rows = by_key(publications(marl_figures))
    with tenant_scope(marl_figures):
        expected = compute(COMPARISON_INDICATORS, [2021, 2022], approved_only=True)
    for value in expected:
        row = rows.get((value.indicator, "", value.year))
        if value.numerator is None:
            assert row is None
            continue
        assert row is not None
        if not row.suppressed:
            assert (row.numerator, row.denominator, row.value) == (
                value.numerator,
                value.denominator,
                value.value,
            )


@pytest.mark.parametrize("slug", ["marl", "hamm"])
def test_demo_data_publication_is_safe_and_plausible(tenants, slug):
    from saas.demo.generator import generate_demo_data

    generate_demo_data(tenants[slug])
    db.session.commit()
    refresh_publication(tenants[slug])
    db.session.commit()
    rows = publications(tenants[slug])
    years = {r.year for r in rows}
    assert years == set(range(2015, 2024))  # 2024 has months not yet approved
    assert_disclosure_safe(rows)
    keyed = by_key(rows)
    for year in years:
        assert 25 <= keyed[("HZE_ECKWERT", "", year)].value <= 50
    # area tables add up to the published tenant totals where nothing is suppressed
    for year in years:
        cells = [
            r
            for (code, area, yr), r in keyed.items()
            if code == "HZE_CASES" and area and yr == year
        ]
        if not any(r.suppressed for r in cells):
            assert sum(r.value for r in cells) == keyed[("HZE_CASES", "", year)].value
    db.session.execute(delete(Publication))
    db.session.commit()


def test_the_checker_notices_a_recoverable_cell(marl_figures):
    """Unsuppressing Z3 lets Z2 be computed as total − Z1 − Z3: the checker must say so."""
    refresh_publication(marl_figures)
    db.session.commit()
    rows = publications(marl_figures)
    for row in rows:
        if (row.indicator, row.area_code, row.year) == ("HZE_CASES", "Z3", 2022):
            row.suppressed, row.value, row.numerator = False, 30.0, 30.0
        if (row.indicator, row.area_code, row.year) == ("HZE_ECKWERT", "Z3", 2022):
            row.suppressed = False
            row.numerator, row.denominator, row.value = 30.0, 900.0, 30 / 900 * 1000
    with pytest.raises(AssertionError, match=r"\('Z2', 2022\)"):
        assert_disclosure_safe(rows)
    db.session.rollback()


def test_approval_and_reopening_refresh_the_publication(marl_figures, auth, client):
    """The ring follows the workflow at once: reopening a month withdraws its year,
    approving it again publishes the year again — no manual refresh in between."""
    from saas.areas.models import Area

    with tenant_scope(marl_figures):
        area = db.session.execute(select(Area).where(Area.code == "Z1")).scalar_one()
    auth("admin", "marl")
    token = csrf_token(client, "/marl/figures/periods")
    base = f"/marl/figures/periods/{area.id}/2022-05"

    def years() -> set[int]:
        db.session.expire_all()
        return {r.year for r in publications(marl_figures)}

    assert years() == set()  # nothing published yet
    client.post(f"{base}/reopen", data={"csrf_token": token, "reason": "Korrektur"})
    assert years() == {2021}  # refreshed: 2022 is no longer a fully approved year
    client.post(f"{base}/submit", data={"csrf_token": token})
    assert years() == {2021}
    client.post(f"{base}/approve", data={"csrf_token": token})
    assert years() == {2021, 2022}
