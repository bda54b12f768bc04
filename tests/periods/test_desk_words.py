"""The approval desk speaks in the tenant's own words: Hamm's "Stadtteilzentren" and
"Sozialräume", the Regionalverband's "Sozialraumbüros" — never the catalogue's generic
"Büros" or "Gebiete", neither on the desk, its empty state nor its confirmation page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login
from tests.test_german_formats import visible_text

HAMM_WORDS = {
    "office": "Stadtteilzentrum",
    "offices": "Stadtteilzentren",
    "area": "Sozialraum",
    "areas": "Sozialräume",
}
GENERIC = re.compile(r"\b(?:Gebiet|Gebiete|Gebieten|Büro|Büros)\b")


def generic_words(html: str) -> list[str]:
    return [text for text in visible_text(html) if GENERIC.search(text)]


@pytest.mark.parametrize(
    ("slug", "area", "office"),
    [
        ("hamm", "Sozialraum", "Stadtteilzentrum"),
        ("rv-saarbruecken", "Sozialraum", "Sozialraumbüro"),
    ],
)
def test_the_desks_of_hamm_and_saarbruecken_use_their_own_words(client, slug, area, office):
    assert login(client, f"coordinator@{slug}.example", slug).status_code == 302
    figures = client.get(f"/{slug}/figures/periods?period=2024-11").get_data(as_text=True)
    assert f'<th scope="col">{area}</th>' in figures
    assert f'<label for="f-office">{office}</label>' in figures
    assert not generic_words(figures), generic_words(figures)
    months = client.get(f"/{slug}/activities/months?period=2024-11").get_data(as_text=True)
    assert f'<th scope="col">{office}</th>' in months
    assert not generic_words(months), generic_words(months)
    # the confirmation page of "approve all checked" (a row that cannot be approved now)
    token = csrf_token(client, f"/{slug}/figures/periods?period=2024-11")
    ref = re.search(r'href="/[^"]+/figures/(\d+)/grid', figures) or re.search(
        r'id="c-area-(\d+)"', figures
    )
    area_id = ref.group(1) if ref else "1"
    confirm = client.post(
        f"/{slug}/figures/periods/approve",
        data={"csrf_token": token, "row": f"{area_id}:2024-11:0"},
    ).get_data(as_text=True)
    assert "Markierte Zeilen freigeben" in confirm
    assert f'<th scope="col">{area}</th>' in confirm
    assert not generic_words(confirm), generic_words(confirm)


def test_the_empty_desk_names_what_to_create_in_the_tenants_words(
    client, create_tenant, create_user
):
    """Regression: "In Ihrem Bereich gibt es noch keine Gebiete/Büros" on a new tenant."""
    new = create_tenant("leer", "Stadt Leer", vocabulary=HAMM_WORDS, default_locale="de")
    create_user("koordination@leer.example", tenant_obj=new, role="coordinator")
    assert login(client, "koordination@leer.example", "leer").status_code == 302
    figures = client.get("/leer/figures/periods").get_data(as_text=True)
    assert (
        "In Ihrem Bereich gibt es noch keine Sozialräume. Legen Sie sie zuerst unter "
        "„Sozialräume“ an." in figures
    ), figures
    months = client.get("/leer/activities/months").get_data(as_text=True)
    assert "gibt es noch keine Stadtteilzentren." in months and "„Stadtteilzentren“" in months
    for html in (figures, months):
        assert not generic_words(html), generic_words(html)
