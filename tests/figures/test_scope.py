"""Object scope of figures: a member limited to an office reaches only the areas it serves.

The staff member of Marl is limited to the office "zzstb", which serves the area "zz14"; the
quarter "zz141" lies inside it. Every other area of Marl is outside the member's scope.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from tests.config.factories import seed_config_for_staff
from tests.conftest import csrf_token, tenant


@pytest.fixture
def marl(app):
    objs = seed_config_for_staff(tenant("marl"))
    with tenant_scope(tenant("marl")):
        other = (
            db.session.execute(
                select(Area).where(Area.id.not_in([objs["area"].id, objs["quarter"].id]))
            )
            .scalars()
            .first()
        )
        metric = db.session.execute(
            select(Metric).where(Metric.code == "ION_COUNT", Metric.tenant_id.is_(None))
        ).scalar_one()
        figure = FigureValue(metric_id=metric.id, area_id=other.id, period="2024-05", value=777)
        db.session.add(figure)
        db.session.commit()
        objs.update(other=other, other_figure=figure)
        for obj in objs.values():  # loaded and detached: under RLS no reload outside a scope
            if obj in db.session:
                db.session.refresh(obj)
        db.session.expunge_all()
    return objs


def values_of(area_id: int) -> list[float]:
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        return list(
            db.session.execute(
                select(FigureValue.value).where(FigureValue.area_id == area_id)
            ).scalars()
        )


def upload(client, text: str):
    token = csrf_token(client, "/marl/figures/import")
    return client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "f.csv")},
        content_type="multipart/form-data",
    )


def test_import_row_of_an_area_outside_the_scope_is_a_row_error(auth, client, marl):
    auth("staff", "marl")
    own, other = marl["area"].code, marl["other"].code
    response = upload(
        client,
        "area_code,metric_code,period,value\n"
        f"{own},ION_COUNT,2023-03,4\n{other},ION_COUNT,2023-03,5\n",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert other in html and "Unbekanntes Gebiet" in html
    assert values_of(marl["other"].id) == [777]
    assert values_of(marl["area"].id) == [12]  # all or nothing: the own row is not written


def test_figure_value_of_an_area_outside_the_scope_answers_404(auth, client, marl):
    auth("staff", "marl")
    assert client.get(f"/marl/figures/values/{marl['other_figure'].id}").status_code == 404
    assert client.get(f"/marl/figures/values/{marl['figure'].id}").status_code == 200


def test_export_holds_only_the_areas_in_scope(auth, client, marl):
    auth("staff", "marl")
    data = client.get("/marl/figures/export.csv").get_data(as_text=True)
    area = marl["area"]
    assert f"{area.code},{area.name},HZE_RUN_34," in data and ",2024-05,12,1" in data
    assert not any(line.startswith(marl["other"].code + ",") for line in data.splitlines())


def test_sub_areas_of_served_areas_are_in_scope(auth, client, marl):
    auth("staff", "marl")
    assert client.get(f"/marl/figures/grid/{marl['quarter'].id}/2024-06").status_code == 200
    assert client.get(f"/marl/figures/grid/{marl['other'].id}/2024-06").status_code == 404


def test_pages_list_only_areas_in_scope(auth, client, marl):
    auth("staff", "marl")
    other = marl["other"]
    for url in ("/marl/figures/", "/marl/figures/periods?year=2024"):
        html = client.get(url).get_data(as_text=True)
        assert other.name not in html, url
        assert marl["area"].name in html, url


def test_unlimited_coordinator_sees_every_area(auth, client, marl):
    auth("coordinator", "marl")
    assert client.get(f"/marl/figures/values/{marl['other_figure'].id}").status_code == 200
    data = client.get("/marl/figures/export.csv").get_data(as_text=True)
    other = marl["other"]
    assert f"{other.code},{other.name},ION_COUNT,Inobhutnahmen § 42/42a,2024-05,777" in data
