"""The template definition format: the shipped library is valid, mistakes get clear messages."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from saas import create_app
from saas.core.db import db
from saas.core.tenancy import all_tenants
from saas.reports.definition import (
    DefinitionError,
    parse_definition,
    parse_json,
    validate_definition,
)
from saas.reports.library import LIBRARY
from saas.reports.models import ReportTemplate
from tests.conftest import base_config

CODES = {
    "jahresbericht-sozialraumarbeit",
    "entwicklung-hze",
    "kosten-der-hilfen",
    "sozialraumprofil",
}


def test_library_has_the_four_templates_and_all_are_valid() -> None:
    assert {item["code"] for item in LIBRARY} == CODES
    for item in LIBRARY:
        assert validate_definition(item["definition"]) == [], item["code"]
        definition = parse_definition(item["definition"])
        assert definition.sections


def test_migration_inserted_version_1_of_the_library(app: Flask) -> None:
    with all_tenants():
        rows = (
            db.session.execute(select(ReportTemplate).where(ReportTemplate.tenant_id.is_(None)))
            .scalars()
            .all()
        )
    assert {(r.code, r.version) for r in rows} == {(code, 1) for code in CODES}
    by_code = {r.code: r for r in rows}
    for item in LIBRARY:
        assert by_code[item["code"]].definition == item["definition"]
        assert by_code[item["code"]].title_de == item["title_de"]


@pytest.mark.sqlite_only  # migrates a SQLite file of its own
def test_migration_downgrade_removes_the_templates(tmp_path: Any) -> None:
    app = create_app(base_config(f"sqlite:///{tmp_path / 'm.sqlite'}"))
    with app.app_context():
        upgrade()
        count = "SELECT count(*) FROM report_templates WHERE tenant_id IS NULL"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql(count).scalar_one() == 4
        downgrade(revision="0005")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql(count).scalar_one() == 0
        upgrade()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql(count).scalar_one() == 4
        db.engine.dispose()


@pytest.fixture(scope="module")
def messages_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app for the message catalogue only (no database needed)."""
    return create_app(base_config(f"sqlite:///{tmp_path_factory.mktemp('msg') / 'x.sqlite'}"))


@pytest.fixture
def german(messages_app: Flask) -> Iterator[None]:
    with messages_app.test_request_context(headers={"Accept-Language": "de"}):
        yield


def _with(section: dict[str, Any]) -> dict[str, Any]:
    return {"sections": [section]}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ([], "muss ein JSON-Objekt mit dem Schlüssel „sections“ sein"),
        ({"sections": []}, "„sections“ muss eine Liste mit 1 bis 40 Abschnitten sein"),
        ({"sections": [], "x": 1}, "Unbekannte Schlüssel auf oberster Ebene: „x“"),
        (_with({"type": "pie", "title_de": "T"}), "Abschnitt 1: unbekannter Typ „pie“"),
        (
            _with({"type": "table", "title_de": "T", "indicators": ["NOPE"]}),
            "Abschnitt 1: unbekannter Kennzahlcode „NOPE“.",
        ),
        (
            _with({"type": "table", "title_de": "T", "indicators": ["HZE_CASES", "HZE_CASES"]}),
            "Kennzahl „HZE_CASES“ ist doppelt aufgeführt",
        ),
        (_with({"type": "table", "indicators": ["HZE_CASES"]}), "„title_de“ fehlt"),
        (_with({"type": "table", "title_de": "T", "indicators": []}), "„indicators“ muss"),
        (
            _with({"type": "kpis", "title_de": "T", "indicators": ["HZE_CASES"], "by": "level"}),
            "Kennzahl-Kacheln gelten für die ganze Kommune",
        ),
        (
            _with({"type": "bars", "title_de": "T", "indicators": ["HZE_CASES"], "by": "total"}),
            "Balkendiagramme zeigen Gebiete",
        ),
        (
            _with(
                {
                    "type": "timeseries",
                    "title_de": "T",
                    "indicators": ["HZE_CASES"],
                    "years": "last",
                }
            ),
            "eine Zeitreihe braucht „years“: „range“",
        ),
        (
            _with({"type": "table", "title_de": "T", "indicators": ["HZE_CASES"], "years": "all"}),
            "„years“ muss „range“ oder „last“ sein, nicht „all“",
        ),
        (
            _with(
                {
                    "type": "table",
                    "title_de": "T",
                    "indicators": ["HZE_CASES"],
                    "level": "stadtteil",
                }
            ),
            "„level“ ist nur mit „by“: „level“ sinnvoll",
        ),
        (
            _with(
                {
                    "type": "table",
                    "title_de": "T",
                    "indicators": ["HZE_CASES"],
                    "by": "level",
                    "level": "a b",
                }
            ),
            "„level“ muss ein Ebenen-Code sein",
        ),
        (
            _with({"type": "table", "title_de": "T", "indicators": ["HZE_CASES"], "colour": 1}),
            "Abschnitt 1: unbekannte Schlüssel „colour“",
        ),
        (_with({"type": "text", "title_de": "T"}), "ein Textabschnitt braucht „text_de“"),
        (
            _with({"type": "activities", "title_de": "T", "by": "area"}),
            "Aktivitäten werden nach office, kind, offering, principle gezählt",
        ),
        (
            _with({"type": "activities", "title_de": "T", "by": "office", "measures": ["x"]}),
            "„measures“ muss eine Liste aus activities, participants sein",
        ),
    ],
)
def test_validation_messages(german: None, definition: Any, expected: str) -> None:
    errors = validate_definition(definition)
    assert any(expected in e for e in errors), errors
    with pytest.raises(DefinitionError):
        parse_definition(definition)


