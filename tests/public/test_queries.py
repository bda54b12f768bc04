"""The public pages and the open data make a constant number of queries whatever the size of
the directory (SPEC §7): more offices and offerings, not more statements."""

from __future__ import annotations

import pytest

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offerings.models import Offering
from saas.offices.models import Office, OfficeArea
from tests.conftest import tenant
from tests.core.test_dashboard_queries import count_queries

PAGES = (
    "/marl/",
    "/marl/directory/offerings/?weekday=2",
    "/marl/directory/finder?street=Pommern",
    "/marl/open-data/hsds/services?per_page=200",
    "/marl/open-data/hsds/service_at_locations?per_page=200",
    "/marl/open-data/hsds/organizations",
)


def queries(app, client, url: str) -> int:
    client.get(url)  # warm caches
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def grow_directory() -> None:
    with tenant_scope(tenant("marl")):
        area_id = db.session.execute(db.select(OfficeArea.area_id).limit(1)).scalar_one()
        for i in range(15):
            office = Office(code=f"extra-{i}", name=f"Stadtteilbüro Extra {i}", city="Marl")
            db.session.add(office)
            db.session.flush()
            db.session.add(OfficeArea(office_id=office.id, area_id=area_id))
            db.session.add_all(
                Offering(
                    code=f"extra-{i}-{j}",
                    name=f"Angebot {i}-{j}",
                    office_id=office.id,
                    schedule=[{"day": j % 7, "start": "10:00", "end": "11:00"}],
                    public=True,
                )
                for j in range(4)
            )
        db.session.commit()


@pytest.mark.parametrize("url", PAGES)
def test_query_count_does_not_grow_with_the_directory(app, client, url):
    before = queries(app, client, url)
    grow_directory()
    assert queries(app, client, url) == before
