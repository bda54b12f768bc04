"""Import and entry-grid checks of the published definitions: the sum of the parts ≤ total
(§ 41 is a "darunter" line, not a part), under-18 ≤ under-21, and one level of entry per
metric and area subtree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.importer import ImportCheck
from tests.conftest import tenant
from tests.figures.conftest import area_id, csv_bytes
from tests.figures.test_pages import PERIOD, grid_form, grid_url, metric_ids
from tests.figures.test_pages import marl as marl_with_staff  # noqa: F401  (the fixture)
from tests.figures.test_pages import stored as stored_grid


def errors(result: ImportCheck) -> list[tuple[int, str]]:
    return [(e.row, e.message) for e in result.errors]


def test_parts_that_add_up_to_more_than_the_total_are_refused(
    marl: Any, check: Callable[..., ImportCheck]
) -> None:
    """§ 33 3 + § 34 5 = 8 against a total of 5: each part alone is ≤ 5, the sum is not."""
    result = check(
        csv_bytes(
            "A1,HZE_RUN,2023-01,5",
            "A1,HZE_RUN_33,2023-01,3",
            "A1,HZE_RUN_34,2023-01,5",
        )
    )
    [(row, text)] = errors(result)
    assert row == 2  # the total's row
    assert "HZE_RUN_33 3 + HZE_RUN_34 5" in text and "8" in text


def test_the_sum_check_uses_stored_parts_too(
    marl: Any, store: Callable[..., None], check: Callable[..., ImportCheck]
) -> None:
    store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_RUN_33", "2023-01", 3))
    result = check(csv_bytes("A1,HZE_RUN_34,2023-01,4"))
    [(row, text)] = errors(result)
    assert row == 2 and "7" in text  # 3 stored + 4 in the file > 5


def test_41_is_contained_in_the_help_types_not_added(
    marl: Any, check: Callable[..., ImportCheck]
) -> None:
    """5 cases: § 34 5, of which 2 young adults (§ 41) — valid, not 7 > 5."""
    result = check(
        csv_bytes(
            "A1,HZE_RUN,2023-01,5",
            "A1,HZE_RUN_34,2023-01,5",
            "A1,HZE_RUN_41,2023-01,2",
        )
    )
    assert result.ok, result.errors
    too_many = check(csv_bytes("A1,HZE_RUN,2023-01,5", "A1,HZE_RUN_41,2023-01,6"))
    assert not too_many.ok  # the darunter line is still ≤ its total


def test_age_bands_add_up_and_under_18_is_at_most_under_21(
    marl: Any, store: Callable[..., None], check: Callable[..., ImportCheck]
) -> None:
    bands = check(
        csv_bytes(
            "A1,POP_TOTAL,2023,1000",
            "A1,POP_0_5,2023,400",
            "A1,POP_6_13,2023,400",
            "A1,POP_14_17,2023,300",
            "A1,POP_U18,2023,800",
            "A1,POP_U21,2023,900",
        )
    )
    [(row, text)] = errors(bands)
    assert row == 2 and "1100" in text  # 400 + 400 + 300 > 1,000
    order = check(csv_bytes("A1,POP_U18,2023,950", "A1,POP_U21,2023,900"))
    [(row, text)] = errors(order)
    assert row == 2 and "POP_U18" in text and "POP_U21" in text
    store(("A2", "POP_U18", "2023", 500))
    against_stored = check(csv_bytes("A2,POP_U21,2023,450"))
    assert not against_stored.ok  # the stored under-18 value is larger


def _child_of(parent_code: str, code: str) -> None:
    with tenant_scope(tenant("marl")):
        parent = db.session.get(Area, area_id(parent_code))
        level = AreaLevel(code=f"sub-{code}", name="Unterbezirk", position=9)
        db.session.add(level)
        db.session.flush()
        db.session.add(Area(code=code, name=f"Teil {code}", level_id=level.id, parent_id=parent.id))
        db.session.commit()


def test_double_entry_for_an_area_and_its_sub_area_names_both(
    marl: Any, store: Callable[..., None], check: Callable[..., ImportCheck]
) -> None:
    _child_of("A1", "A1-N")
    in_file = check(csv_bytes("A1,HZE_RUN,2023-01,5", "A1-N,HZE_RUN,2023-01,3"))
    assert [row for row, _ in errors(in_file)] == [2, 3]
    assert "Teil A1-N (A1-N)" in errors(in_file)[0][1]
    assert "Gebiet A1 (A1)" in errors(in_file)[1][1]
    store(("A1-N", "HZE_RUN", "2023-02", 3))
    against_stored = check(csv_bytes("A1,HZE_RUN,2023-02,5"))
    [(row, text)] = errors(against_stored)
    assert row == 2 and "Teil A1-N (A1-N)" in text and "Gebiet A1 (A1)" in text
    # another metric or another period on the other level is no double entry
    assert check(csv_bytes("A1,HZE_END,2023-02,1", "A1,HZE_RUN,2023-03,5")).ok


def test_the_entry_grid_refuses_a_double_entry(auth, client, marl_with_staff):  # noqa: F811
    area = marl_with_staff["area"]
    with tenant_scope(tenant("marl")):
        level = AreaLevel(code="sub-grid", name="Unterbezirk", position=9)
        db.session.add(level)
        db.session.flush()
        child = Area(code="GRID-N", name="Nordteil", level_id=level.id, parent_id=area.id)
        db.session.add(child)
        db.session.flush()
        from saas.figures.models import FigureValue

        ids = metric_ids("HZE_RUN")
        db.session.add(
            FigureValue(metric_id=ids["HZE_RUN"], area_id=child.id, period=PERIOD, value=4)
        )
        db.session.commit()
    auth("staff", "marl")
    url = grid_url(marl_with_staff)
    response = client.post(url, data={**grid_form(client, url), f"m_{ids['HZE_RUN']}": "10"})
    assert response.status_code == 400
    assert "Nordteil (GRID-N)" in response.get_data(as_text=True)
    assert stored_grid(marl_with_staff, "HZE_RUN") is None
