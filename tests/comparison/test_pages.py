"""The tenant's comparison pages: participation, the ring page, exports, isolation."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import delete, func, select

from saas.comparison.models import Publication, RingParticipation
from saas.comparison.services import refresh_all
from saas.core.audit import AuditLog
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue, PeriodStatus
from tests.comparison.conftest import (
    SENTINEL,
    captured_statements,
    publications,
    put_figures,
    ring,
)
from tests.conftest import csrf_token, login

CITY = {
    "marl": {
        "A1": {"HZE_RUN": 300, "POP_U21": 9000, "ION_COUNT": 40},
        "A2": {"HZE_RUN": 250, "POP_U21": 8000, "ION_COUNT": 30},
    },
    "hamm": {
        "B1": {"HZE_RUN": 700, "POP_U21": 20000, "ION_COUNT": 70},
        "B2": {"HZE_RUN": 650, "POP_U21": 18000, "ION_COUNT": 60},
    },
    "rv-saarbruecken": {"C1": {"HZE_RUN": 2000, "POP_U21": 60000, "ION_COUNT": 200}},
}
ALL_INDICATORS = "&".join(
    f"indicators={code}" for code in ("HZE_ECKWERT", "HZE_CASES", "ION_COUNT", "POP_U21")
)


@pytest.fixture
def published(tenants, create_tenant):
    """2022 and 2023 approved for the three demo tenants; 2024 open with sentinels in Marl;
    an outsider in no ring with sentinels everywhere; then every publication refreshed."""
    for slug, areas in CITY.items():
        put_figures(tenants[slug], 2022, areas)
        put_figures(tenants[slug], 2023, areas)
    put_figures(
        tenants["marl"],
        2024,
        {
            code: {**v, "HZE_RUN": SENTINEL, "ION_COUNT": SENTINEL}
            for code, v in CITY["marl"].items()
        },
        states={10: "submitted", 11: None, 12: None},
    )
    outsider = create_tenant("aussenstadt", "Außenstadt")
    put_figures(
        outsider, 2022, {"X1": {"HZE_RUN": SENTINEL, "POP_U21": 1000, "ION_COUNT": SENTINEL}}
    )
    put_figures(
        outsider, 2023, {"X1": {"HZE_RUN": SENTINEL, "POP_U21": 1000, "ION_COUNT": SENTINEL}}
    )
    refresh_all()
    db.session.commit()
    return tenants


def ring_url(slug: str, code: str, query: str = "") -> str:
    return f"/{slug}/comparison/{ring(code).id}" + (f"?{query}" if query else "")


def table_cells(html: str) -> list[list[str]]:
    """Rows of the page's data tables: header cell + the cells' text."""
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_ring_page_shows_participants_only(published, auth):
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "nrw-staedte")).get_data(as_text=True)
    assert "Stadt Marl" in html and "Stadt Hamm" in html
    assert "Regionalverband Saarbr" not in html and "Außenstadt" not in html
    html = client.get(ring_url("marl", "alle")).get_data(as_text=True)
    assert "Regionalverband Saarbr" in html and "Außenstadt" not in html


def test_hand_computed_values_on_the_page(published, auth):
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "nrw-staedte", ALL_INDICATORS)).get_data(as_text=True)
    rows = table_cells(html)
    assert ["Stadt Marl", "32,4", "32,4"] in rows  # 550 / 17,000 × 1,000
    assert ["Stadt Hamm", "35,5", "35,5"] in rows  # 1,350 / 38,000 × 1,000
    assert ["Stadt Marl", "4,1", "4,1"] in rows  # 70 protective custodies per 1,000
    assert ["Stadt Hamm", "38.000", "38.000"] in rows  # population is shown as it is
    assert [
        row for row in rows if row[0].startswith("Germany") or row[0].startswith("Deutschland")
    ][0][1:] == ["", "31,8"]
    html = client.get(
        ring_url("marl", "nrw-staedte", "indicators=HZE_CASES&counts=absolute&year_from=2023")
    ).get_data(as_text=True)
    assert ["Stadt Marl", "550"] in table_cells(html)


def test_sentinels_never_appear(published, auth):
    """Neither the outsider's figures nor Marl's unapproved 2024 reach page or exports."""
    client = auth("viewer", "marl")
    for code in ("nrw-staedte", "alle"):
        query = ALL_INDICATORS + "&year_from=2000&year_to=2030"
        html = client.get(ring_url("marl", code, query)).get_data(as_text=True)
        csv_text = client.get(
            ring_url("marl", code).replace(f"/{ring(code).id}", f"/{ring(code).id}/export.csv")
            + "?"
            + query
        ).get_data(as_text=True)
        # the charts' element ids are hashes and the CSRF tokens random: either may contain
        # any digits
        html = re.sub(r'(id|aria-labelledby)="[^"]*"', "", html)
        html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
        for text in (html, csv_text):
            assert "987" not in text and "Außenstadt" not in text and "2024" not in text
        xlsx = client.get(f"/marl/comparison/{ring(code).id}/export.xlsx?{query}").data
        values = xlsx_values(xlsx)
        assert not any(isinstance(v, float | int) and v >= 1000 * 100 for v in values)
        assert "Außenstadt" not in values
    numbers = [n for r in publications() for n in (r.value, r.numerator) if n is not None]
    assert max(numbers) < SENTINEL / 10
    assert publications(tenant_of("aussenstadt")) == []


def tenant_of(slug: str):
    from tests.conftest import tenant

    return tenant(slug)


def xlsx_values(data: bytes) -> list:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]


def test_non_participant_gets_404(published, auth):
    client = auth("admin", "rv-saarbruecken")
    nrw = ring("nrw-staedte").id
    assert client.get(f"/rv-saarbruecken/comparison/{nrw}").status_code == 404
    assert client.get(f"/rv-saarbruecken/comparison/{nrw}/export.csv").status_code == 404
    assert client.get("/rv-saarbruecken/comparison/999999").status_code == 404
    assert client.get(f"/rv-saarbruecken/comparison/{ring('alle').id}").status_code == 200


def test_index_lists_rings_and_participation(published, auth):
    client = auth("admin", "rv-saarbruecken")
    html = client.get("/rv-saarbruecken/comparison/").get_data(as_text=True)
    assert "NRW-Städte" in html and "Alle Kommunen" in html
    assert f"/rv-saarbruecken/comparison/{ring('nrw-staedte').id}/join" in html
    assert f"/rv-saarbruecken/comparison/{ring('alle').id}/leave" in html


def post(client, slug: str, url: str):
    token = csrf_token(client, f"/{slug}/comparison/")
    return client.post(url, data={"csrf_token": token})


def test_opt_out_removes_the_tenant(published, auth, app):
    hamm = auth("admin", "hamm")
    response = post(hamm, "hamm", f"/hamm/comparison/{ring('nrw-staedte').id}/leave")
    assert response.status_code == 302
    assert hamm.get(ring_url("hamm", "nrw-staedte")).status_code == 404
    marl = app.test_client()
    login(marl, "viewer@marl.example", "marl")
    html = marl.get(ring_url("marl", "nrw-staedte")).get_data(as_text=True)
    assert "Stadt Marl" in html and "Stadt Hamm" not in html
    # still in "alle", so its publication stays
    assert publications(tenant_of("hamm"))
    post(hamm, "hamm", f"/hamm/comparison/{ring('alle').id}/leave")
    assert publications(tenant_of("hamm")) == []  # out of every ring: withdrawn
    html = marl.get(ring_url("marl", "alle")).get_data(as_text=True)
    assert "Stadt Hamm" not in html
    with all_tenants():
        logged = db.session.execute(
            select(func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.entity == "ring_participations",
                AuditLog.action == "delete",
                AuditLog.tenant_id == tenant_of("hamm").id,
            )
        ).scalar_one()
    assert logged == 2


def test_join_publishes_and_shows_the_tenant(published, auth):
    client = auth("admin", "rv-saarbruecken")
    nrw = ring("nrw-staedte").id
    assert (
        post(client, "rv-saarbruecken", f"/rv-saarbruecken/comparison/{nrw}/join").status_code
        == 302
    )
    html = client.get(f"/rv-saarbruecken/comparison/{nrw}").get_data(as_text=True)
    assert "Regionalverband Saarbr" in html and "Stadt Marl" in html


@pytest.mark.parametrize("role", ["viewer", "coordinator", "staff"])
def test_joining_and_leaving_need_config_manage(published, auth, role):
    client = auth(role, "hamm")
    for action in ("leave", "join"):
        url = f"/hamm/comparison/{ring('nrw-staedte').id}/{action}"
        assert post(client, "hamm", url).status_code == 403
    with tenant_scope(tenant_of("hamm")):
        assert (
            db.session.execute(select(func.count()).select_from(RingParticipation)).scalar_one()
            == 2
        )


@pytest.mark.parametrize(
    ("role", "status"), [("coordinator", 302), ("admin", 302), ("viewer", 403), ("staff", 403)]
)
def test_publish_button_needs_reports_publish(tenants, auth, role, status):
    put_figures(tenants["hamm"], 2022, CITY["hamm"])
    client = auth(role, "hamm")
    assert post(client, "hamm", "/hamm/comparison/publish").status_code == status
    assert bool(publications(tenants["hamm"])) is (status == 302)


def test_ring_page_reads_only_the_publication(published, auth):
    client = auth("viewer", "marl")
    url = ring_url("marl", "alle", ALL_INDICATORS)
    with captured_statements() as statements:
        before = client.get(url).get_data(as_text=True)
    raw = ("figure_values", "period_statuses", "areas", "activities", "area_populations")
    assert not [s for s in statements if any(re.search(rf"\b{t}\b", s) for t in raw)]
    for slug in CITY:
        with tenant_scope(tenant_of(slug)):
            db.session.execute(delete(FigureValue))
            db.session.execute(delete(PeriodStatus))
            db.session.commit()
    after = client.get(url).get_data(as_text=True)
    assert table_cells(after) == table_cells(before)
    assert "32,4" in after


def test_suppressed_cells_show_a_dash_and_the_footnote(published, auth):
    hamm = tenant_of("hamm")
    db.session.execute(
        Publication.__table__.update()
        .where(
            Publication.tenant_id == hamm.id,
            Publication.indicator == "HZE_ECKWERT",
            Publication.year == 2023,
            Publication.area_code == "",
        )
        .values(value=None, numerator=None, denominator=None, suppressed=True)
    )
    db.session.commit()
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "nrw-staedte")).get_data(as_text=True)
    assert ["Stadt Hamm", "35,5", "–"] in table_cells(html)
    assert "fewer than 3 cases" in html or "weniger als 3" in html


def test_exports_carry_the_numbers_of_the_page(published, auth):
    client = auth("viewer", "marl")
    nrw = ring("nrw-staedte").id
    query = ALL_INDICATORS
    page = [
        row
        for row in table_cells(
            client.get(ring_url("marl", "nrw-staedte", query)).get_data(as_text=True)
        )
        if row and row[0] in ("Stadt Marl", "Stadt Hamm")
    ]
    response = client.get(f"/marl/comparison/{nrw}/export.csv?{query}")
    assert response.mimetype == "text/csv"
    reader = csv.reader(
        io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
    )
    exported = [
        row[2:] for row in reader if len(row) > 2 and row[2] in ("Stadt Marl", "Stadt Hamm")
    ]
    assert exported == page
    xlsx = client.get(f"/marl/comparison/{nrw}/export.xlsx?{query}").data
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    marl_rows = [r[3:] for r in rows if len(r) > 3 and r[2] == "Stadt Marl"]
    # Eckwert, case count and protective custody per 1,000 under-21s; population
    assert marl_rows == [[32.4, 32.4], [32.4, 32.4], [4.1, 4.1], [17000, 17000]]


def test_query_count_does_not_grow_with_tenants_or_years(published, auth):
    client = auth("viewer", "marl")
    counts = set()
    for code, query in [
        ("nrw-staedte", "indicators=HZE_ECKWERT&year_from=2023&year_to=2023"),
        ("alle", "indicators=HZE_ECKWERT&year_from=2022&year_to=2023"),
        ("alle", ALL_INDICATORS),
    ]:
        client.get(ring_url("marl", code, query))  # warm caches of the first request
        with captured_statements() as statements:
            assert client.get(ring_url("marl", code, query)).status_code == 200
        counts.add(len(statements))
    assert len(counts) == 1, counts


def test_footnote_names_the_highest_threshold_of_the_ring(published, auth):
    hamm = tenant_of("hamm")
    with all_tenants():
        hamm.settings = {**(hamm.settings or {}), "disclosure_threshold": 5}
        db.session.commit()
    # the legend explains "–" where a cell is withheld (as the reports' legend does)
    db.session.execute(
        Publication.__table__.update()
        .where(Publication.tenant_id == hamm.id, Publication.indicator == "HZE_ECKWERT")
        .values(value=None, numerator=None, denominator=None, suppressed=True)
    )
    db.session.commit()
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "nrw-staedte")).get_data(as_text=True)
    assert "fewer than 5 cases" in html or "weniger als 5" in html


def test_member_without_publication_is_listed_as_such(published, auth):
    rv = tenant_of("rv-saarbruecken")
    db.session.execute(delete(Publication).where(Publication.tenant_id == rv.id))
    db.session.commit()
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "alle")).get_data(as_text=True)
    rows = table_cells(html)
    assert ["Regionalverband Saarbrücken", ".", "."] in rows
    assert "Regionalverband Saarbrücken." in html  # "Nothing published yet: …."


def test_large_ring_charts_the_own_municipality_against_the_median(published, auth, create_tenant):
    from saas.comparison.models import RingParticipation as Participation
    from saas.core.db import utcnow

    alle = ring("alle")
    for i in range(7):
        other = create_tenant(f"stadt-{i}", f"Stadt Nummer {i}")
        with tenant_scope(other):
            db.session.add(Participation(ring_id=alle.id))
            db.session.commit()
        db.session.add_all(
            Publication(
                tenant_id=other.id,
                indicator="HZE_ECKWERT",
                year=year,
                area_code="",
                numerator=100 + i,
                denominator=3000,
                value=(100 + i) / 3,
                suppressed=False,
                published_at=utcnow(),
            )
            for year in (2022, 2023)
        )
        db.session.commit()
    client = auth("viewer", "marl")
    html = client.get(ring_url("marl", "alle")).get_data(as_text=True)
    assert "Stadt Nummer 6" in html  # in the table
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "Stadt Marl" in svg and "Stadt Nummer" not in svg and "Stadt Hamm" not in svg
    assert "Median" in svg


@pytest.mark.parametrize("name", ["X\rY=1+1", "X\r=1+1", "=1+1\r\nZ", "\t-2+3"])
def test_a_control_character_in_another_name_does_not_split_the_csv(published, auth, name):
    """Regression: a bare CR in Hamm's name ended the record in Marl's comparison CSV (the
    writer only quoted LF) and the rest of the name started a line of its own."""
    with all_tenants():
        published["hamm"].name = name
        db.session.commit()
    client = auth("viewer", "marl")
    nrw = ring("nrw-staedte").id
    data = client.get(f"/marl/comparison/{nrw}/export.csv?{ALL_INDICATORS}").data
    text = data.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = records[0]
    table = records[1 : records.index([])]
    assert table and all(len(r) == len(header) for r in table), table
    assert any(r[2] == "'" + name if name[0] in "=\t" else r[2] == name for r in table)
    assert not any(field.startswith(("=", "+", "@", "\t", "\r")) for r in records for field in r)
    # Excel ends a record at any unquoted CR or LF: there must be none inside the records
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", text)
    assert unquoted.count("\r") == unquoted.count("\n") == len(records)
