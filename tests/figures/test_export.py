"""Export in the import format; export → import reports no changes (CSV and XLSX)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from saas.core.tenancy import tenant_scope
from saas.figures.exporter import Selection, export_figures
from saas.figures.importer import ImportCheck
from tests.conftest import tenant
from tests.figures.conftest import area_id, csv_bytes

VALUES = (
    ("B-3", "HZE_RUN", "2023-01", 4),
    ("A1", "HZE_RUN", "2023-02", 12),
    ("A1", "HZE_RUN", "2023-01", 11),
    ("A1", "POP_TOTAL", "2023", 9074),
    ("A1", "HZE_EXP_TOTAL", "2023-01", 1234.56),
    ("A1", "HZE_EXP_TOTAL", "2023-02", 0.1),
    ("A1", "HZE_EXP_TOTAL", "2023-03", 0.00001),
    ("A1", "HZE_EXP_TOTAL", "2023-04", 123456789012.25),
    ("A2", "HZE_RUN_34", "2023-01", 0),
)

#: the codes, periods and values of the export (names and versions are checked apart)
EXPECTED_CSV = (
    "area_code,metric_code,period,value\n"
    "A1,HZE_EXP_TOTAL,2023-01,1234.56\n"
    "A1,HZE_EXP_TOTAL,2023-02,0.1\n"
    "A1,HZE_EXP_TOTAL,2023-03,0.00001\n"
    "A1,HZE_EXP_TOTAL,2023-04,123456789012.25\n"
    "A1,HZE_RUN,2023-01,11\n"
    "A1,HZE_RUN,2023-02,12\n"
    "A1,POP_TOTAL,2023,9074\n"
    "A2,HZE_RUN_34,2023-01,0\n"
    "B-3,HZE_RUN,2023-01,4\n"
)
HEADER = "area_code,area_name,metric_code,metric_name,period,value,version"


def codes_and_values(text: str) -> str:
    """The export without its name and version columns, as EXPECTED_CSV."""
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER.split(",")
    return "".join(",".join((r[0], r[2], r[4], r[5])) + "\n" for r in rows)


@pytest.fixture
def values(marl: Any, store: Callable[..., None]) -> Any:
    store(*VALUES)
    # another tenant's figures never appear in Marl's export
    from saas.areas.models import Area
    from saas.core.db import db
    from saas.figures.models import FigureValue
    from tests.figures.conftest import metric_id

    hamm = tenant("hamm")
    with tenant_scope(hamm):
        h1 = db.session.execute(db.select(Area.id).where(Area.code == "H1")).scalar_one()
        db.session.add(
            FigureValue(area_id=h1, metric_id=metric_id("HZE_RUN"), period="2023-01", value=99)
        )
        db.session.commit()
    return marl


def _export(marl: Any, fmt: str, selection: Selection = Selection(), **kwargs: Any) -> bytes:
    with tenant_scope(marl):
        return export_figures(fmt, selection, **kwargs)


def test_csv_export_format(values: Any) -> None:
    text = _export(values, "csv").decode("utf-8")
    assert "\r\n" in text  # RFC 4180 line ends, as every CSV of saas.core.spreadsheet
    assert codes_and_values(text) == EXPECTED_CSV
    lines = text.splitlines()
    assert lines[0] == HEADER
    # names next to the codes, and every value's version
    assert lines[1] == "A1,Gebiet A1,HZE_EXP_TOTAL,Ausgaben HzE inkl. § 41,2023-01,1234.56,1"


def test_export_filters(values: Any) -> None:
    with tenant_scope(values):
        a1 = area_id("A1")
    text = _export(
        values, "csv", Selection(metric_codes=frozenset({"HZE_RUN"}), area_ids=frozenset({a1}))
    ).decode()
    assert codes_and_values(text).splitlines()[1:] == [
        "A1,HZE_RUN,2023-01,11",
        "A1,HZE_RUN,2023-02,12",
    ]
    only = Selection(metric_codes=frozenset({"HAMM_LOCAL"}))
    assert _export(values, "csv", only).decode().count("\n") == 1
    # a period range: the months 2023-02 … 2023-03 and the year they lie in
    text = _export(values, "csv", Selection(period_from="2023-02", period_to="2023-03")).decode()
    assert [line.split(",")[2] for line in codes_and_values(text).splitlines()[1:]] == [
        "2023-02",
        "2023-03",
        "2023-02",
        "2023",
    ]
    text = _export(values, "csv", Selection(period_from="2023", period_to="2023")).decode()
    assert len(codes_and_values(text).splitlines()) == len(VALUES) + 1


def test_xlsx_export_format(values: Any) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_export(values, "xlsx")))
    assert len(workbook.worksheets) == 1
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER.split(","))
    expected = [tuple(line.split(",")) for line in EXPECTED_CSV.splitlines()[1:]]
    assert [(r[0], r[2], r[4]) for r in rows[1:]] == [(a, m, p) for a, m, p, _ in expected]
    assert rows[1][5] == 1234.56 and rows[5][5] == 11 and isinstance(rows[5][5], int)
    assert rows[1][1] == "Gebiet A1" and rows[1][6] == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_reports_no_changes(
    values: Any, check: Callable[..., ImportCheck], lock: Callable[..., None], fmt: str
) -> None:
    lock("A1", "2023-01")  # unchanged values of a locked period are no error
    content = _export(values, fmt)
    result = check(content, f"export.{fmt}")
    assert result.ok, result.errors
    assert result.created == [] and result.updated == []
    assert result.unchanged == len(VALUES)
    assert result.summary() == "Keine Änderungen"


def test_round_trip_after_import(marl: Any, check: Callable[..., ImportCheck]) -> None:
    from saas.core.db import db
    from saas.figures.importer import apply_import

    first = check(
        csv_bytes(
            "A2,HZE_EXP_TOTAL,2023-01,1e3".replace("1e3", "1000.5"),
            'A1,HZE_EXP_TOTAL,2023-01,"2,75"',
        )
    )
    with tenant_scope(marl):
        apply_import(first)
        db.session.commit()
    assert codes_and_values(_export(marl, "csv").decode()).splitlines()[1:] == [
        "A1,HZE_EXP_TOTAL,2023-01,2.75",
        "A2,HZE_EXP_TOTAL,2023-01,1000.5",
    ]
    for fmt in ("csv", "xlsx"):
        assert check(_export(marl, fmt), f"x.{fmt}").summary() == "Keine Änderungen"


def test_unknown_format(values: Any) -> None:
    with pytest.raises(ValueError):
        _export(values, "pdf")
