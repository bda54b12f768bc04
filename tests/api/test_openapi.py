"""The OpenAPI document: valid 3.1 shape, every /api/v1 rule in it and nothing else.

That the answers conform to the schemas declared is checked on every call of the other
tests (``tests/api/conftest.py::conform``)."""

from __future__ import annotations

import re

from flask import Flask
from jsonschema import Draft202012Validator

from saas.api.openapi import SCHEMAS
from tests.api.conftest import PREFIX, Api


def test_every_api_rule_is_in_the_document_and_nothing_else(app: Flask, api: Api) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    rules = {
        re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule).removeprefix(PREFIX): rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
    }
    assert len(rules) >= 6
    assert set(rules) == set(document["paths"]), set(rules) ^ set(document["paths"])
    for path, rule in rules.items():
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        assert {m.lower() for m in methods} == set(document["paths"][path]), path
        declared = {
            p["name"]
            for p in document["paths"][path]["get"].get("parameters", [])
            if p["in"] == "path"
        }
        assert declared == set(rule.arguments), path


def test_the_schemas_are_valid_json_schemas_and_every_reference_resolves(app: Flask) -> None:
    from saas.api.openapi import document

    text = str(document())
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in SCHEMAS, name
    for schema in SCHEMAS.values():
        Draft202012Validator.check_schema(schema)


def test_the_document_needs_no_token_and_every_other_endpoint_does(app: Flask, api: Api) -> None:
    from saas.api.openapi import document

    spec = document()
    assert spec["paths"]["/openapi.json"]["get"]["security"] == []
    for path, item in spec["paths"].items():
        if path != "/openapi.json":
            assert "security" not in item["get"], path  # the document's default: the token
            assert "401" in item["get"]["responses"], path
