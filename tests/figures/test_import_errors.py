"""Every kind of bad input: a clear error naming row and column, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.importer import MAX_BYTES, ImportCheck, RowError, apply_import
from tests.figures.conftest import HEADER, csv_bytes, snapshot, xlsx_bytes

COLS = ["area_code", "metric_code", "period", "value"]


def _formula_xlsx() -> bytes:
    return xlsx_bytes([COLS, ["A1", "HZE_RUN", "2023-01", 5], ["A1", "HZE_NEW", "2023-01", "=2+3"]])


# (id, file name, content, set-up, expected row, column, German message part)
CASES: list[tuple[str, str, Any, str | None, int, str, str]] = [
    (
        "wrong_delimiter",
        "f.csv",
        b"area_code|metric_code|period|value\nA1|HZE_RUN|2023-01|5\n",
        None,
        1,
        "-",
        "falsches Trennzeichen",
    ),
    (
        "missing_column",
        "f.csv",
        b"area_code;metric_code;period\nA1;HZE_RUN;2023-01\n",
        None,
        1,
        "value",
        "Fehlende Spalte „value“",
    ),
    (
        "extra_column",
        "f.csv",
        b"area_code,metric_code,period,value,comment\nA1,HZE_RUN,2023-01,5,x\n",
        None,
        1,
        "comment",
        "Unbekannte Spalte „comment“",
    ),
    ("empty_file", "f.csv", b"", None, 0, "-", "Die Datei ist leer"),
    ("blank_file", "f.csv", b"\xef\xbb\xbf\n \r\n", None, 0, "-", "Die Datei ist leer"),
    ("header_only", "f.csv", HEADER.encode(), None, 2, "-", "keine Werte"),
    ("too_large", "f.csv", "BIG", None, 0, "-", "größer als 50 MB"),
    (
        "not_utf8",
        "f.csv",
        (HEADER + "A1,HZE_RUN,2023-01,5\nMärl,HZE_RUN,2023-02,5\n").encode("latin-1"),
        None,
        3,
        "-",
        "nicht UTF-8-kodiert",
    ),
    (
        "not_a_number",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,fünf"),
        None,
        2,
        "value",
        "„fünf“ ist keine Zahl",
    ),
    ("nan", "f.csv", csv_bytes("A1,HZE_EXP_TOTAL,2023-01,nan"), None, 2, "value", "keine Zahl"),
    (
        "negative",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,5", "A1,HZE_NEW,2023-01,-3"),
        None,
        3,
        "value",
        "Negativer Wert -3 nicht erlaubt",
    ),
    (
        "not_integer",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,2.5"),
        None,
        2,
        "value",
        "Der Wert 2,5 muss eine ganze Zahl sein",
    ),
    (
        "unknown_area",
        "f.csv",
        csv_bytes("Z9,HZE_RUN,2023-01,5"),
        None,
        2,
        "area_code",
        "Unbekanntes Gebiet „Z9“",
    ),
    (
        "other_tenants_area",
        "f.csv",
        csv_bytes("H1,HZE_RUN,2023-01,5"),
        None,
        2,
        "area_code",
        "Unbekanntes Gebiet „H1“",
    ),
    (
        "unknown_metric",
        "f.csv",
        csv_bytes("A1,NO_SUCH,2023-01,5"),
        None,
        2,
        "metric_code",
        "Unbekannte Kennzahl „NO_SUCH“",
    ),
    (
        "other_tenants_metric",
        "f.csv",
        csv_bytes("A1,HAMM_LOCAL,2023-01,5"),
        None,
        2,
        "metric_code",
        "Unbekannte Kennzahl „HAMM_LOCAL“",
    ),
    (
        "rollup_metric",
        "f.csv",
        csv_bytes("A1,SRO_ACTIVITIES,2023-01,5"),
        None,
        2,
        "metric_code",
        "wird aus den Aktivitäten berechnet und kann nicht importiert werden",
    ),
    (
        "period_malformed",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-13,5"),
        None,
        2,
        "period",
        "Ungültiger Zeitraum „2023-13“: die Kennzahl HZE_RUN ist monatlich",
    ),
    (
        "period_garbage",
        "f.csv",
        csv_bytes("A1,HZE_RUN,Jan 23,5"),
        None,
        2,
        "period",
        "Ungültiger Zeitraum „Jan 23“",
    ),
    (
        "period_year_for_monthly",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023,5"),
        None,
        2,
        "period",
        "ist monatlich, erwartet JJJJ-MM",
    ),
    (
        "period_month_for_yearly",
        "f.csv",
        csv_bytes("A1,POP_TOTAL,2023-01,5000"),
        None,
        2,
        "period",
        "ist jährlich, erwartet JJJJ",
    ),
    (
        "period_locked",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-05,5"),
        "lock",
        2,
        "period",
        "eingereicht oder freigegeben und kann nicht geändert werden",
    ),
    (
        "period_submitted",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-05,5"),
        "submit",
        2,
        "period",
        "eingereicht oder freigegeben",
    ),
    (
        "duplicate_key",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,5", "A2,HZE_RUN,2023-01,5", "A1,HZE_RUN,2023-01,6"),
        None,
        4,
        "period",
        "Doppelter Eintrag: Zeile 4 und Zeile 2",
    ),
    (
        "part_gt_total_in_file",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,5", "A1,HZE_RUN_34,2023-01,7"),
        None,
        3,
        "value",
        "größer als die Gesamtzahl HZE_RUN (5, Zeile 2)",
    ),
    (
        "part_gt_total_in_db",
        "f.csv",
        csv_bytes("A1,HZE_RUN_34,2023-01,7"),
        "total",
        2,
        "value",
        "größer als die gespeicherte Gesamtzahl HZE_RUN (5)",
    ),
    (
        "total_lt_part_in_db",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,3"),
        "part",
        2,
        "value",
        "kleiner als der gespeicherte Teilwert HZE_RUN_34 (4)",
    ),
    (
        "formula_csv",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,=2+3"),
        None,
        2,
        "value",
        "Formel in Zelle nicht erlaubt",
    ),
    ("formula_xlsx", "f.xlsx", "FORMULA", None, 3, "value", "Formel in Zelle nicht erlaubt"),
    (
        "formula_xlsx_text",
        "f.xlsx",
        "XLSX_TEXT_FORMULA",
        None,
        2,
        "area_code",
        "Formel in Zelle nicht erlaubt",
    ),
    (
        "row_too_short",
        "f.csv",
        csv_bytes("A1;HZE_RUN;2023-01;5", "A1,HZE_NEW,2023-01,1"),
        None,
        2,
        "metric_code",
        "nur 1 von 4 Spalten",
    ),
    (
        "row_too_long",
        "f.csv",
        csv_bytes("A1,HZE_RUN,2023-01,5,9"),
        None,
        2,
        "-",
        "5 Spalten, die Kopfzeile nur 4",
    ),
    (
        "empty_field",
        "f.csv",
        csv_bytes("A1,,2023-01,5"),
        None,
        2,
        "metric_code",
        "Das Feld ist leer",
    ),
    (
        "broken_xlsx",
        "f.xlsx",
        b"PK\x03\x04 this is not really a zip",
        None,
        0,
        "-",
        "keine gültige XLSX-Datei",
    ),
    (
        "old_excel",
        "f.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        None,
        0,
        "-",
        "alte Excel-Format",
    ),
    (
        "value_too_big",
        "f.csv",
        csv_bytes("A1,HZE_EXP_TOTAL,2023-01," + "9" * 400),
        None,
        2,
        "value",
        "unplausibel groß",
    ),
]


def _content(spec: Any) -> bytes:
    if spec == "BIG":
        return b"a" * (MAX_BYTES + 1)
    if spec == "FORMULA":
        return _formula_xlsx()
    if spec == "XLSX_TEXT_FORMULA":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(COLS)
        cell = WriteOnlyCell(sheet, value="=A1")
        cell.data_type = "s"  # stored as text, still starts with '='
        sheet.append([cell, "HZE_RUN", "2023-01", 5])
        import io

        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    return spec


@pytest.fixture
def prepare(store: Callable[..., None], lock: Callable[..., None]) -> Callable[[str | None], None]:
    def _prepare(setup: str | None) -> None:
        if setup == "lock":
            lock("A1", "2023-05", "approved")
        elif setup == "submit":
            lock("A1", "2023-05", "submitted")
        elif setup == "total":
            store(("A1", "HZE_RUN", "2023-01", 5))
        elif setup == "part":
            store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_RUN_34", "2023-01", 4))

    return _prepare


def _assert_has(check: ImportCheck, row: int, column: str, text: str) -> RowError:
    matching = [
        e for e in check.errors if e.row == row and e.column == column and text in e.message
    ]
    assert matching, f"no error ({row}, {column}, {text!r}) in {check.errors}"
    return matching[0]


@pytest.mark.parametrize(
    ("filename", "content", "setup", "row", "column", "text"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_reported_and_changes_nothing(
    marl: Any,
    prepare: Callable[[str | None], None],
    check: Callable[..., ImportCheck],
    filename: str,
    content: Any,
    setup: str | None,
    row: int,
    column: str,
    text: str,
) -> None:
    prepare(setup)
    before = snapshot()
    result = check(_content(content), filename)
    assert not result.ok
    _assert_has(result, row, column, text)
    assert all(isinstance(e.row, int) and e.row >= 0 for e in result.errors)
    assert "Fehler, es wird nichts übernommen" in result.summary()
    with tenant_scope(marl), pytest.raises(ValueError):
        apply_import(result)
    db.session.commit()
    assert snapshot() == before


def test_all_errors_are_collected(check: Callable[..., ImportCheck]) -> None:
    data = csv_bytes(
        "A1,HZE_RUN,2023-01,5",  # 2 fine
        "Z9,HZE_RUN,2023-01,5",  # 3 area
        "A1,NOPE,2023-01,5",  # 4 metric
        "A1,HZE_RUN,2023-1,5",  # 5 period
        "A1,HZE_NEW,2023-01,x",  # 6 value
        "Q,Q,Q,-1.5",  # 7 area, metric, period (value unchecked without metric: -1.5 parses)
    )
    result = check(data)
    got = {(e.row, e.column) for e in result.errors}
    assert got == {
        (3, "area_code"),
        (4, "metric_code"),
        (5, "period"),
        (6, "value"),
        (7, "area_code"),
        (7, "metric_code"),
        (7, "period"),
    }
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    assert len(result.rows) == 1 and result.rows[0].row == 2


def test_several_header_problems(check: Callable[..., ImportCheck]) -> None:
    result = check(b"Gebiet;Kennzahl;period;value;value\nA1;HZE_RUN;2023-01;5;5\n")
    got = {(e.row, e.column) for e in result.errors}
    assert {
        (1, "gebiet"),
        (1, "kennzahl"),
        (1, "value"),
        (1, "area_code"),
        (1, "metric_code"),
    } <= got


def test_unchanged_value_in_locked_period_is_no_error(
    check: Callable[..., ImportCheck], store: Callable[..., None], lock: Callable[..., None]
) -> None:
    """Only changes are refused in a locked period, so an export can be imported again."""
    store(("A1", "HZE_RUN", "2023-05", 5))
    lock("A1", "2023-05")
    assert check(csv_bytes("A1,HZE_RUN,2023-05,5")).ok
    changed = check(csv_bytes("A1,HZE_RUN,2023-05,6"))
    assert [(e.row, e.column) for e in changed.errors] == [(2, "period")]


def test_part_within_total_and_total_raised_with_part(
    check: Callable[..., ImportCheck], store: Callable[..., None]
) -> None:
    store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_RUN_34", "2023-01", 4))
    # the part is raised together with its total in the same file: fine
    assert check(csv_bytes("A1,HZE_RUN_34,2023-01,9", "A1,HZE_RUN,2023-01,10")).ok
    # the part equals the total: fine
    assert check(csv_bytes("A1,HZE_RUN_34,2023-01,5")).ok
    # the part in the file is invalid: the total is not compared with the stored part
    result = check(csv_bytes("A1,HZE_RUN,2023-01,3", "A1,HZE_RUN_34,2023-01,x"))
    assert [(e.row, e.column) for e in result.errors] == [(3, "value")]
    # another area or period is independent
    assert check(csv_bytes("A2,HZE_RUN_34,2023-01,7", "A1,HZE_RUN_34,2023-02,7")).ok
