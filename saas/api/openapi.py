"""The OpenAPI 3.1 document of ``/api/v1/`` (served at ``/api/v1/openapi.json``).

Written by hand next to the endpoints; tests/api check that every rule of the blueprint is
in it and that the answers of the tests conform to the schemas declared here.
"""

from __future__ import annotations

from typing import Any

from saas.reports.definition import SECTION_TYPES

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object: every property required unless named in ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {**STRING, "description": "stable, language-independent"},
                    "message": {**STRING, "description": "for people, in the user's language"},
                }
            )
        }
    ),
    "Cell": {
        **_object(
            {
                "value": {
                    "type": ["number", "null"],
                    "description": "null when withheld (–) or not available (.)",
                },
                "flag": {
                    "type": "string",
                    "enum": ["", "p", "r", "pr", ".", "–"],
                    "description": "p provisional, r revised, . not available, – withheld "
                    "(statistical disclosure control); the legend explains those used",
                },
                "text": {**STRING, "description": "as the CSV export writes it, e.g. 40,0 p"},
            }
        ),
    },
    "Table": _object(
        {
            "caption": STRING,
            "corner": STRING,
            "columns": {"type": "array", "items": STRING},
            "rows": {
                "type": "array",
                "items": _object(
                    {"label": STRING, "cells": {"type": "array", "items": _ref("Cell")}}
                ),
            },
        }
    ),
    "Section": _object(
        {
            "type": {**STRING, "enum": list(SECTION_TYPES)},
            "title": STRING,
            "text": STRING,
            "tables": {"type": "array", "items": _ref("Table")},
        }
    ),
    "Report": _object(
        {
            "title": STRING,
            "template": _object(
                {"id": NULLABLE_INTEGER, "code": STRING, "version": INTEGER, "local": BOOLEAN}
            ),
            "tenant": {**STRING, "description": "the tenant's slug"},
            "first_year": INTEGER,
            "last_year": INTEGER,
            "level": NULLABLE_STRING,
            "level_name": STRING,
            "locale": {**STRING, "enum": ["de", "en"]},
            "generated_at": {**STRING, "format": "date-time"},
            "approved": {**BOOLEAN, "description": "false while a month shown is not approved"},
            "pending_years": {"type": "array", "items": INTEGER},
            "sections": {"type": "array", "items": _ref("Section")},
            "footnotes": {"type": "array", "items": STRING},
            "legend": {
                "type": "array",
                "items": _object({"flag": STRING, "meaning": STRING}),
            },
        }
    ),
    "Template": _object(
        {
            "id": {**INTEGER, "description": "the value of template= for a run"},
            "code": STRING,
            "version": INTEGER,
            "title": STRING,
            "description": STRING,
            "local": {**BOOLEAN, "description": "a variant of this tenant (else shared)"},
        }
    ),
    "TemplateList": _object({"templates": {"type": "array", "items": _ref("Template")}}),
    "PublishedSummary": _object(
        {
            "id": INTEGER,
            "title": STRING,
            "template_code": STRING,
            "template_version": INTEGER,
            "first_year": NULLABLE_INTEGER,
            "last_year": NULLABLE_INTEGER,
            "level": NULLABLE_STRING,
            "published_at": {**STRING, "format": "date-time"},
            "url": STRING,
        }
    ),
    "PublishedList": _object({"published": {"type": "array", "items": _ref("PublishedSummary")}}),
    "PublishedReport": _object(
        {
            "id": INTEGER,
            "title": STRING,
            "template_code": STRING,
            "template_version": INTEGER,
            "first_year": NULLABLE_INTEGER,
            "last_year": NULLABLE_INTEGER,
            "level": NULLABLE_STRING,
            "published_at": {**STRING, "format": "date-time"},
            "url": STRING,
            "revised_years": {
                "type": "array",
                "items": INTEGER,
                "description": "years whose figures changed since the snapshot was published",
            },
            "commentary": {
                "type": "array",
                "items": _object({"section": INTEGER, "text": STRING}),
            },
            "report": _ref("Report"),
        }
    ),
    "Accepted": _object(
        {
            "job": _object({"id": STRING, "status": STRING, "url": STRING}),
            "message": STRING,
        }
    ),
    "Job": _object(
        {
            "id": STRING,
            "status": {**STRING, "enum": ["queued", "started", "finished", "failed"]},
            "done": INTEGER,
            "total": INTEGER,
            "percent": INTEGER,
            "error": NULLABLE_STRING,
            "result_url": {
                **NULLABLE_STRING,
                "description": "when finished: the request to send again",
            },
        }
    ),
}

