"""An earlier comparison publication feeds the protected cube (saas.protection): what the ring
once saw withheld stays withheld after a corrected month, in the next publication and in every
other output, so the earlier publication's totals cannot give the old value back."""

from __future__ import annotations

from sqlalchemy import func, select, update

from saas.areas.models import Area
from saas.comparison.models import PublishedProtection
from saas.comparison.services import refresh_publication
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.protection.service import tenant_cube
from tests.comparison.conftest import leave_all, publications, put_figures

#: one small count (P1: 2 protective custodies) and the next smallest (P2), which the cube
#: withholds beside it so the total does not give P1 back
AREAS = {
    "P1": {"HZE_RUN": 40, "POP_U21": 1000, "ION_COUNT": 2},
    "P2": {"HZE_RUN": 50, "POP_U21": 1100, "ION_COUNT": 10},
    "P3": {"HZE_RUN": 60, "POP_U21": 1200, "ION_COUNT": 12},
}


def _ion(tenant) -> dict[str, tuple[float | None, bool]]:
    """ION_COUNT 2023 as published: area code ("" the municipality) → (value, withheld)."""
    return {
        r.area_code: (r.value, r.suppressed)
        for r in publications(tenant)
        if r.indicator == "ION_COUNT" and r.year == 2023
    }


def _correct(tenant, area_code: str, value: float) -> None:
    """A corrected December (reopened, changed and approved again: the figures change)."""
    with tenant_scope(tenant):
        area_id = db.session.execute(select(Area.id).where(Area.code == area_code)).scalar_one()
        metric_id = db.session.execute(
            select(Metric.id).where(Metric.code == "ION_COUNT", Metric.tenant_id.is_(None))
        ).scalar_one()
        db.session.execute(
            update(FigureValue)
            .where(
                FigureValue.area_id == area_id,
                FigureValue.metric_id == metric_id,
                FigureValue.period == "2023-12",
            )
            .values(value=value)
        )
        db.session.commit()


def _recoverable_old_value(before, after) -> float | None:
    """What a reader holding both publications learns of P1's old count: the old total minus
    every other old area, each taken from the old or (unchanged since) the new publication."""
    total = before[""][0]
    rest = 0.0
    for code in ("P2", "P3"):
        value = before[code][0] if not before[code][1] else after[code][0]
        if value is None:
            return None
        rest += value
    return None if total is None else total - rest


def test_a_cell_the_ring_saw_withheld_stays_withheld_after_a_correction(tenants):
    marl = tenants["marl"]
    put_figures(marl, 2023, AREAS)
    refresh_publication(marl)
    db.session.commit()
    before = _ion(marl)
    assert before["P1"] == (None, True)  # 2 cases: withheld
    assert before["P2"] == (None, True)  # withheld beside it (the total would give P1)
    assert before["P3"] == (12, False) and before[""] == (24, False)
    assert _recoverable_old_value(before, before) is None

    # P1 corrected to 5: on the new figures alone nothing would be small any more
    _correct(marl, "P1", 5)
    refresh_publication(marl)
    db.session.commit()
    after = _ion(marl)
    assert after[""] == (27, False)
    # what the ring saw withheld stays withheld: the old 2 cannot be had as 24 − 10 − 12
    assert after["P1"] == (None, True)
    assert after["P2"] == (None, True)
    assert _recoverable_old_value(before, after) is None

    # and so in every other output of the tenant (reports, impact pages read the same cube)
    with tenant_scope(marl):
        area_ids = dict(db.session.execute(select(Area.code, Area.id)).all())
        cube = tenant_cube([2023], marl)
    assert cube.withholds("ION_COUNT", area_ids["P1"], 2023)
    assert cube.withholds("ION_COUNT", area_ids["P2"], 2023)
    assert not cube.withholds("ION_COUNT", area_ids["P3"], 2023)


def test_the_record_is_kept_once_and_outlives_leaving_the_rings(tenants):
    marl = tenants["marl"]
    put_figures(marl, 2023, AREAS)
    refresh_publication(marl)
    refresh_publication(marl)  # the same figures, the same publication: recorded once
    db.session.commit()
    with tenant_scope(marl):
        count = select(func.count()).select_from(PublishedProtection)
        assert db.session.execute(count).scalar_one() == 1
        record = db.session.execute(select(PublishedProtection.record)).scalar_one()
    withheld = {tuple(c) for c in record["withheld"]}
    with tenant_scope(marl):
        p1 = db.session.execute(select(Area.id).where(Area.code == "P1")).scalar_one()
    assert ("ION_COUNT", p1) in withheld
    # leaving every ring withdraws the publication, not what the ring has read
    leave_all(marl)
    refresh_publication(marl)
    db.session.commit()
    assert publications(marl) == []
    _correct(marl, "P1", 5)
    with tenant_scope(marl):
        assert db.session.execute(count).scalar_one() == 1
        cube = tenant_cube([2023], marl)
    assert cube.withholds("ION_COUNT", p1, 2023)


def test_a_cell_the_ring_saw_shown_counts_as_known_when_a_correction_withholds_another(tenants):
    """P2's 10 was shown; after P1 is corrected to 2, withholding P2 beside P1 would not help
    (the reader has the 10): another cell must go, or 24 − 10 − 12 gives the new 2."""
    marl = tenants["marl"]
    put_figures(marl, 2023, {**AREAS, "P1": {**AREAS["P1"], "ION_COUNT": 5}})
    refresh_publication(marl)
    db.session.commit()
    before = _ion(marl)
    assert all(not hidden for _value, hidden in before.values())  # 5, 10, 12 and 27 shown

    _correct(marl, "P1", 2)
    refresh_publication(marl)
    db.session.commit()
    after = _ion(marl)
    assert after["P1"] == (None, True)
    total = after[""][0]
    known = [
        after[code][0] if not after[code][1] else before[code][0]  # unchanged since
        for code in ("P2", "P3")
    ]
    assert total is None or None in known, (after, before)
