"""The public directory pages: no login, the tenant's own words, only what is published,
no staff data, tenant isolation, filters, "which office is mine", flyer and legal pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offerings.models import Offering
from saas.offices.models import Office
from saas.teams.models import StaffMember
from tests.conftest import csrf_token, tenant


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def row(model, slug: str = "marl", **where):
    """A fresh copy of a row as the requests left it, detached, so that its attributes stay
    readable outside the tenant scope (on PostgreSQL, RLS hides the row there)."""
    db.session.expire_all()
    with tenant_scope(tenant(slug)):
        obj = db.session.execute(select(model).filter_by(**where)).unique().scalar_one()
        db.session.expunge(obj)
        return obj


@pytest.mark.parametrize(
    ("slug", "word"),
    [("marl", "Stadtteilbüro"), ("hamm", "Stadtteilzentr"), ("rv-saarbruecken", "Sozialraumbüro")],
)
def test_start_page_lists_the_offices_without_login(client, slug, word):
    html = get(client, f"/{slug}/")
    assert f"Welches {word}" in html  # the tenant's own word
    assert "Öffnungszeiten" in html
    assert 'href="/' + slug + "/directory/offices/" in html
    assert "Erklärung zur Barrierefreiheit" in html and "Impressum" in html


def test_start_page_shows_address_hours_contact_areas_carriers_offerings(client):
    html = get(client, "/marl/")
    card = html[html.index("Stadtteilbüro Brassert</a>") :]
    card = card[: card.index("</li>\n\n  <li")] if "</li>\n\n  <li" in card else card[:4000]
    assert "Brassertstraße 91" in card
    assert "Montag" in card and "09:00–12:00" in card
    assert "stadtteilbuero.brassert@marl.example" in card
    assert "Brassert" in card  # the area served
    assert "LWL-Jugendhilfezentrum" in card
    assert "Elterncafé" in card and "Hausaufgabenhilfe" in card


def test_no_staff_member_appears_on_any_public_page(client):
    with tenant_scope(tenant("marl")):
        names = [m.name for m in db.session.execute(select(StaffMember)).scalars()]
    cafe = row(Offering, code="elterncafe-brassert")
    office = row(Office, code="stb-brassert")
    pages = [
        get(client, "/marl/"),
        get(client, f"/marl/directory/offices/{office.public_id}"),
        get(client, f"/marl/directory/offices/{office.public_id}/flyer"),
        get(client, f"/marl/directory/offerings/{cafe.public_id}"),
        get(client, "/marl/directory/offerings/"),
    ]
    assert names
    for html in pages:
        assert not [n for n in names if n in html]


def test_office_and_offering_pages(client):
    office = row(Office, code="stb-brassert")
    cafe = row(Offering, code="elterncafe-brassert")
    html = get(client, f"/marl/directory/offices/{office.public_id}")
    assert "<h1>Stadtteilbüro Brassert</h1>" in html and "Elterncafé" in html
    html = get(client, f"/marl/directory/offerings/{cafe.public_id}")
    assert "Eltern mit Kindern unter 6 Jahren" in html  # target group
    assert "0 bis 6 Jahre" in html  # age range
    assert "Mittwoch" in html and "09:30–11:30" in html  # weekly schedule
    assert "Gruppenraum im Stadtteilbüro" in html  # place
    assert "kostenlos" in html  # costs
    assert "LWL-Jugendhilfezentrum" in html  # carrier
    fest = row(Offering, code="stadtteilfest-huels-sued")
    assert "Sonntag im Sommer" in get(client, f"/marl/directory/offerings/{fest.public_id}")


def test_the_flyer_is_one_printable_page(client):
    office = row(Office, code="stb-brassert")
    html = get(client, f"/marl/directory/offices/{office.public_id}/flyer")
    assert "pub-flyer" in html and "Elterncafé" in html and "Brassertstraße 91" in html
    css = (Path(__file__).parents[2] / "saas/static/css/app.css").read_text(encoding="utf-8")
    assert "@media print" in css[css.index("/* == public") :]


def test_another_tenants_objects_are_404(client):
    office = row(Office, code="stb-brassert")
    cafe = row(Offering, code="elterncafe-brassert")
    get(client, f"/marl/directory/offices/{office.public_id}")
    get(client, f"/hamm/directory/offices/{office.public_id}", 404)
    get(client, f"/hamm/directory/offices/{office.public_id}/flyer", 404)
    get(client, f"/hamm/directory/offerings/{cafe.public_id}", 404)
    get(client, f"/marl/directory/offices/{office.id}", 404)  # row ids are not public ids
    get(client, "/nowhere/", 404)


def test_unpublished_objects_are_absent(client):
    hidden = row(Offering, code="alleinerziehende-mittendrin")
    assert not hidden.public
    get(client, f"/marl/directory/offerings/{hidden.public_id}", 404)
    assert "Treff für Alleinerziehende" not in get(client, "/marl/directory/offerings/")
    assert "Treff für Alleinerziehende" not in get(client, "/marl/")
    with tenant_scope(tenant("marl")):
        office = db.session.execute(select(Office).filter_by(code="stb-brassert")).scalar_one()
        office.public = False
        db.session.commit()
        public_id = office.public_id
    html = get(client, "/marl/")
    assert "Stadtteilbüro Brassert" not in html
    assert "Brassertstraße" not in html
    get(client, f"/marl/directory/offices/{public_id}", 404)
    cafe = row(Offering, code="elterncafe-brassert")
    get(client, f"/marl/directory/offerings/{cafe.public_id}", 404)  # goes with its office


def test_archived_and_closed_offices_are_absent(client):
    from datetime import date

    with tenant_scope(tenant("marl")):
        office = db.session.execute(select(Office).filter_by(code="stb-brassert")).scalar_one()
        office.closed_on = date(2020, 1, 1)
        office.opened_on = date(2018, 11, 1)
        db.session.commit()
    assert "Stadtteilbüro Brassert" not in get(client, "/marl/")


def found(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/marl/directory/offerings/[^"]+">([^<]+)</a></h2>', html)


def test_offering_filters(client):
    url = "/marl/directory/offerings/"
    everything = found(get(client, url))
    assert len(everything) == 28
    wednesday = found(get(client, f"{url}?weekday=2"))
    assert "Elterncafé" in wednesday and "Babyclub" not in wednesday
    babies = found(get(client, f"{url}?age=0"))
    assert "Babyclub" in babies and "Hausaufgabenhilfe" not in babies
    teens = found(get(client, f"{url}?age=13"))
    assert "Hausaufgabenhilfe" not in teens and "Ferienfreizeitspaß" in teens
    parents = found(get(client, f"{url}?target=Eltern+mit+Kindern+unter+6+Jahren"))
    assert set(parents) == {"Elterncafé"}
    office = row(Office, code="stb-brassert")
    at_brassert = found(get(client, f"{url}?office={office.public_id}"))
    assert sorted(at_brassert) == ["Elterncafé", "Hausaufgabenhilfe", "Offene Sprechstunde"]
    combined = found(get(client, f"{url}?office={office.public_id}&weekday=2&age=3"))
    assert combined == ["Elterncafé"]
    assert found(get(client, f"{url}?q=frühstück")) == ["Frühstücksrunde", "Frühstückstreff"]
    assert len(found(get(client, f"{url}?weekday=9&age=abc"))) == 28  # bad values: no filter


def test_which_office_is_mine_by_area(client):
    brassert = row(Area, code="13")
    html = get(client, f"/marl/directory/finder?area={brassert.id}")
    assert "Für Brassert:" in html and "Stadtteilbüro Brassert" in html
    assert "Stadtteilbüro Drewer-Süd" not in html
    drewer_sued = row(Area, code="15")
    html = get(client, f"/marl/directory/finder?area={drewer_sued.id}")
    assert "Stadtteilbüro Drewer-Süd" in html and "Am alten Sportplatz" in html


def test_which_office_is_mine_follows_the_area_tree(client):
    """Hamm: the Stadtteilzentrum serving the Sozialraum Heessen is there for its Quartier;
    a Quartier no office is responsible for is not offered."""
    quarter = row(Area, "hamm", code="Q-HEESSEN")
    html = get(client, f"/hamm/directory/finder?area={quarter.id}")
    assert "Für Heessen:" in html and "Stadtteilzentrum Bockelweg" in html
    without = row(Area, "hamm", code="Q-SUEDLICHE-INNENSTADT")
    assert f'value="{without.id}"' not in get(client, "/hamm/")


def test_which_office_is_mine_by_street(client):
    assert 'name="street"' in get(client, "/marl/")  # Marl provides streets
    html = get(client, "/marl/directory/finder?street=max-reger-str.")
    assert "Für Hüls-Süd:" in html and "Nachbarschaftszentrum" in html
    html = get(client, "/marl/directory/finder?street=Pommernstrasse")
    assert "Stadtteilbüro Drewer-Süd" in html
    html = get(client, "/marl/directory/finder?street=Unbekannter+Weg")
    assert "haben wir nichts gefunden" in html
    assert 'name="street"' not in get(client, "/hamm/")  # Hamm has no street lists


def test_english_pages(client):
    token = csrf_token(client, "/marl/")
    client.post("/lang", data={"locale": "en", "csrf_token": token, "next": "/marl/"})
    html = get(client, "/marl/")
    assert "Which Stadtteilbüro is there for me?" in html
    assert "Opening hours" in html and "Monday" in html
    assert "Accessibility statement" in get(client, "/marl/accessibility")


def test_legal_pages_have_defaults_and_the_feedback_contact(client):
    html = get(client, "/marl/accessibility")
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in html
    assert "WCAG 2.1" in html and "Nordrhein-Westfalen" in html
    assert "jugendamt@marl.example" in html
    assert "Herausgeber: Stadt Marl" in get(client, "/marl/imprint")
    assert "Tracking-Cookies" in get(client, "/marl/privacy")


def test_footer_links_on_staff_pages_too(auth):
    client = auth("staff")
    html = get(client, "/marl/activities/")
    assert 'href="/marl/accessibility"' in html and 'href="/marl/privacy"' in html


def test_admin_writes_the_legal_texts(auth):
    client = auth("admin")
    token = csrf_token(client, "/marl/settings/public")
    version = re.search(
        r'name="version" type="hidden" value="(\d+)"', get(client, "/marl/settings/public")
    )
    assert version
    response = client.post(
        "/marl/settings/public",
        data={
            "csrf_token": token,
            "version": version.group(1),
            "public_feedback_email": "barrierefrei@marl.example",
            "public_imprint": "Stadt Marl\n\nDer Bürgermeister",
        },
    )
    assert response.status_code == 302
    html = get(client, "/marl/imprint")
    assert "<p>Der Bürgermeister</p>" in html and "barrierefrei@marl.example" in html
    assert "Herausgeber" not in html
    assert "WCAG 2.1" in get(client, "/marl/accessibility")  # still the default


def test_only_admins_write_the_legal_texts(auth):
    client = auth("coordinator")
    assert client.get("/marl/settings/public").status_code == 403


def test_office_form_has_the_public_flag_on_by_default(auth):
    client = auth("admin")
    html = get(client, "/marl/offices/new")
    assert re.search(r'<input[^>]*checked[^>]*name="public"|name="public"[^>]*checked', html)
    html = get(client, "/marl/offerings/new")
    assert 'name="public"' in html and 'name="costs"' in html and 'name="place"' in html


def test_the_office_page_for_staff_links_its_public_page(auth):
    client = auth("admin")
    office = row(Office, code="stb-brassert")
    html = get(client, f"/marl/offices/{office.id}")
    assert f'href="/marl/directory/offices/{office.public_id}"' in html


def test_an_office_added_by_the_admin_is_public_and_keeps_its_id_on_edits(auth):
    client = auth("admin")
    token = csrf_token(client, "/marl/offices/new")
    data = {
        "csrf_token": token,
        "code": "stb-neu",
        "name": "Stadtteilbüro Neu",
        "address": "Lipper Weg 1",
        "city": "Marl",
        "opening_hours": "Di 10:00-12:00",
        "public": "y",
    }
    assert client.post("/marl/offices/new", data=data).status_code == 302
    office = row(Office, code="stb-neu")
    html = get(client, "/marl/")
    assert "Stadtteilbüro Neu" in html and "Lipper Weg 1" in html and "10:00–12:00" in html
    edit = get(client, f"/marl/offices/{office.id}/edit")
    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit)
    assert version
    data |= {"csrf_token": csrf_token(client, f"/marl/offices/{office.id}/edit")}
    data |= {"name": "Stadtteilbüro Lipper Weg", "version": version.group(1)}
    del data["public"]  # unticked: taken off the public pages
    assert client.post(f"/marl/offices/{office.id}/edit", data=data).status_code == 302
    again = row(Office, code="stb-neu")
    assert again.public_id == office.public_id and not again.public
    assert "Stadtteilbüro Lipper Weg" not in get(client, "/marl/")
    get(client, f"/marl/directory/offices/{office.public_id}", 404)


def test_every_public_page_speaks_in_the_tenants_words(client):
    """Hamm says "Stadtteilzentrum" and "Sozialraum": no public page of Hamm's, its empty
    state included, falls back on the generic "Büro" or "Gebiet" (the flyer's way back, the
    costs' fallback, the legal pages and the empty start page did)."""
    from sqlalchemy import update

    from tests.periods.test_desk_words import generic_words

    urls = ["/hamm/", "/hamm/directory/finder", "/hamm/directory/offerings/"]
    urls += ["/hamm/imprint", "/hamm/privacy", "/hamm/accessibility"]
    with tenant_scope(tenant("hamm")):
        offices = db.session.execute(select(Office.public_id).filter_by(public=True)).scalars()
        for public_id in offices:
            urls += [f"/hamm/directory/offices/{public_id}"]
            urls += [f"/hamm/directory/offices/{public_id}/flyer"]
        offerings = db.session.execute(select(Offering).filter_by(public=True)).scalars().all()
        urls += [f"/hamm/directory/offerings/{o.public_id}" for o in offerings]
        assert any(not o.costs for o in offerings)  # the costs' fallback is on a page
    assert len(urls) > 10
    for url in urls:
        words = generic_words(get(client, url))
        assert not words, (url, words)
    with tenant_scope(tenant("hamm")):
        db.session.execute(update(Office).values(public=False))
        db.session.commit()
    empty = get(client, "/hamm/")
    assert "Noch keine Stadtteilzentren veröffentlicht." in empty
    assert not generic_words(empty), generic_words(empty)
