"""Impact pages: permissions, isolation, exports equal to the page, costs form, caveat."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.conftest import csrf_token, tenant
from tests.impact.conftest import office_id


def _cells(fragment: str) -> list[tuple[str, bool]]:
    """(text, is a number) of each th/td of a table row."""
    return [
        (html.unescape(re.sub(r"<[^>]+>", "", text)).strip(), 'class="num"' in attrs)
        for _tag, attrs, text in re.findall(r"<(th|td)([^>]*)>(.*?)</\1>", fragment, flags=re.S)
    ]


def page_tables(text: str) -> dict[str, list[list[tuple[str, bool]]]]:
    """Every data table of the office page: key → body rows."""
    tables = {}
    for key, body in re.findall(
        r'<table data-table="(\w+)"[^>]*>.*?<tbody>(.*?)</tbody>', text, flags=re.S
    ):
        tables[key] = [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
    return tables


def csv_tables(data: bytes, titles: dict[str, str]) -> dict[str, list[list[str]]]:
    """The rows under each table title of the CSV export (after the column header)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    result = {}
    for key, title in titles.items():
        start = next(i for i, row in enumerate(rows) if row == [title]) + 2
        end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
        result[key] = rows[start:end]
    return result


def german(text: str) -> Decimal:
    """A German number as shown, its flag ("p", "r") after it left out."""
    number = re.sub(r"\s+[pr]+$", "", text)
    return Decimal(number.replace(".", "").replace(",", "."))


@pytest.fixture
def drewer_nord(marl) -> int:  # noqa: ANN001
    return office_id(marl, "stb-drewer-nord")


