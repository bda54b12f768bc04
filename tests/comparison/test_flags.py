"""The ring page and its exports carry the reports' cell flags with the reports' one legend.

"r": a value that differs from one the municipality published before for the same cell
(also after the year was withdrawn and approved again); "–" withheld; "." not available;
"p" (provisional) cannot occur, as only approved whole years are published. The legend is
:func:`saas.reports.result.legend` itself, listing the flags that occur.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import select, update

from saas.areas.models import Area
from saas.comparison.models import Publication, PublishedValue
from saas.comparison.services import refresh_all
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue, PeriodStatus
from saas.metrics.models import Metric
from saas.reports.result import legend
from tests.comparison.conftest import publications, ring
from tests.comparison.test_pages import ALL_INDICATORS, published, ring_url, table_cells

__all__ = ["published"]  # the fixture, imported to be used here


def set_marl_cases(tenants: dict[str, Any], value: float, year: int = 2023) -> None:
    """Correct Marl's December HZE stock of area A1 (as an office would after a reopening)."""
    with tenant_scope(tenants["marl"]):
        area = db.session.execute(select(Area.id).where(Area.code == "A1")).scalar_one()
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "HZE_RUN", Metric.tenant_id.is_(None))
        ).scalar_one()
        db.session.execute(
            update(FigureValue)
            .where(
                FigureValue.area_id == area,
                FigureValue.metric_id == metric,
                FigureValue.period == f"{year}-12",
            )
            .values(value=value)
        )
        db.session.commit()


def set_marl_month(tenants: dict[str, Any], state: str, period: str = "2023-06") -> None:
    with tenant_scope(tenants["marl"]):
        area = db.session.execute(select(Area.id).where(Area.code == "A1")).scalar_one()
        db.session.execute(
            update(PeriodStatus)
            .where(PeriodStatus.area_id == area, PeriodStatus.period == period)
            .values(state=state)
        )
        db.session.commit()


def revised(tenant_obj: Any) -> set[tuple[str, int]]:
    return {
        (p.indicator, p.year) for p in publications(tenant_obj) if p.revised and p.area_code == ""
    }


def republish() -> None:
    refresh_all()
    db.session.commit()


def csv_rows(client: Any, query: str = ALL_INDICATORS) -> list[list[str]]:
    nrw = ring("nrw-staedte").id
    text = client.get(f"/marl/comparison/{nrw}/export.csv?{query}").get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_a_corrected_value_is_flagged_revised_on_the_page_and_in_both_exports(
    published: dict[str, Any], auth: Any
) -> None:
    client = auth("viewer", "marl")
    before = client.get(ring_url("marl", "nrw-staedte", ALL_INDICATORS)).get_data(as_text=True)
    assert ["Stadt Marl", "32,4", "32,4"] in table_cells(before)
    assert 'data-flag="r"' not in before
    set_marl_cases(published, 330.0)  # (330 + 250) / 17,000 under-21s: 34.1 ‰
    republish()
    assert revised(published["marl"]) >= {("HZE_ECKWERT", 2023), ("HZE_CASES", 2023)}
    assert not revised(published["hamm"])
    assert all(year == 2023 for _code, year in revised(published["marl"]))

    html = client.get(ring_url("marl", "nrw-staedte", ALL_INDICATORS)).get_data(as_text=True)
    cells = table_cells(html)
    assert ["Stadt Marl", "32,4", "34,1 r"] in cells  # Eckwert and cases per 1,000
    assert ["Stadt Hamm", "35,5", "35,5"] in cells
    meanings = dict(legend({"r"}, 3))
    assert meanings["r"] in html  # the reports' own legend text, under "Key to symbols"
    assert html.count('data-flag="r"') == 2

    rows = csv_rows(client)
    assert ["32,4", "34,1 r"] in [r[3:] for r in rows if r[2:3] == ["Stadt Marl"]]
    assert ["r", meanings["r"]] in rows
    assert not any(r[:1] in (["p"], ["–"], ["."]) for r in rows)  # only the flags used

    nrw = ring("nrw-staedte").id
    book = load_workbook(
        io.BytesIO(client.get(f"/marl/comparison/{nrw}/export.xlsx?{ALL_INDICATORS}").data)
    )
    sheet = book.active
    marl = [r for r in sheet.iter_rows() if r[2].value == "Stadt Marl"][0]
    assert marl[3].value == 32.4 and marl[3].number_format == "#,##0.0"
    assert marl[4].value == 34.1  # still a number, the flag in its format
    assert marl[4].number_format == '#,##0.0" r"'
    assert ["r", meanings["r"]] in [list(r[:2]) for r in sheet.iter_rows(values_only=True)]


def test_a_year_withdrawn_and_approved_again_with_another_value_is_revised(
    published: dict[str, Any], auth: Any
) -> None:
    set_marl_month(published, "submitted")  # reopened and submitted again
    republish()
    assert {p.year for p in publications(published["marl"])} == {2022}
    with tenant_scope(published["marl"]):
        assert (
            db.session.execute(
                select(PublishedValue.value).where(
                    PublishedValue.indicator == "HZE_CASES",
                    PublishedValue.year == 2023,
                    PublishedValue.area_code == "",
                )
            ).scalar_one()
            == 550.0
        )  # what was shown is remembered
    set_marl_cases(published, 330.0)
    set_marl_month(published, "approved")
    republish()
    assert ("HZE_CASES", 2023) in revised(published["marl"])
    html = auth("viewer", "marl").get(ring_url("marl", "nrw-staedte")).get_data(as_text=True)
    assert ["Stadt Marl", "32,4", "34,1 r"] in table_cells(html)


def test_publishing_the_same_values_again_flags_nothing(
    published: dict[str, Any], auth: Any
) -> None:
    republish()
    republish()
    assert not any(p.revised for p in publications())
    html = auth("viewer", "marl").get(ring_url("marl", "alle", ALL_INDICATORS))
    text = html.get_data(as_text=True)
    assert 'data-flag="r"' not in text
    assert str(gettext("Key to symbols")) not in text


def test_withheld_and_missing_cells_carry_their_signs_and_the_reports_legend(
    published: dict[str, Any], auth: Any
) -> None:
    hamm = published["hamm"]
    db.session.execute(
        Publication.__table__.update()
        .where(
            Publication.tenant_id == hamm.id,
            Publication.indicator == "HZE_ECKWERT",
            Publication.year == 2023,
            Publication.area_code == "",
        )
        .values(value=None, numerator=None, denominator=None, suppressed=True)
    )
    db.session.execute(
        Publication.__table__.delete().where(
            Publication.tenant_id == hamm.id,
            Publication.indicator == "HZE_ECKWERT",
            Publication.year == 2022,
        )
    )
    db.session.commit()
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "nrw-staedte")).get_data(as_text=True)
    assert ["Stadt Hamm", ".", "–"] in table_cells(html)
    expected = legend({"–", "."}, 3)
    for _flag, meaning in expected:
        assert meaning in html
    rows = csv_rows(client, "indicators=HZE_ECKWERT")
    assert [r[2:] for r in rows if r[2:3] == ["Stadt Hamm"]] == [["Stadt Hamm", ".", "–"]]
    heading = [str(gettext("Legend"))]
    assert rows[rows.index(heading) + 1 :] == [list(item) for item in expected]
