"""The HSDS 3.0 open data: every object served is valid against the specification's compiled
JSON schemas, for all three demo tenants; pages as the HSDS OpenAPI says; ids stable; only
public objects; another tenant's ids answer 404."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offerings.models import Offering
from saas.offices.models import Office
from tests.conftest import tenant

SCHEMAS = Path(__file__).parent / "hsds-3.0"
SLUGS = ("marl", "hamm", "rv-saarbruecken")
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads(gzip.decompress((SCHEMAS / f"{name}.json.gz").read_bytes()))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(name: str, obj: dict[str, Any]) -> None:
    errors = sorted(validator(name).iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )


def all_pages(client: Any, url: str, per_page: int = 7) -> list[dict[str, Any]]:
    items, number = [], 1
    while True:
        response = client.get(f"{url}?page={number}&per_page={per_page}")
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == PAGE_KEYS
        assert body["page_number"] == number and body["size"] == len(body["contents"])
        items += body["contents"]
        if body["last_page"]:
            assert body["total_items"] == len(items)
            return items
        number += 1


@pytest.mark.parametrize("slug", SLUGS)
def test_every_object_served_is_valid_hsds(client, slug):
    """Lists and details of services, organizations and services at locations, no login."""
    base = f"/{slug}/open-data/hsds"
    info = client.get(f"{base}/").get_json()
    assert info["version"] == "3.0" and info["openapi_url"].startswith("https://")

    services = all_pages(client, f"{base}/services")
    assert len(services) >= 10
    for item in services:
        assert_valid("service_list", item)
        full = client.get(f"{base}/services/{item['id']}").get_json()
        assert_valid("service", full)
        assert full["id"] == item["id"]

    organizations = all_pages(client, f"{base}/organizations")
    assert len(organizations) >= 2  # the Jugendamt and at least one carrier
    for item in organizations:
        assert_valid("organization_list", item)
        assert_valid("organization", client.get(f"{base}/organizations/{item['id']}").get_json())

    at_locations = all_pages(client, f"{base}/service_at_locations")
    assert at_locations
    for item in at_locations:
        assert_valid("service_at_location_list", item)
        full = client.get(f"{base}/service_at_locations/{item['id']}").get_json()
        assert_valid("service_at_location", full)
        assert full["location"]["id"] == item["location_id"]


def test_the_elterncafe_is_a_weekly_service_at_its_office(client):
    with tenant_scope(tenant("marl")):
        cafe = db.session.execute(
            select(Offering).where(Offering.code == "elterncafe-brassert")
        ).scalar_one()
        office = db.session.get(Office, cafe.office_id)
        public_id, office_id = cafe.public_id, office.public_id
    service = client.get(f"/marl/open-data/hsds/services/{public_id}").get_json()
    assert service["name"] == "Elterncafé"
    assert service["minimum_age"] == 0 and service["maximum_age"] == 6
    (weekly,) = service["schedules"]
    assert (weekly["freq"], weekly["byday"], weekly["opens_at"], weekly["closes_at"]) == (
        "WEEKLY",
        "WE",
        "09:30",
        "11:30",
    )
    (at,) = service["service_at_locations"]
    location = at["location"]
    assert location["id"] == office_id and location["name"] == "Stadtteilbüro Brassert"
    assert location["addresses"][0]["address_1"] == "Brassertstraße 91"
    assert location["addresses"][0]["state_province"] == "Nordrhein-Westfalen"
    assert {s["byday"] for s in location["schedules"]} == {"MO", "WE", "TH"}
    assert service["organization"]["name"].startswith("LWL-Jugendhilfezentrum")


def test_pagination_follows_the_openapi_page(client):
    body = client.get("/marl/open-data/hsds/services?per_page=5&page=2").get_json()
    assert body["total_items"] == 28  # the published offerings of Marl
    assert body["total_pages"] == 6
    assert (body["page_number"], body["size"], body["first_page"], body["last_page"]) == (
        2,
        5,
        False,
        False,
    )
    assert body["empty"] is False
    last = client.get("/marl/open-data/hsds/services?per_page=5&page=6").get_json()
    assert last["last_page"] is True and last["size"] == 3
    beyond = client.get("/marl/open-data/hsds/services?per_page=5&page=9").get_json()
    assert beyond["empty"] is True and beyond["contents"] == []


def test_search_and_organization_filter(client):
    cafes = client.get("/marl/open-data/hsds/services?search=elterncafé&per_page=50").get_json()
    assert cafes["total_items"] == 6
    assert {s["name"] for s in cafes["contents"]} == {"Elterncafé"}
    orgs = client.get("/marl/open-data/hsds/organizations?per_page=50").get_json()["contents"]
    awo = next(o for o in orgs if o["name"].startswith("AWO"))
    of_awo = client.get(
        f"/marl/open-data/hsds/services?organization_id={awo['id']}&per_page=50"
    ).get_json()
    assert of_awo["total_items"] >= 1
    assert {s["organization_id"] for s in of_awo["contents"]} == {awo["id"]}


def test_ids_are_the_stored_uuids_and_survive_edits(client):
    with tenant_scope(tenant("marl")):
        cafe = db.session.execute(
            select(Offering).where(Offering.code == "elterncafe-brassert")
        ).scalar_one()
        before = cafe.public_id
        cafe.name = "Elterncafé Brassert"
        cafe.code = "elterncafe-2"
        db.session.commit()
    service = client.get(f"/marl/open-data/hsds/services/{before}").get_json()
    assert service["id"] == before and service["name"] == "Elterncafé Brassert"


def test_only_public_objects_are_served(client):
    with tenant_scope(tenant("marl")):
        hidden = db.session.execute(
            select(Offering).where(Offering.code == "alleinerziehende-mittendrin")
        ).scalar_one()
        assert hidden.public is False  # the profile keeps this group internal
        office = db.session.execute(
            select(Office).where(Office.code == "stb-drewer-nord")
        ).scalar_one()
        office.public = False
        db.session.commit()
        hidden_id, office_id = hidden.public_id, office.public_id
        of_office = [
            o.public_id
            for o in db.session.execute(
                select(Offering).where(Offering.office_id == office.id)
            ).scalars()
        ]
    base = "/marl/open-data/hsds"
    assert client.get(f"{base}/services/{hidden_id}").status_code == 404
    served = {s["id"] for s in all_pages(client, f"{base}/services", per_page=200)}
    assert hidden_id not in served
    assert not served & set(of_office)  # offerings of an unlisted office go with it
    locations = {s["location_id"] for s in all_pages(client, f"{base}/service_at_locations")}
    assert office_id not in locations
    jugendamt = client.get(f"{base}/organizations/{tenant('marl').public_id}").get_json()
    assert office_id not in {loc["id"] for loc in jugendamt["locations"]}


def test_another_tenants_ids_are_404(client):
    with tenant_scope(tenant("marl")):
        cafe = db.session.execute(
            select(Offering).where(Offering.code == "elterncafe-brassert")
        ).scalar_one()
        service_id = cafe.public_id
    marl_org = tenant("marl").public_id
    assert client.get(f"/marl/open-data/hsds/services/{service_id}").status_code == 200
    assert client.get(f"/hamm/open-data/hsds/services/{service_id}").status_code == 404
    assert client.get(f"/hamm/open-data/hsds/organizations/{marl_org}").status_code == 404
    assert client.get("/nowhere/open-data/hsds/services").status_code == 404
    missing = client.get("/marl/open-data/hsds/services/not-a-uuid")
    assert missing.status_code == 404 and missing.get_json() == {"error": "not found"}
