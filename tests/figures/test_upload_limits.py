"""Figures files are bounded while they are read: big or inflating files are refused early."""

from __future__ import annotations

import io
import zipfile

import pytest

from saas.core.uploads import Limits
from saas.figures.reading import FileProblem, read_table


def _csv(rows: int) -> bytes:
    lines = ["area_code,metric_code,period,value"]
    lines += [f"A{i % 50},hze_34,2024-{1 + i % 12:02d},{i % 7}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_csv_over_the_row_limit_is_refused_while_reading() -> None:
    table = read_table("f.csv", _csv(5_000), Limits(max_rows=1_000))
    with pytest.raises(FileProblem) as caught:
        for _record in table.records:
            pass
    assert caught.value.key == "over_limit"
    assert caught.value.row == 1_001 + 1  # the first record over the limit (header is line 1)


def test_a_csv_within_the_limits_reads_whole() -> None:
    table = read_table("f.csv", _csv(500), Limits(max_rows=1_000))
    assert sum(1 for _ in table.records) == 500


def test_an_xlsx_whose_shared_strings_inflate_is_refused_before_parsing() -> None:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["area_code", "metric_code", "period", "value"])
    workbook.save(buffer)
    # replace the shared strings by a part that inflates to 8 MB from a few KB
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (8 * 1024 * 1024) + b"</sst>")
    with pytest.raises(FileProblem) as caught:
        read_table("f.xlsx", bomb.getvalue(), Limits(max_part_bytes=4 * 1024 * 1024))
    assert caught.value.key == "over_limit"


def test_xlsx_rows_are_bounded_too() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["area_code", "metric_code", "period", "value"])
    for i in range(300):
        sheet.append([f"A{i}", "hze_34", "2024-01", i])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(FileProblem) as caught:
        read_table("f.xlsx", buffer.getvalue(), Limits(max_rows=100))
    assert caught.value.key == "over_limit"
