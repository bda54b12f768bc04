"""Offerings belong to their office; a double-submitted activity form stores one activity."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from saas.activities.models import Activity
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offerings.models import Offering
from saas.offices.models import Office
from tests.activities.test_activities import LAST_MONTH, post_activity
from tests.config.factories import seed_config_for_staff
from tests.conftest import csrf_token, tenant


@pytest.fixture
def marl(app):
    objs = seed_config_for_staff(tenant("marl"))
    with tenant_scope(tenant("marl")):
        other_office = Office(code="zzother", name="Anderes Büro")
        db.session.add(other_office)
        db.session.flush()
        foreign = Offering(code="zzcafe2", name="Elterncafé", office_id=other_office.id)
        db.session.add(foreign)
        db.session.commit()
        objs.update(other_office=other_office, foreign_offering=foreign)
        _detach(objs)
    return objs


def _detach(objs: dict) -> None:
    """Load and detach the objects: on PostgreSQL (RLS) they cannot reload outside a scope."""
    for obj in objs.values():
        if obj in db.session:
            db.session.refresh(obj)
    db.session.expunge_all()


def count() -> int:
    db.session.rollback()
    with tenant_scope(tenant("marl")):
        return db.session.execute(select(func.count()).select_from(Activity)).scalar_one()


def test_activity_on_an_offering_of_another_office_is_refused(client, auth, marl):
    auth("staff", "marl")
    before = count()
    response = post_activity(client, marl, offering_id=str(marl["foreign_offering"].id))
    assert response.status_code == 400
    assert count() == before


def test_operation_refuses_the_mismatch_for_an_unscoped_coordinator(client, auth, marl):
    auth("coordinator", "marl")
    before = count()
    response = post_activity(client, marl, offering_id=str(marl["foreign_offering"].id))
    assert response.status_code == 400
    # in the tenant's words (issue 12), not the generic "Büro"
    assert "Das Angebot gehört zu einem anderen Stadtteilbüro." in response.get_data(as_text=True)
    assert count() == before


def test_offering_choices_show_only_the_offices_own_offerings_with_the_office(client, auth, marl):
    auth("staff", "marl")
    html = client.get("/marl/activities/new").get_data(as_text=True)
    select_html = html.split('name="offering_id"')[1].split("</select>")[0]
    assert f'value="{marl["foreign_offering"].id}"' not in select_html
    assert f"Elterncafé – {marl['office'].name}" in select_html


def test_staff_sees_only_offerings_of_its_office(client, auth, marl):
    auth("staff", "marl")
    html = client.get("/marl/offerings/").get_data(as_text=True)
    assert "zzcafe2" not in html and f"/marl/offerings/{marl['foreign_offering'].id}" not in html
    assert client.get(f"/marl/offerings/{marl['foreign_offering'].id}").status_code == 404
    assert client.get(f"/marl/offerings/{marl['offering'].id}").status_code == 200


def test_double_submitted_form_stores_one_activity(client, auth, marl):
    auth("staff", "marl")
    before = count()
    html = client.get("/marl/activities/new").get_data(as_text=True)
    token = re.search(r'name="idempotency_token" value="([^"]+)"', html).group(1)
    first = post_activity(client, marl, idempotency_token=token)
    assert first.status_code == 302
    second = post_activity(client, marl, idempotency_token=token)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count() == before + 1
    # a fresh form gets a fresh token and stores again
    html = client.get("/marl/activities/new").get_data(as_text=True)
    fresh = re.search(r'name="idempotency_token" value="([^"]+)"', html).group(1)
    assert fresh != token
    assert post_activity(client, marl, idempotency_token=fresh).status_code == 302
    assert count() == before + 2


def test_staff_months_page_lists_only_its_offices(client, auth, marl):
    auth("staff", "marl")
    html = client.get("/marl/activities/months").get_data(as_text=True)
    assert marl["office"].name in html and "Anderes Büro" not in html
    token = csrf_token(client, "/marl/activities/months")
    period = f"{LAST_MONTH:%Y-%m}"
    url = f"/marl/activities/months/{marl['other_office'].id}/{period}/submit"
    assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_a_refused_submit_keeps_its_token_for_the_corrected_form(client, auth, marl):
    auth("staff", "marl")
    before = count()
    html = client.get("/marl/activities/new").get_data(as_text=True)
    token = re.search(r'name="idempotency_token" value="([^"]+)"', html).group(1)
    refused = post_activity(client, marl, idempotency_token=token, date="2999-01-01")
    assert refused.status_code == 400
    assert f'name="idempotency_token" value="{token}"' in refused.get_data(as_text=True)
    assert post_activity(client, marl, idempotency_token=token).status_code == 302
    assert count() == before + 1


def test_a_forged_token_stores_nothing(client, auth, marl):
    auth("staff", "marl")
    before = count()
    response = post_activity(client, marl, idempotency_token="made-up")
    assert response.status_code == 400
    assert count() == before
