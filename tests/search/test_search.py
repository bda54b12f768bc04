"""Search across offices, offerings, areas and activities: tenant, object scope, escaping."""

from __future__ import annotations

from datetime import date

import pytest

from saas.activities.models import Activity
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offices.models import Office
from tests.config.factories import seed_config_for_staff
from tests.conftest import tenant


@pytest.fixture
def marl(app):
    objs = seed_config_for_staff(tenant("marl"))
    with tenant_scope(tenant("marl")):
        other = Office(code="zzfremd", name="Zebrabüro Fremd")
        db.session.add(other)
        db.session.flush()
        db.session.add_all(
            [
                Activity(
                    date=date(2025, 3, 4),
                    office_id=objs["office"].id,
                    kind="event",
                    note="Zebrafest im Hof",
                ),
                Activity(
                    date=date(2025, 3, 5),
                    office_id=other.id,
                    kind="event",
                    note="Zebrafest woanders",
                ),
            ]
        )
        db.session.commit()
    with tenant_scope(tenant("hamm")):
        db.session.add(Office(code="hzebra", name="Zebrazentrum Hamm"))
        db.session.commit()
    return objs


def test_finds_offices_offerings_areas_and_activities(auth, client, marl):
    auth("admin", "marl")
    html = client.get("/marl/search?q=zebra").get_data(as_text=True)
    assert "Zebrabüro Fremd" in html and "Zebrafest im Hof" in html and "Zebrafest woanders" in html
    assert "Zebrazentrum Hamm" not in html  # another tenant's office
    assert "3 Treffer für „zebra“." in html, html
    html = client.get("/marl/search?q=elterncaf").get_data(as_text=True)
    assert f'href="/marl/offerings/{marl["offering"].id}"' in html
    html = client.get("/marl/search?q=drewer-nord").get_data(as_text=True)
    assert f'href="/marl/areas/{marl["area"].id}"' in html


def test_a_scoped_member_finds_only_its_own_office_s_rows(auth, client, marl):
    auth("staff", "marl")
    html = client.get("/marl/search?q=zebra").get_data(as_text=True)
    assert "Zebrafest im Hof" in html
    assert "Zebrabüro Fremd" not in html and "Zebrafest woanders" not in html


def test_a_viewer_finds_no_activities(auth, client, marl):
    auth("viewer", "marl")
    html = client.get("/marl/search?q=zebra").get_data(as_text=True)
    assert "Zebrabüro Fremd" in html and "Zebrafest" not in html


def test_like_wildcards_match_themselves_and_short_terms_ask_for_more(auth, client, marl):
    auth("admin", "marl")
    assert "Nichts gefunden für „%%“" in client.get("/marl/search?q=%25%25").get_data(as_text=True)
    assert "mindestens 2 Zeichen" in client.get("/marl/search?q=z").get_data(as_text=True)


def test_the_header_has_a_search_box(auth, client, marl):
    auth("staff", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert 'role="search"' in html and 'action="/marl/search"' in html
    assert client.get("/marl/search").status_code == 200
