"""The key indicators' trends on the dashboard of a tenant with figures (Marl's demo data)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import app_with_marl_data


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    yield from app_with_marl_data(request, tmp_path)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_trends_as_sparklines_with_the_latest_year_and_links_to_reports(auth, client, role):
    auth(role, "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    block = html.split('id="dash-trends"')[1].split("</section>")[0]
    assert block.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3, block
    assert 'class="sparkline"' in block and "<title" in block
    assert "HzE-Eckwert" in block and "(2024)" in block
    # the change against the previous year is a signed German number
    assert re.search(r'<td class="num"[^>]*>[+-]\d+,\d %( <abbr[^>]*>p</abbr>)?</td>', block), block
    assert "/marl/reports/" in block and "k. A." not in block


def test_a_provisional_latest_year_carries_the_reports_flag_and_its_legend(auth, client):
    """Issue 11 §5: Marl's demo 2024 contains months not approved yet; the reports print
    "40,0 p". The dashboard's latest value and its change carry the same "p", with the
    reports' key to the symbols under the table (it printed the bare number)."""
    auth("admin", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    block = html.split('id="dash-trends"')[1].split("</section>")[0]
    latest = re.findall(r'data-label="Letztes Jahr">(.*?)</td>', block)
    assert latest and all("(2024)" in cell for cell in latest), latest
    assert all(re.search(r"<abbr title=\"vorläufig[^\"]*\">p</abbr>", cell) for cell in latest)
    assert '<dl class="legend"' in block and '<dt class="num">p</dt>' in block
    assert "vorläufig" in block.split('<dl class="legend"')[1]


def test_staff_and_coordinators_get_no_trends(auth, client):
    auth("coordinator", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert 'id="dash-trends"' not in html and 'id="dash-waiting"' in html


def _small_town(create_tenant, cases_per_area: int):  # noqa: ANN001, ANN202
    """Two areas, each with ``cases_per_area`` HzE cases all of 2024 and 2025 (a December
    stock, nothing ended) and 1,000 under-21-year-olds: the municipality's count is twice
    that."""
    from saas.areas.models import Area, AreaLevel
    from saas.core.db import db
    from saas.core.tenancy import tenant_scope
    from saas.figures.models import FigureValue
    from tests.impact.conftest import _metric_ids

    town = create_tenant("kleinstadt", "Kleinstadt")
    with tenant_scope(town):
        level = AreaLevel(code="bezirk", name="Bezirk", plural="Bezirke", position=1)
        db.session.add(level)
        db.session.flush()
        areas = [Area(level_id=level.id, code=c, name=f"Bezirk {c}") for c in ("A", "B")]
        db.session.add_all(areas)
        db.session.flush()
        metric = _metric_ids()
        for area in areas:
            for year in (2024, 2025):
                db.session.add(
                    FigureValue(
                        metric_id=metric["POP_U21"], area_id=area.id, period=str(year), value=1000
                    )
                )
                for month in range(1, 13):
                    db.session.add(
                        FigureValue(
                            metric_id=metric["HZE_RUN"],
                            area_id=area.id,
                            period=f"{year}-{month:02d}",
                            value=cases_per_area,
                        )
                    )
        db.session.commit()
    return town


@pytest.mark.parametrize(("cases", "shown"), [(1, False), (20, True)])
def test_the_municipality_s_trend_is_withheld_where_the_cube_withholds_it(
    create_tenant, cases: int, shown: bool
):
    """2 cases in the whole town are below the threshold: the reports withhold the count and
    the Eckwert, and so must the dashboard (it once computed them without the cube)."""
    from datetime import date

    from flask import g

    from saas.core.tenancy import tenant_scope
    from saas.dashboard.services import key_trends

    town = _small_town(create_tenant, cases)
    with tenant_scope(town):
        g.tenant = town
        trends = {t.code: t for t in key_trends(date(2026, 12, 3))}
    eckwert = dict(zip(trends["HZE_ECKWERT"].years, trends["HZE_ECKWERT"].values, strict=True))
    assert (eckwert.get(2025) is not None) is shown, eckwert
    if shown:
        assert eckwert[2025] == pytest.approx(20.0)  # 40 cases per 2,000 under 21, per 1,000
