"""Running a report through the API: the web export's numbers, flags and withheld cells,
the web pages' permissions, and clear 400/404 answers to bad parameters."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from saas.areas.models import Area, AreaLevel
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.reports.models import ReportTemplate
from tests.api.conftest import Api, make_token
from tests.conftest import tenant
from tests.reports.conftest import shared

#: the expenditures of the two small areas, and the first one's cost per case-year: numbers
#: that occur nowhere else, so finding one anywhere in an answer means it leaked
HIDDEN = (61237, 312479)
SHOWN = 400000


def small_areas_template() -> int:
    """Marl gets a level of three test areas, two of them small (1 and 9 running cases: the
    first primarily withheld, the second secondarily, as in tests/reports/test_builder.py),
    and a local template that shows them; its id."""
    marl = tenant("marl")
    with tenant_scope(marl):
        level = AreaLevel(
            code="testebene", name="Testgebiet", plural="Testgebiete", hierarchy="test"
        )
        db.session.add(level)
        db.session.flush()
        ids = []
        for code in ("T1", "T2", "T3"):
            area = Area(code=code, name=f"Testgebiet {code}", level_id=level.id)
            db.session.add(area)
            db.session.flush()
            ids.append(area.id)
        metrics = dict(
            db.session.execute(
                select(Metric.code, Metric.id).where(Metric.tenant_id.is_(None))
            ).all()
        )
        small, large, third = ids
        values = [
            (small, "HZE_END", "2024-06", 1),
            (small, "HZE_EXP_TOTAL", "2024-12", HIDDEN[0]),
            (small, "POP_U21", "2024", 500),
            (large, "HZE_END", "2024-06", 3),
            (large, "HZE_EXP_TOTAL", "2024-12", HIDDEN[1]),
            (large, "POP_U21", "2024", 800),
            (third, "HZE_EXP_TOTAL", "2024-12", SHOWN),
            (third, "POP_U21", "2024", 1000),
        ]
        values += [
            (area, "HZE_RUN", f"2024-{month:02d}", stock)
            for area, stock in ((small, 1), (large, 9), (third, 20))
            for month in range(1, 13)
        ]
        db.session.add_all(
            FigureValue(area_id=a, metric_id=metrics[m], period=p, value=v, source="test")
            for a, m, p, v in values
        )
        template = ReportTemplate(
            tenant_id=marl.id,
            code="kleine-gebiete",
            version=1,
            title_de="Kleine Gebiete",
            title_en="Small areas",
            definition={
                "sections": [
                    {
                        "type": "table",
                        "title_de": "Klein",
                        "by": "level",
                        "level": "testebene",
                        "years": "last",
                        "indicators": [
                            "HZE_CASES",
                            "HZE_ECKWERT",
                            "HZE_COST_PER_CASE",
                            "HZE_EXP_TOTAL",
                        ],
                    },
                    {"type": "kpis", "title_de": "Gesamt", "indicators": ["HZE_CASES"]},
                ]
            },
        )
        db.session.add(template)
        db.session.commit()
        return template.id


def csv_tables(client: FlaskClient, query: str) -> list[list[str]]:
    """The table rows of the web report's CSV download (label and cell texts)."""
    response = client.get(f"/marl/reports/run/export.csv?{query}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def api_rows(report: dict[str, Any]) -> list[list[str]]:
    """The API's tables as the CSV lays them out: caption, header, then label and texts."""
    rows = []
    for section in report["sections"]:
        for table in section["tables"]:
            rows.append([table["caption"]])
            rows.append([table["corner"], *table["columns"]])
            rows += [[row["label"], *(c["text"] for c in row["cells"])] for row in table["rows"]]
    return rows


def in_order(rows: list[list[str]], within: list[list[str]]) -> bool:
    """Whether ``rows`` occur in ``within`` in this order, each block of a table contiguous."""
    position = 0
    for row in rows:
        try:
            position = within.index(row, position) + 1
        except ValueError:
            return False
    return True


def cells(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for s in report["sections"] for t in s["tables"] for r in t["rows"] for c in r["cells"]
    ]


def test_a_withheld_cell_is_null_and_its_number_is_nowhere(
    app: Flask, api: Api, client: FlaskClient, auth: Any
) -> None:
    template_id = small_areas_template()
    token = make_token("coordinator@marl.example")
    query = f"template={template_id}&from=2023&to=2024"
    response = api.get(f"/reports/run?{query}", token)
    assert response.status_code == 200
    report = response.get_json()
    table = report["sections"][0]["tables"][0]
    rows = {r["label"]: r["cells"] for r in table["rows"]}
    # T1 (2 cases) and T2 (its complement in the shown total): every cell withheld
    for label in ("Testgebiet T1", "Testgebiet T2"):
        assert rows[label] == [{"value": None, "flag": "–", "text": "–"}] * 4
    assert [c["value"] for c in rows["Testgebiet T3"]] == [20, 20.0, 20000, SHOWN]
    assert any(item["flag"] == "–" for item in report["legend"])
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert str(SHOWN) in text  # the check below can see a number
    for hidden in HIDDEN:
        for written in (str(hidden), f"{hidden:,}", f"{hidden:,}".replace(",", ".")):
            assert written not in text, written
    assert str(round(HIDDEN[1] / 9)) not in text  # T2's cost per case-year
    assert "protection" not in report and "atoms" not in text
    # the web report's CSV of the same run: the same texts, the same cells withheld
    auth("coordinator", "marl")
    assert in_order(api_rows(report), csv_tables(client, query))


def test_flags_p_and_dot_are_where_the_csv_has_them(
    app: Flask, api: Api, client: FlaskClient, auth: Any
) -> None:
    from tests.reports.test_flags import _drop

    _drop("marl", "POP_U21", "15", "2023")  # Drewer-Süd's under-21s unknown in 2023: "."
    template = shared("entwicklung-hze")
    token = make_token("coordinator@marl.example")
    query = f"template={template.id}&from=2022&to=2024&level=stadtteil"
    report = api.get(f"/reports/run?{query}", token).get_json()
    flags = {c["flag"] for c in cells(report)}
    assert {"p", "."} <= flags  # 2024 is not approved in the demo
    provisional = next(c for c in cells(report) if c["flag"] == "p")
    assert provisional["value"] is not None and provisional["text"].endswith(" p")
    assert all(c["value"] is None for c in cells(report) if c["flag"] in (".", "–"))
    # and the other way round: a cell without a number says why (a KPI change that cannot
    # be computed carried the flag "" beside its text ".")
    assert all(c["flag"] in (".", "–") for c in cells(report) if c["value"] is None)
    assert {"p", "."} <= {item["flag"] for item in report["legend"]}
    assert report["approved"] is False and report["pending_years"] == [2024]
    auth("coordinator", "marl")
    rows = csv_tables(client, query)
    assert in_order(api_rows(report), rows)
    for item in report["legend"]:
        assert [item["flag"], item["meaning"]] in rows
    assert report["footnotes"] == [n for n in report["footnotes"] if [n] in rows]


def test_a_template_may_be_named_by_its_code_and_year_stands_for_one_year(
    app: Flask, api: Api
) -> None:
    token = make_token("coordinator@marl.example")
    by_code = api.get("/reports/run?template=entwicklung-hze&year=2023", token).get_json()
    template = shared("entwicklung-hze")
    by_id = api.get(f"/reports/run?template={template.id}&from=2023&to=2023", token).get_json()
    assert (by_code["first_year"], by_code["last_year"]) == (2023, 2023)
    assert by_code["template"] == by_id["template"] and by_code["sections"] == by_id["sections"]


def test_templates_lists_what_the_run_page_offers(
    app: Flask, api: Api, client: FlaskClient, auth: Any
) -> None:
    local = small_areas_template()
    token = make_token("admin@marl.example")
    listed = api.get("/reports/templates", token).get_json()["templates"]
    assert {t["code"] for t in listed} >= {"entwicklung-hze", "kleine-gebiete"}
    assert next(t for t in listed if t["id"] == local)["local"] is True
    auth("admin", "marl")
    html = client.get("/marl/reports/run").get_data(as_text=True)
    for item in listed:
        assert f'value="{item["id"]}"' in html, item


@pytest.mark.parametrize(
    ("query", "status", "code", "words"),
    [
        ("", 400, "missing_template", "Berichtsvorlage"),
        ("template=gibt-es-nicht&year=2023", 404, "unknown_template", "gibt-es-nicht"),
        ("template=999999&year=2023", 404, "unknown_template", "999999"),
        # a NUL (PostgreSQL refuses it in text), a superscript digit (isdigit, not int),
        # 5,000 digits (above int()'s limit): a 404 with the message, never a 500
        ("template=x%00&year=2023", 404, "unknown_template", "x\\x00"),
        ("template=%C2%B2&year=2023", 404, "unknown_template", "Berichtsvorlage"),
        ("template=" + "9" * 5000 + "&year=2023", 404, "unknown_template", "9999"),
        ("template=entwicklung-hze&year=zwanzig", 400, "invalid_years", "vierstellig"),
        ("template=entwicklung-hze&from=2024&to=2020", 400, "invalid_years", "erste Jahr"),
        ("template=entwicklung-hze&from=1900&to=2020", 400, "invalid_years", "zwischen"),
        ("template=entwicklung-hze&from=1991&to=2024", 400, "invalid_years", "höchstens"),
        ("template=entwicklung-hze&year=2023&from=2020", 400, "invalid_years", "nicht beides"),
        ("template=entwicklung-hze&year=2023&level=mond", 400, "unknown_level", "stadtteil"),
    ],
)
def test_bad_parameters_get_a_german_message(
    app: Flask, api: Api, query: str, status: int, code: str, words: str
) -> None:
    token = make_token("coordinator@marl.example")
    response = api.get(f"/reports/run?{query}", token)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and words in error["message"], error


@pytest.mark.parametrize(
    ("role", "templates", "run", "published"),
    [
        ("viewer", 403, 403, 200),
        ("staff", 403, 403, 403),  # limited to one office: no tenant-wide reports
        ("coordinator", 200, 200, 200),
        ("admin", 200, 200, 200),
    ],
)
def test_each_role_gets_what_the_web_pages_give_it(
    app: Flask,
    api: Api,
    client: FlaskClient,
    auth: Any,
    role: str,
    templates: int,
    run: int,
    published: int,
) -> None:
    token = make_token(f"{role}@marl.example")
    template = shared("entwicklung-hze")
    assert api.get("/reports/templates", token).status_code == templates
    answer = api.get(f"/reports/run?template={template.id}&year=2023", token)
    assert answer.status_code == run
    if run == 403:
        assert answer.get_json()["error"]["code"] == "forbidden"
        assert "Berechtigung" in answer.get_json()["error"]["message"]
    assert api.get("/reports/published", token).status_code == published
    auth(role, "marl")  # the web pages of the same data, for the same account
    assert client.get(f"/marl/reports/run?template={template.id}").status_code == run
    web = client.get(f"/marl/reports/run/export.csv?template={template.id}&from=2023&to=2023")
    assert web.status_code == run


def test_every_shared_template_runs_and_conforms_to_the_document(app: Flask, api: Api) -> None:
    """Every section type of the library (activities too) within the declared schema; the
    schema check is ``api.get``'s."""
    from saas.reports.library import LIBRARY

    token = make_token("coordinator@marl.example")
    for item in LIBRARY:
        response = api.get(f"/reports/run?template={item['code']}&from=2022&to=2023", token)
        assert response.status_code == 200, item["code"]
        report = response.get_json()
        assert report["template"]["code"] == item["code"] and report["sections"]


def test_an_id_beyond_any_stored_one_is_404(app: Flask, api: Api) -> None:
    """SQLite cannot bind an integer of 2⁶³ or more (OverflowError, a 500): such an id
    never matches the route."""
    token = make_token("coordinator@marl.example")
    response = app.test_client().get(  # no route: past the schema check of ``api.get``
        "/api/v1/reports/published/" + "9" * 30, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"]
