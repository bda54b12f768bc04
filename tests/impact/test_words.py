"""The impact texts name offices and areas in the tenant's own words (saas.core.labels.word):
reasons, notes, table titles, the caveat, the method and the exports — in German and English.

The tiny municipality of ``conftest.py`` calls its offices "Familienzentrum" and its areas
"Quartier" here, words no catalogue text contains.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office, OfficeArea
from tests.conftest import csrf_token, login
from tests.impact.conftest import Town
from tests.test_german_formats import visible_text

WORDS = {
    "office": "Familienzentrum",
    "offices": "Familienzentren",
    "area": "Quartier",
    "areas": "Quartiere",
}
#: the catalogue's generic words, and the demo's default words the tenant did not choose
GERMAN = re.compile(r"\b(?:Büros?|Gebiete?n?|Gebiets|Vergleichsgebiete?n?|Stadtteil\w*)\b")
ENGLISH = re.compile(
    r"\b(?:served areas|comparison areas?|the office|no office|offices are|areas of each group"
    r"|same areas|areas with)\b"
)


def _town_in_its_words(town: Town) -> int:
    """The tenant's words, and an office linked to a corner of Parkviertel Nord without
    figures of its own (so its analysis notes the partial coverage)."""
    with all_tenants():
        town.tenant.vocabulary = dict(WORDS)
        db.session.commit()
    with tenant_scope(town.tenant):
        for office in db.session.execute(select(Office)).scalars():  # "Büro Parkviertel" …
            office.name = office.name.replace("Büro", "Zentrum")
        p1 = db.session.execute(select(Area).where(Area.code == "P1")).scalar_one()
        corner = Area(level_id=p1.level_id, code="P1a", name="Parkecke", parent_id=p1.id)
        office = Office(code="corner", name="Eckzentrum", opened_on=date(2019, 3, 1))
        db.session.add_all([corner, office])
        db.session.flush()
        db.session.add(OfficeArea(office_id=office.id, area_id=corner.id))
        db.session.commit()
        return office.id


def _texts(client: Any, town: Town, corner: int) -> dict[str, str]:
    base = "/kleinstadt/impact"
    new, undated = town.offices["new"], town.offices["undated"]
    pages = {
        "index": f"{base}/?window=2",
        "office": f"{base}/{new}?window=2",
        "corner": f"{base}/{corner}?window=2",
        "undated": f"{base}/{undated}",
    }
    found = {
        name: " ".join(visible_text(client.get(url).get_data(as_text=True)))
        for name, url in pages.items()
    }
    for name, office in (("csv", new), ("corner.csv", corner)):
        data = client.get(f"{base}/{office}/export.csv?window=2").data
        found[name] = data.decode("utf-8-sig")
    return found


def test_the_impact_texts_speak_the_tenant_s_words(client: Any, create_user: Any, town: Town):
    """Before the fix the reasons, notes, titles, caveat and method said "Büro",
    "versorgte Gebiete", "Vergleichsgebiete" ("served areas", "the office") whatever the
    tenant called them."""
    corner = _town_in_its_words(town)
    create_user("coordinator@kleinstadt.example", tenant_obj=town.tenant, role="coordinator")
    assert login(client, "coordinator@kleinstadt.example", "kleinstadt").status_code == 302

    german = _texts(client, town, corner)
    for name, text in german.items():
        assert not GERMAN.findall(text), (name, sorted(set(GERMAN.findall(text))))
    assert "Familienzentrum ohne Eröffnungsdatum" in german["index"]  # the reason
    assert "Familienzentrum ohne Eröffnungsdatum" in german["undated"]
    assert "Für einige versorgte Quartiere liegen keine eigenen Werte vor" in german["corner"]
    assert "Für einige versorgte Quartiere" in german["corner.csv"]  # the note, exported
    assert "Veränderung des Eckwerts der versorgten Quartiere" in german["office"]  # method
    assert "Familienzentren werden gezielt dort eröffnet" in german["office"]  # caveat
    csv_text = german["csv"]
    assert "Familienzentrum;Zentrum Parkviertel" in csv_text  # the header names the office
    assert "Kostenannahmen: Hilfearten der versorgten Quartiere" in csv_text
    assert "Vergleichs-Quartiere (im Zeitraum ohne Familienzentrum)" in csv_text

    url = f"/kleinstadt/impact/{town.offices['new']}"
    client.post("/lang", data={"locale": "en", "next": url, "csrf_token": csrf_token(client, url)})
    english = _texts(client, town, corner)
    for name, text in english.items():
        assert not ENGLISH.findall(text), (name, sorted(set(ENGLISH.findall(text))))
    assert "The Familienzentrum has no opening date" in english["undated"]
    assert "Some Quartiere served have no figures of their own" in english["corner"]
    assert "the rate in the Quartiere served" in english["office"]
    assert "Familienzentren are opened in Quartiere" in english["csv"]
    assert "Cost assumptions: help types in the Quartiere served" in english["csv"]
