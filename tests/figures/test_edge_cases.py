"""Odd but possible files: huge fields, NUL bytes, old Mac line ends, sheets without data."""

from __future__ import annotations

import io
from collections.abc import Callable

from saas.figures.importer import ImportCheck
from tests.figures.conftest import HEADER, csv_bytes, xlsx_bytes


def test_huge_field_is_an_error_not_a_crash(check: Callable[..., ImportCheck]) -> None:
    result = check((HEADER + "A1,HZE_RUN,2023-01," + "1" * 200_000 + "\n").encode())
    assert not result.ok and result.errors[0].row == 2


def test_nul_bytes_and_control_characters(check: Callable[..., ImportCheck]) -> None:
    result = check(csv_bytes("A\x001,HZE_RUN,2023-01,5", "A1,HZE_RUN,2023-0\x002,5"))
    assert [(e.row, e.column) for e in result.errors] == [(2, "area_code"), (3, "period")]


def test_old_mac_line_ends(check: Callable[..., ImportCheck]) -> None:
    data = HEADER.replace("\n", "\r") + "A1,HZE_RUN,2023-01,5\rA2,HZE_RUN,2023-01,6\r"
    result = check(data.encode())
    assert result.ok, result.errors
    assert [r.row for r in result.rows] == [2, 3]


def test_unicode_digits_are_not_numbers(check: Callable[..., ImportCheck]) -> None:
    result = check(csv_bytes("A1,HZE_RUN,٢٠٢٣-٠١,٥"))
    assert {e.column for e in result.errors} == {"period", "value"}


def test_multiline_quoted_field_counts_lines(check: Callable[..., ImportCheck]) -> None:
    result = check(csv_bytes('"A\n1",HZE_RUN,2023-01,5', "Z9,HZE_RUN,2023-01,5"))
    assert [(e.row, e.column) for e in result.errors] == [(2, "area_code"), (4, "area_code")]


def test_empty_and_header_only_xlsx(check: Callable[..., ImportCheck]) -> None:
    assert "leer" in check(xlsx_bytes([]), "f.xlsx").errors[0].message
    only = check(xlsx_bytes([["area_code", "metric_code", "period", "value"]]), "f.xlsx")
    assert (only.errors[0].row, only.errors[0].column) == (2, "-")


def test_xlsx_header_not_in_first_row_and_error_cells(check: Callable[..., ImportCheck]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A3"], sheet["B3"], sheet["C3"], sheet["D3"] = COLS = (
        "area_code",
        "metric_code",
        "period",
        "value",
    )
    sheet["A4"], sheet["B4"], sheet["C4"], sheet["D4"] = "A1", "HZE_RUN", "2023-01", "#DIV/0!"
    sheet["A5"], sheet["B5"], sheet["C5"], sheet["D5"] = "A1", "HZE_NEW", "2023-01", True
    out = io.BytesIO()
    workbook.save(out)
    result = check(out.getvalue(), "f.xlsx")
    assert COLS
    assert [(e.row, e.column) for e in result.errors] == [(4, "value"), (5, "value")]


def test_csv_named_xlsx_and_xlsx_named_csv(check: Callable[..., ImportCheck]) -> None:
    assert (
        "keine gültige XLSX-Datei"
        in check(csv_bytes("A1,HZE_RUN,2023-01,5"), "f.xlsx").errors[0].message
    )
    data = xlsx_bytes(
        [["area_code", "metric_code", "period", "value"], ["A1", "HZE_RUN", "2023-01", 5]]
    )
    assert check(data, "f.csv").ok
