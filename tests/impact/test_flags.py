"""Every number of the impact analysis carries the reports' flag, with a legend of the flags
used — on the page, in the CSV and in the XLSX: "–" withheld (disclosure control), "." not
available, "p" after a number resting on months not approved yet.

On the tiny municipality of ``conftest.py`` (window 2: before 2017–2018, opening 2019,
after 2020–2021): the months of 2016–2018 are approved, those of 2019 on are not, and the
comparison areas (Bachtal, Dorfmitte) have no under-21 population for 2016.
"""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import delete, select

from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.offices.models import OfficeArea
from saas.periods.models import PeriodStatus
from saas.reports.result import legend
from tests.conftest import login
from tests.impact.conftest import Town, office_id
from tests.impact.test_pages import page_tables

APPROVED = (2016, 2017, 2018)
THRESHOLD = 3  # the default disclosure threshold


def _approve(town: Town, years: tuple[int, ...]) -> None:
    with tenant_scope(town.tenant):
        for area_id in town.areas.values():
            for year in years:
                for period in (str(year), *(f"{year}-{m:02d}" for m in range(1, 13))):
                    db.session.add(
                        PeriodStatus(scope="area", area_id=area_id, period=period, state="approved")
                    )
        db.session.commit()


def _drop_control_population(town: Town, year: int) -> None:
    with tenant_scope(town.tenant):
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "POP_U21", Metric.tenant_id.is_(None))
        ).scalar_one()
        db.session.execute(
            delete(FigureValue).where(
                FigureValue.metric_id == metric,
                FigureValue.period == str(year),
                FigureValue.area_id.in_([town.areas["B"], town.areas["D"]]),
            )
        )
        db.session.commit()


def _outputs(client: Any, create_user: Any, town: Town, **settings: Any) -> dict[str, Any]:
    """The office page's tables, the CSV rows and the XLSX rows of the new office (window
    2), read as a coordinator of the tiny municipality."""
    if settings:
        with all_tenants():
            town.tenant.settings = {**(town.tenant.settings or {}), **settings}
            db.session.commit()
    create_user("coordinator@kleinstadt.example", tenant_obj=town.tenant, role="coordinator")
    assert login(client, "coordinator@kleinstadt.example", "kleinstadt").status_code == 302
    url = f"/kleinstadt/impact/{town.offices['new']}"
    page = client.get(f"{url}?window=2").get_data(as_text=True)
    csv_data = client.get(f"{url}/export.csv?window=2").data
    xlsx_data = client.get(f"{url}/export.xlsx?window=2").data
    sheet = load_workbook(io.BytesIO(xlsx_data)).active
    return {
        "page": page,
        "tables": {
            key: [[text for text, _num in row] for row in rows]
            for key, rows in page_tables(page).items()
        },
        "csv": list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig")), delimiter=";")),
        "csv_text": csv_data.decode("utf-8-sig"),
        "xlsx": list(sheet.iter_rows()),
    }


def _legend_rows(rows: list[list[Any]]) -> list[tuple[str, str]]:
    start = next(i for i, row in enumerate(rows) if row[:1] == ["Zeichenerklärung"])
    return [(row[0], row[1]) for row in rows[start + 1 :] if row and row[0]]


def _page_legend(page: str) -> list[tuple[str, str]]:
    return [
        (flag, html.unescape(meaning))
        for flag, meaning in re.findall(r'<dt class="num">([^<]*)</dt><dd>([^<]*)</dd>', page)
    ]


