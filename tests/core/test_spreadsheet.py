"""The one spreadsheet writer: any text is one field of one record and never a formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from saas.core.spreadsheet import (
    FORMULA_START,
    Number,
    Text,
    csv_field,
    safe_text,
    write_csv,
    write_xlsx,
)

ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
) | st.sampled_from(["=1+1", "X\rY=1+1", "\r=2", "\t+3", '"a";b', "@SUM(A1)", "-", "\n"])


@given(text=ANY_TEXT, neighbour=ANY_TEXT, delimiter=st.sampled_from([",", ";"]))
def test_any_text_is_one_field_of_one_record_and_never_a_formula(
    text: str, neighbour: str, delimiter: str
) -> None:
    data = write_csv([[neighbour, text, "end"], ["next"]], delimiter=delimiter)
    records = list(
        csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    )
    assert records == [[safe_text(neighbour), safe_text(text), "end"], ["next"]]
    assert not safe_text(text).startswith(FORMULA_START)
    assert safe_text(text).removeprefix("'") == text.removeprefix("'") or text[:1] == "'"


@given(text=ANY_TEXT)
def test_no_unquoted_control_character_ends_a_record(text: str) -> None:
    field = csv_field(text, ";")
    if any(c in field for c in '\r\n\t;"'):
        assert field.startswith('"') and field.endswith('"')


def test_numbers_keep_their_sign_and_text_cannot_pose_as_a_number() -> None:
    data = write_csv([[Number(-1.5, "-1,5"), Number(2, "=2"), Number(3, "+3")]], delimiter=";")
    assert data.decode("utf-8-sig") == "-1,5;'=2;+3\r\n"
    assert write_csv([["a"]], bom=False) == b"a\r\n"
    with pytest.raises(ValueError):
        write_csv([["a"]], delimiter="\r")


def test_a_negative_number_with_its_flag_reads_as_one_not_as_a_guarded_formula() -> None:
    """Regression: "-0,25 p" (provisional) came out as "'-0,25 p" in the CSV; it is written
    with the minus sign, which starts no formula, while a flagged text stays guarded."""
    data = write_csv(
        [[Number(-0.25, "-0,25 p"), Number(12, "12 pr"), Number(-1, "-1 p=2"), "-0,25 p"]],
        delimiter=";",
    )
    assert data.decode("utf-8-sig") == "\u22120,25 p;12 pr;'-1 p=2;'-0,25 p\r\n"


def test_xlsx_stores_text_as_text_and_numbers_as_numbers() -> None:
    data = write_xlsx(
        [
            [Text("=HYPERLINK(1)", bold=True, size=14), "+SUM(A1)", "bell\x07"],
            [Number(Decimal("1.50"), "", "#,##0.00"), Number(3, ""), None],
        ],
        sheet_title="Report: a/b [1]",
        column_widths={"A": 60},
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Report  a b  1"
    assert [c.value for c in sheet[1]] == ["=HYPERLINK(1)", "+SUM(A1)", "bell"]
    assert {c.data_type for c in sheet[1]} == {"s"} and sheet["A1"].font.b
    assert sheet["A2"].value == 1.5 and sheet["A2"].number_format == "#,##0.00"
    assert sheet["B2"].value == 3