def test_pages_need_reports_run(auth, client, drewer_nord):
    urls = (
        "/marl/impact/",
        f"/marl/impact/{drewer_nord}",
        f"/marl/impact/{drewer_nord}/export.csv",
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    # viewers read published reports; the analysis runs on current, unapproved figures
    auth("viewer", "marl")
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert "/marl/impact/" not in client.get("/marl/").get_data(as_text=True)  # no menu entry


def test_index_lists_offices_with_result_or_reason(auth, client, drewer_nord):
    auth("coordinator", "marl")
    text = client.get("/marl/impact/").get_data(as_text=True)
    assert f'href="/marl/impact/{drewer_nord}?window=3"' in text
    assert "Stadtteilbüro Drewer-Nord" in text
    assert "2015" in text  # the reason for the offices opened before the figures start
    assert text.count('class="num"') >= 3


def test_other_tenants_office_is_404(auth, client, marl):
    hamm_office = office_id(tenant("hamm"), "stz-hamm-norden")
    auth("coordinator", "marl")
    for url in (
        f"/marl/impact/{hamm_office}",
        f"/marl/impact/{hamm_office}/export.csv",
        f"/marl/impact/{hamm_office}/export.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/marl/impact/999999").status_code == 404


def test_office_page_shows_chart_tables_and_caveat(auth, client, drewer_nord):
    auth("coordinator", "marl")
    response = client.get(f"/marl/impact/{drewer_nord}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text and 'role="img"' in text
    assert "03/2020" in text  # the opening marked on the chart
    assert set(page_tables(text)) == {"yearly", "windows", "result", "events", "placebos", "costs"}
    assert text.count('role="img"') >= 2  # the indexed trends and the event study
    assert 'class="caveat"' in text
    assert "Stadtteile" in text  # the tenant's word for its areas
    # negative DiD, German
    assert re.search(
        r'<span class="value" data-flag="p?">-\d+,\d\d( <abbr [^>]*>p</abbr>)?</span>', text
    )


def test_caveat_text_in_english(auth, client, drewer_nord):
    auth("coordinator", "marl")
    url = f"/marl/impact/{drewer_nord}"
    client.post("/lang", data={"locale": "en", "next": url, "csrf_token": csrf_token(client, url)})
    text = client.get(url).get_data(as_text=True)
    assert '<html lang="en">' in text
    for phrase in ("association, not proof", "regression to the mean", "small numbers"):
        assert phrase in text
    csv_text = client.get(f"{url}/export.csv").data.decode("utf-8-sig")
    assert "association, not proof" in csv_text


def test_window_parameter(auth, client, drewer_nord):
    auth("coordinator", "marl")
    five = client.get(f"/marl/impact/{drewer_nord}?window=5").get_data(as_text=True)
    assert "2024" in five and 'data-table="yearly"' not in five  # 2021–2025 not covered
    one = client.get(f"/marl/impact/{drewer_nord}?window=1").get_data(as_text=True)
    assert 'data-table="yearly"' in one and "2019–2019" not in one
    wrong = client.get(f"/marl/impact/{drewer_nord}?window=9").get_data(as_text=True)
    assert '<option value="3" selected>' in wrong


def test_exports_carry_the_numbers_of_the_page(auth, client, drewer_nord):
    from openpyxl import load_workbook

    auth("coordinator", "marl")
    text = client.get(f"/marl/impact/{drewer_nord}").get_data(as_text=True)
    tables = page_tables(text)
    titles = {
        key: html.unescape(title)
        for key, title in re.findall(r'<h2 id="t-(\w+)">(.*?)</h2>', text, flags=re.S)
    }
    assert sum(1 for rows in tables.values() for row in rows for _t, num in row if num) > 60

    response = client.get(f"/marl/impact/{drewer_nord}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    exported = csv_tables(response.data, titles)
    for key, rows in tables.items():
        assert [[cell for cell, _num in row] for row in rows] == exported[key], key

    response = client.get(f"/marl/impact/{drewer_nord}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    for key, rows in tables.items():
        start = next(i for i, row in enumerate(xlsx_rows) if row[:1] == [titles[key]]) + 2
        for offset, row in enumerate(rows):
            for col, (cell, is_number) in enumerate(row):
                value = xlsx_rows[start + offset][col]
                if is_number and cell in ("–", "."):  # the sign, as text
                    assert value == cell, (key, offset, col)
                elif is_number:
                    assert Decimal(str(value)) == german(cell), (key, offset, col)
                elif not is_number:
                    assert (value or "") == cell, (key, offset, col)

    did = tables["result"][0][1][0]
    assert german(did) < 0
    assert f"{did} ‰" in text or did in text


def test_cost_settings_need_config_manage(auth, client, marl):
    auth("coordinator", "marl")
    assert client.get("/marl/impact/costs").status_code == 403


def test_cost_settings_validation_and_audit(auth, client, drewer_nord):
    auth("admin", "marl")
    url = "/marl/impact/costs"
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "cost_34": "-5", "cost_33": "viel"},
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Der Betrag darf nicht negativ sein." in text
    assert "„viel“ ist keine Zahl." in text
    assert "impact_costs" not in (tenant("marl").settings or {})

    good = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "cost_34": "65.000", "cost_31": "1.234,50"},
    )
    assert good.status_code == 302
    db.session.expire_all()
    assert tenant("marl").settings["impact_costs"] == {"34": 65_000.0, "31": 1_234.5}
    with all_tenants():
        entry = (
            db.session.execute(
                select(AuditLog)
                .where(AuditLog.entity == "tenants", AuditLog.action == "update")
                .order_by(AuditLog.id.desc())
            )
            .scalars()
            .first()
        )
    assert entry is not None
    assert entry.changes["settings"][1]["impact_costs"]["34"] == 65_000.0

    page = client.get(f"/marl/impact/{drewer_nord}").get_data(as_text=True)
    assert "65.000" in page and "1.234" in page
    assert "§ 34 Heimerziehung/betreutes Wohnen" in page

    reset = client.post(url, data={"csrf_token": csrf_token(client, url), "reset": "1"})
    assert reset.status_code == 302
    db.session.expire_all()
    assert "impact_costs" not in tenant("marl").settings


def test_verdict_interval_pre_trend_and_placebos_on_the_demo(auth, client, drewer_nord):
    """Marl's demo: −4,41 ‰ points with an interval that includes zero — said in words."""
    auth("coordinator", "marl")
    text = client.get(f"/marl/impact/{drewer_nord}").get_data(as_text=True)
    assert "Kein belastbarer Effekt" in text
    assert "95-%-Intervall" in text and "Vorher-Trend" in text and "Placebo" in text
    tables = page_tables(text)
    low, high = (german(tables["result"][0][i][0]) for i in (2, 3))
    assert low < 0 < high
    assert len(tables["placebos"]) >= 3
    csv_text = client.get(f"/marl/impact/{drewer_nord}/export.csv").data.decode("utf-8-sig")
    assert "Kein belastbarer Effekt" in csv_text


def test_caveat_is_printed_once(auth, client, drewer_nord):
    auth("coordinator", "marl")
    for url in ("/marl/impact/", f"/marl/impact/{drewer_nord}"):
        text = client.get(url).get_data(as_text=True)
        assert text.count("Zusammenhang") == 1, url


def test_counts_below_the_tenant_threshold_are_withheld(auth, client, drewer_nord):
    """With a threshold above every count, no case count, rate or share is shown or exported."""
    marl = tenant("marl")
    with all_tenants():
        marl.settings = {**(marl.settings or {}), "disclosure_threshold": 10**9}
        db.session.commit()
    auth("coordinator", "marl")
    text = client.get(f"/marl/impact/{drewer_nord}").get_data(as_text=True)
    tables = page_tables(text)
    for row in tables["yearly"]:
        assert [cell for cell, _num in row[2:]] == ["–"] * 8
    for row in tables["costs"]:
        assert row[1][0] == "–" and row[2][0] == "–"
    exported = client.get(f"/marl/impact/{drewer_nord}/export.csv").data.decode("utf-8-sig")
    titles = {
        key: html.unescape(title)
        for key, title in re.findall(r'<h2 id="t-(\w+)">(.*?)</h2>', text, flags=re.S)
    }
    yearly = csv_tables(exported.encode("utf-8"), titles)["yearly"]
    assert all(row[2:] == ["–"] * 8 for row in yearly)


def test_the_method_names_the_tenants_threshold(auth, client, drewer_nord):
    """The method section says below which count figures are withheld: the tenant's
    threshold (the page once rendered "Fallzahlen unter  werden …" with no number)."""
    marl = tenant("marl")
    with all_tenants():
        marl.settings = {**(marl.settings or {}), "disclosure_threshold": 5}
        db.session.commit()
    auth("coordinator", "marl")
    text = html.unescape(client.get(f"/marl/impact/{drewer_nord}").get_data(as_text=True))
    assert "Fallzahlen unter 5 werden nicht gezeigt" in text