def test_numbers_carry_p_and_missing_values_a_dot(
    app: Flask, client: Any, create_user: Any, town: Town
) -> None:
    """Before the fix every None read "–" (withheld and not available alike), no number
    carried "p" although the months of 2019 on are not approved, and nothing explained the
    signs."""
    _approve(town, APPROVED)
    _drop_control_population(town, 2016)
    out = _outputs(client, create_user, town)
    rows = {row[0]: row for row in out["tables"]["yearly"]}
    # 2016 is approved: the served areas' figures plain (57 cases of 1,500 under-21s), their
    # index rests on the (not approved) opening year 2019 (38,00 ÷ 48,00 × 100); the
    # comparison areas have 58 + 29 cases, but no population, rate or index: not available
    expected_2016 = ["57", "1.500", "38,00", "79,2 p", "87", ".", ".", "."]
    assert rows["2016"][2:] == expected_2016
    assert all(cell.endswith(" p") for cell in rows["2020"][2:])  # 2020 is not approved
    assert not any(cell.endswith(" p") for cell in rows["2018"][2:5])
    served = out["tables"]["windows"][0]
    assert not any(c.endswith(" p") for c in served[1:4])  # 2017–2018: approved
    assert all(c.endswith(" p") for c in served[4:8])  # 2020–2021 and the change
    assert out["tables"]["result"][0][1].endswith(" p")  # the DiD rests on 2020–2021
    assert not any(row[1].endswith(" p") for row in out["tables"]["costs"])  # 2017–2018
    assert "–" not in {c for rows_ in out["tables"].values() for row in rows_ for c in row}

    expected = legend({"p", "."}, THRESHOLD)  # the reports' own words, in their order
    assert [flag for flag, _m in expected] == [".", "p"]
    assert _page_legend(out["page"]) == expected
    # the CSV prints what the page prints, and closes with the same legend
    line = next(row for row in out["csv"] if row[:1] == ["2016"])
    assert line[2:] == expected_2016
    assert _legend_rows(out["csv"]) == expected
    # the XLSX keeps numbers numeric, the flag in the number format; signs are text
    row = next(r for r in out["xlsx"] if r[0].value == 2016)
    assert [c.value for c in row[2:5]] == [57, 1500, 38.0]
    assert row[5].value == 79.2 and row[5].number_format.endswith('" p"')
    assert [c.value for c in row[7:10]] == [".", ".", "."]
    assert _legend_rows([[c.value for c in r] for r in out["xlsx"]]) == expected


def test_withheld_cells_read_a_dash_and_hold_no_number(
    app: Flask, client: Any, create_user: Any, town: Town
) -> None:
    """With a threshold above every count the cube withholds every group count: each of
    them and everything resting on them reads "–" — never ".", never a number, never a
    "p" after a number — and the legend explains "–" with the tenant's threshold."""
    _approve(town, APPROVED)
    _drop_control_population(town, 2016)
    limit = 10**9
    out = _outputs(client, create_user, town, disclosure_threshold=limit)
    tables = out["tables"]
    for row in tables["yearly"]:
        assert row[2:] == ["–"] * 8, row[0]
    assert tables["result"][0][1:] == ["–", "–", "–"]  # the DiD and its interval
    for row in tables["costs"]:  # a help type without cases shows its 0 (no small number)
        assert row[2] == "–"
        assert row[1] == ("–" if row[0].startswith(("§ 31", "§ 34")) else "0")
    meanings = dict(_page_legend(out["page"]))
    assert meanings["–"] == legend({"–"}, limit)[0][1] and str(limit) in meanings["–"]

    for year in range(2016, 2023):
        line = next(row for row in out["csv"] if row[:1] == [str(year)])
        assert line[2:] == ["–"] * 8
    assert dict(_legend_rows(out["csv"]))["–"] == meanings["–"]
    values = [[c.value for c in r] for r in out["xlsx"]]
    assert all(row[2:10] == ["–"] * 8 for row in values if row[0] in range(2016, 2023))
    assert dict(_legend_rows(values))["–"] == meanings["–"]
    # no withheld count is written anywhere, in any form
    for count in ("57", "87"):
        assert not re.search(rf"(^|;){count}( p)?(;|$)", out["csv_text"], flags=re.M), count