_ERRORS = {
    "400": "bad parameters (the message says which)",
    "401": "no valid token: missing, unknown, expired or revoked, or the account is inactive",
    "403": "the token's user lacks the permission (as on the web pages)",
    "404": "no such object in the token's tenant",
    "429": "too many requests",
}


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _responses(ok: str, schema: str, *errors: str, **more: dict[str, Any]) -> dict[str, Any]:
    answers = {"200": _answer(ok, schema), **more}
    for status in errors:
        answers[status] = _answer(_ERRORS[status], "Error")
    return answers


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def document() -> dict[str, Any]:
    """The OpenAPI document (paths relative to the server ``/api/v1``)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sozialraum API",
            "version": VERSION,
            "description": (
                "Read-only access to a municipality's reports with a personal API token "
                "(created on the account page). The figures are those of the report pages "
                "and their CSV/XLSX downloads, with the same statistical disclosure control: "
                "a withheld cell has no value (flag –)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "sr_…"}
            },
            "schemas": SCHEMAS,
        },
        "paths": {
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "the OpenAPI document",
                            "content": {"application/json": {}},
                        }
                    },
                }
            },
            "/reports/templates": {
                "get": {
                    "operationId": "templates",
                    "summary": "The report templates the caller may run (permission reports.run)",
                    "responses": _responses(
                        "shared templates (latest version) and the tenant's variants",
                        "TemplateList",
                        "401",
                        "403",
                        "429",
                    ),
                }
            },
            "/reports/run": {
                "get": {
                    "operationId": "run_report",
                    "summary": "Run a template on the current data (permission reports.run)",
                    "parameters": [
                        {
                            "name": "template",
                            "in": "query",
                            "required": True,
                            "description": "the template's id or code",
                            "schema": STRING,
                        },
                        _query("year", "one year (instead of from and to)", INTEGER),
                        _query("from", "first year (default: nine years before to)", INTEGER),
                        _query("to", "last year (default: the last year with figures)", INTEGER),
                        _query("level", "area level code (default: the tenant's)", STRING),
                    ],
                    "responses": _responses(
                        "the report",
                        "Report",
                        "400",
                        "401",
                        "403",
                        "404",
                        "429",
                        **{
                            "202": _answer(
                                "the disclosure control of these years is computed in the "
                                "background first: follow the job, then ask again",
                                "Accepted",
                            ),
                            "503": _answer("background jobs unavailable", "Error"),
                        },
                    ),
                }
            },
            "/jobs/{job_id}": {
                "get": {
                    "operationId": "job",
                    "summary": "A background job the caller started",
                    "parameters": [
                        {"name": "job_id", "in": "path", "required": True, "schema": STRING}
                    ],
                    "responses": _responses(
                        "its state",
                        "Job",
                        "401",
                        "403",
                        "404",
                        "429",
                        **{"503": _answer("background jobs unavailable", "Error")},
                    ),
                }
            },
            "/reports/published": {
                "get": {
                    "operationId": "published_reports",
                    "summary": "The published snapshots, newest first (permission reports.view)",
                    "responses": _responses(
                        "at most 100 snapshots", "PublishedList", "401", "403", "429"
                    ),
                }
            },
            "/reports/published/{report_id}": {
                "get": {
                    "operationId": "published_report",
                    "summary": "One published snapshot as stored (permission reports.view)",
                    "parameters": [
                        {"name": "report_id", "in": "path", "required": True, "schema": INTEGER}
                    ],
                    "responses": _responses(
                        "the snapshot with its commentary and revision note",
                        "PublishedReport",
                        "401",
                        "403",
                        "404",
                        "429",
                    ),
                }
            },
        },
    }
