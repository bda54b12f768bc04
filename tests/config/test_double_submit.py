"""A create form sent twice (double click, resent POST) creates one record."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from saas.carriers.models import Carrier
from saas.core.db import db
from saas.core.idempotency import TOKEN_FIELD
from saas.core.tenancy import tenant_scope
from tests.conftest import tenant


def _page_tokens(client, url: str) -> tuple[str, str]:
    html = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    once = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', html)
    assert once, "the create form carries a one-time token"
    return csrf, once.group(1)


def _count(code: str) -> int:
    with tenant_scope(tenant("marl")):
        return db.session.execute(
            select(func.count()).select_from(Carrier).where(Carrier.code == code)
        ).scalar_one()


def test_the_same_create_form_sent_twice_stores_once(auth, client):
    auth("admin", "marl")
    csrf, once = _page_tokens(client, "/marl/carriers/new")
    data = {"csrf_token": csrf, TOKEN_FIELD: once, "code": "awo2", "name": "AWO", "type": "awo"}
    first = client.post("/marl/carriers/new", data=data)
    second = client.post("/marl/carriers/new", data=data)
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _count("awo2") == 1


def test_a_refused_submit_keeps_its_token_for_the_corrected_form(auth, client):
    auth("admin", "marl")
    csrf, once = _page_tokens(client, "/marl/carriers/new")
    bad = {"csrf_token": csrf, TOKEN_FIELD: once, "code": "Bad Code!", "name": "", "type": "awo"}
    assert client.post("/marl/carriers/new", data=bad).status_code == 400
    good = {**bad, "code": "awo3", "name": "AWO"}
    assert client.post("/marl/carriers/new", data=good).status_code == 302
    assert _count("awo3") == 1