def test_the_pages_show_the_flags_and_their_legend(auth: Any, client: Any, marl: Any) -> None:
    """The overview and the office page set each number's flag beside it (the sign in
    place of a withheld one) and explain the flags used under the tables."""
    with all_tenants():
        marl.settings = {**(marl.settings or {}), "disclosure_threshold": 10**9}
        db.session.commit()
    auth("coordinator", "marl")
    index = client.get("/marl/impact/").get_data(as_text=True)
    assert 'data-flag="–"' in index
    assert '<h2 id="flags-h">Zeichenerklärung</h2>' in index
    assert re.search(r'<dt class="num">–</dt><dd>[^<]*10{9}', index.replace(".", ""))
    drewer = office_id(marl, "stb-drewer-nord")
    page = client.get(f"/marl/impact/{drewer}").get_data(as_text=True)
    shown = set(re.findall(r'data-flag="([^"]*)"', page))
    explained = set(re.findall(r'<dt class="num">([^<]*)</dt>', page))
    assert "–" in shown and "–" in explained
    assert {f for flag in shown for f in flag} == explained  # the legend of the flags used
    assert not re.search(r'data-flag="–">[^<]*\d', page)  # no number in a withheld cell


def _publish_report(app: Flask, town: Town, year: int) -> None:
    """Publish the shared HzE report by Bezirk for ``year``, as the reports' publishing
    operation stores it (the snapshot with its protection record)."""
    from saas.reports.builder import run_report
    from saas.reports.models import PublishedReport, ReportTemplate

    with app.test_request_context("/kleinstadt/reports/"), tenant_scope(town.tenant):
        template = db.session.execute(
            select(ReportTemplate).where(
                ReportTemplate.code == "entwicklung-hze", ReportTemplate.tenant_id.is_(None)
            )
        ).scalar_one()
        result = run_report(template, [year], "bezirk", tenant=town.tenant)
        db.session.add(
            PublishedReport(
                template_code=template.code,
                template_version=template.version,
                title=result.title,
                params={"template_id": template.id, "from": year, "to": year},
                snapshot=result.to_dict(),
            )
        )
        db.session.commit()


def test_a_value_revised_after_publication_reads_r(
    app: Flask, client: Any, create_user: Any, town: Town
) -> None:
    """The new office serves Bachtal alone: its served group is the cell "Bachtal" of the
    reports. A report by Bezirk published for 2017 showed Bachtal's 60 cases and 30,0 ‰;
    a case ended in 2017 entered afterwards makes them 61 and 30,5 ‰ — "r", as the report
    would flag them now. The population did not change, the comparison group (three areas)
    and every estimate are no cell of any report: no "r"."""
    _approve(town, tuple(range(2016, 2023)))
    with tenant_scope(town.tenant):
        office = town.office("new")
        db.session.execute(delete(OfficeArea).where(OfficeArea.office_id == office.id))
        db.session.add(OfficeArea(office_id=office.id, area_id=town.areas["B"]))
        db.session.commit()
    _publish_report(app, town, 2017)
    with tenant_scope(town.tenant):
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "HZE_END", Metric.tenant_id.is_(None))
        ).scalar_one()
        db.session.add(
            FigureValue(metric_id=metric, area_id=town.areas["B"], period="2017-06", value=1)
        )
        db.session.commit()
    out = _outputs(client, create_user, town)
    rows = {row[0]: row for row in out["tables"]["yearly"]}
    assert rows["2017"][2:6] == ["61 r", "2.000", "30,50 r", "92,4"]
    assert rows["2018"][2:5] == ["62", "2.000", "31,00"]  # not published: nothing to differ
    assert not any(c.endswith("r") for c in rows["2017"][6:])  # the comparison group
    flagged = {c for rows_ in out["tables"].values() for row in rows_ for c in row}
    assert {c for c in flagged if c.endswith(" r")} == {"61 r", "30,50 r"}
    # Bachtal has no case-years by help type: the cost figures are not available (".")
    assert out["tables"]["costs"][0][1:3] == ["0", "."]
    expected = legend({"r", "."}, THRESHOLD)
    assert _page_legend(out["page"]) == expected
    line = next(row for row in out["csv"] if row[:1] == ["2017"])
    assert line[2:5] == ["61 r", "2.000", "30,50 r"]
    assert _legend_rows(out["csv"]) == expected
    row = next(r for r in out["xlsx"] if r[0].value == 2017)
    assert row[2].value == 61 and row[2].number_format.endswith('" r"')
    assert _legend_rows([[c.value for c in r] for r in out["xlsx"]]) == expected