def test_every_problem_is_reported_with_its_section_number(german: None) -> None:
    definition = copy.deepcopy(LIBRARY[0]["definition"])
    definition["sections"][1]["indicators"].append("NOPE")
    definition["sections"][2]["type"] = "pie"
    errors = validate_definition(definition)
    assert errors == [
        "Abschnitt 2: unbekannter Kennzahlcode „NOPE“.",
        "Abschnitt 3: unbekannter Typ „pie“ (erlaubt: kpis, timeseries, bars, table, "
        "activities, text).",
    ]


def test_english_messages_and_json_errors(german: None) -> None:
    pie = {"sections": [{"type": "pie", "title_de": "T"}]}
    assert validate_definition(pie, "en") == [
        "Section 1: unknown type “pie” (allowed: kpis, timeseries, bars, table, activities, text)."
    ]
    with force_locale("en"):
        assert validate_definition(pie)[0].startswith("Section 1: unknown type")
    data, errors = parse_json('{"sections": [\n  {"type": "text",}\n]}')
    assert data is None
    assert errors[0].startswith("Kein gültiges JSON (Zeile 2, Spalte")
    assert parse_json("{", "en")[1][0].startswith("Not valid JSON (line 1, column")


@pytest.mark.parametrize(
    "section",
    [
        {"type": "text", "title_de": "T", "text_de": "x", "level": "a"},
        {"type": "activities", "title_de": "T", "by": "office", "indicators": ["HZE_CASES"]},
        {"type": "table", "title_de": "T", "indicators": ["HZE_CASES"], "measures": ["x"]},
        {"type": "text", "title_de": "T", "text_de": 5},
    ],
)
def test_a_key_in_the_wrong_place_is_a_message_not_a_crash(
    german: None, section: dict[str, Any]
) -> None:
    """Regression: messages naming a ``key`` passed ``key`` twice to ``err()`` (TypeError)."""
    errors = validate_definition({"sections": [section]})
    assert errors and all(e.startswith("Abschnitt 1: ") for e in errors), errors
    with pytest.raises(DefinitionError):
        parse_definition({"sections": [section]})


def test_defaults_are_filled_in() -> None:
    definition = parse_definition(
        {
            "sections": [
                {"type": "bars", "title_de": "B", "indicators": ["HZE_ECKWERT"]},
                {"type": "kpis", "title_de": "K", "indicators": ["HZE_CASES"]},
                {"type": "activities", "title_de": "A", "by": "kind"},
            ]
        }
    )
    bars, kpis, activities = definition.sections
    assert (bars.by, bars.years, bars.level) == ("level", "last", None)
    assert (kpis.by, kpis.years) == ("total", "last")
    assert (activities.years, activities.measures) == ("range", ("activities", "participants"))
    assert definition.indicator_codes() == ["HZE_ECKWERT", "HZE_CASES"]
