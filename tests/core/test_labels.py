"""The tenant's own words (saas.core.labels.word) on the pages issue 12 found "Büro/Gebiet" on."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from saas.core.labels import field_label, table_label, word
from tests.conftest import login, tenant
from tests.test_german_formats import visible_text

GENERIC = re.compile(r"\b(?:Büros?|Gebiete?|Gebieten)\b")
#: (slug, its word for an office, for several offices)
TENANTS = [
    ("marl", "Stadtteilbüro", "Stadtteilbüros"),
    ("hamm", "Stadtteilzentrum", "Stadtteilzentren"),
    ("rv-saarbruecken", "Sozialraumbüro", "Sozialraumbüros"),
]


@pytest.mark.parametrize(("slug", "office", "offices"), TENANTS)
def test_pages_speak_the_tenant_s_words(app: Flask, slug: str, office: str, offices: str) -> None:
    """Regression: the dashboard counted "Büros" and "Gebiete", the activity form asked for
    "Büro" and "Gebiet", the public page spoke of "Büros"."""
    public = app.test_client().get(f"/{slug}/").get_data(as_text=True)
    assert offices in public
    client = app.test_client()
    assert login(client, f"admin@{slug}.example", slug).status_code == 302
    found = {}
    for path in (f"/{slug}/", f"/{slug}/dashboard", f"/{slug}/activities/new"):
        text = " ".join(visible_text(client.get(path).get_data(as_text=True)))
        found[path] = GENERIC.findall(text)
    assert not any(found.values()), found
    dashboard = client.get(f"/{slug}/dashboard").get_data(as_text=True)
    assert offices in dashboard
    assert office in client.get(f"/{slug}/activities/new").get_data(as_text=True)


def test_the_lookup_outside_a_tenant_and_for_fields(app: Flask) -> None:
    from flask import g

    with app.test_request_context("/platform/"):
        assert word("office") == "Büro"  # the platform's own pages have no tenant
        g.tenant = tenant("hamm")
        assert (word("office"), word("areas"), table_label("offices")) == (
            "Stadtteilzentrum",
            "Sozialräume",
            "Stadtteilzentren",
        )
        assert field_label("activities", "p_27_64") == "Teilnehmende 27–64 Jahre"
        assert field_label("activities", "office_id") == "Stadtteilzentrum"
        assert field_label("offices", "opened_on") == "Eröffnet am"
        assert field_label("offices", "something_new") == "something_new"


def test_the_cost_caveat_speaks_of_sources_users_know(app: Flask) -> None:
    """Regression: the caveat cited "Rechercheunterlagen" — notes the users never saw."""
    client = app.test_client()
    assert login(client, "admin@marl.example").status_code == 302
    html = client.get("/marl/impact/costs").get_data(as_text=True)
    assert "Rechercheunterlagen" not in html
    assert "Bitte tragen Sie die Kosten Ihrer Kommune ein." in html


def test_every_page_links_the_favicon_and_it_is_served(app: Flask) -> None:
    """Regression: no favicon, so the browser's request for /favicon.ico logged a 404."""
    client = app.test_client()
    html = client.get("/marl/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    with client.get(href) as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data and b"<title>Sozialraum</title>" in response.data


def test_tables_named_by_a_phrase_use_the_tenant_s_words(app: Flask) -> None:
    """Regression: a carrier that cannot be deleted listed "Trägerzuordnungen der Büros",
    the office page linked the "Öffentliche Seite dieses Büros"."""
    from flask import g
    from sqlalchemy import select

    from saas.core.db import db
    from saas.core.tenancy import tenant_scope
    from saas.offices.models import Office

    with app.test_request_context("/hamm/"):
        g.tenant = tenant("hamm")
        assert table_label("office_carriers") == "Trägerzuordnungen der Stadtteilzentren"
        assert table_label("office_areas") == "Sozialräume der Stadtteilzentren"
    with tenant_scope(tenant("hamm")):
        office = db.session.execute(select(Office.id, Office.name).where(Office.public)).first()
    client = app.test_client()
    assert login(client, "admin@hamm.example", "hamm").status_code == 302
    text = " ".join(visible_text(client.get(f"/hamm/offices/{office.id}").get_data(as_text=True)))
    assert f"Öffentliche Seite von „{office.name}“" in text
    assert not GENERIC.findall(text), GENERIC.findall(text)
