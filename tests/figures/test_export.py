"""Export in the import format; export → import reports no changes (CSV and XLSX)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from saas.core.tenancy import tenant_scope
from saas.figures.exporter import export_figures
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


def _export(marl: Any, fmt: str, **kwargs: Any) -> bytes:
    with tenant_scope(marl):
        return export_figures(fmt, **kwargs)


def test_csv_export_format(values: Any) -> None:
    # RFC 4180 line ends, as every CSV of saas.core.spreadsheet
    assert _export(values, "csv").decode("utf-8") == EXPECTED_CSV.replace("\n", "\r\n")


def test_export_filters(values: Any) -> None:
    with tenant_scope(values):
        a1 = area_id("A1")
    text = _export(values, "csv", metric_codes=["HZE_RUN"], area_ids=[a1]).decode()
    assert text.splitlines()[1:] == ["A1,HZE_RUN,2023-01,11", "A1,HZE_RUN,2023-02,12"]
    assert _export(values, "csv", metric_codes=["HAMM_LOCAL"]).decode().count("\n") == 1


def test_xlsx_export_format(values: Any) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_export(values, "xlsx")))
    assert len(workbook.worksheets) == 1
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("area_code", "metric_code", "period", "value")
    expected = [tuple(line.split(",")) for line in EXPECTED_CSV.splitlines()[1:]]
    assert [(a, m, p) for a, m, p, _ in rows[1:]] == [(a, m, p) for a, m, p, _ in expected]
    assert rows[1][3] == 1234.56 and rows[5][3] == 11 and isinstance(rows[5][3], int)


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
    assert _export(marl, "csv").decode().splitlines()[1:] == [
        "A1,HZE_EXP_TOTAL,2023-01,2.75",
        "A2,HZE_EXP_TOTAL,2023-01,1000.5",
    ]
    for fmt in ("csv", "xlsx"):
        assert check(_export(marl, fmt), f"x.{fmt}").summary() == "Keine Änderungen"


def test_unknown_format(values: Any) -> None:
    with pytest.raises(ValueError):
        _export(values, "pdf")
