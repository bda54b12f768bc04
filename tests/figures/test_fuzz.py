"""Property-based: check_import never raises, whatever bytes or text it is fed."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saas.figures.importer import ImportCheck
from tests.figures.conftest import snapshot

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
COLUMNS = ["area_code", "metric_code", "period", "value"]

cells = st.one_of(
    st.text(max_size=12),
    st.integers().map(str),
    st.integers(min_value=-5, max_value=10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        [
            "A1",
            "A2",
            "B-3",
            "H1",
            "HZE_RUN",
            "HZE_RUN_34",
            "POP_TOTAL",
            "HZE_EXP_TOTAL",
            "SRO_ACTIVITIES",
            "HAMM_LOCAL",
            "2023-01",
            "2023",
            "2022-12",
            "2023-13",
            "0",
            "12",
            "1,5",
            "=1+1",
            "",
            " ",
        ]
    ),
)
headers = st.one_of(
    st.permutations(COLUMNS).map(list),
    st.lists(st.one_of(st.sampled_from(COLUMNS + ["x", ""]), st.text(max_size=8)), max_size=6),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=6), max_size=12)


def _assert_sane(result: ImportCheck) -> None:
    assert isinstance(result, ImportCheck)
    assert result.ok or result.errors
    for problem in [*result.errors, *result.warnings]:
        assert isinstance(problem.row, int) and problem.row >= 0
        assert isinstance(problem.column, str) and problem.column
        assert isinstance(problem.message, str) and problem.message
    if result.ok:
        assert len(result.rows) == len(result.created) + len(result.updated) + result.unchanged
    assert isinstance(result.summary(), str) and isinstance(result.summary("en"), str)


def test_arbitrary_bytes(check: Callable[..., ImportCheck]) -> None:
    before = snapshot()

    @SETTINGS
    @given(data=st.binary(max_size=3000), name=st.sampled_from(["f.csv", "f.xlsx", "f", ""]))
    def run(data: bytes, name: str) -> None:
        _assert_sane(check(data, name))
        _assert_sane(check(b"PK\x03\x04" + data, name))

    run()
    assert snapshot() == before


def test_arbitrary_text(check: Callable[..., ImportCheck]) -> None:
    @SETTINGS
    @given(text=st.text(max_size=500), locale=st.sampled_from(["de", "en"]))
    def run(text: str, locale: str) -> None:
        _assert_sane(check(text.encode("utf-8", "surrogatepass"), "f.csv", locale))
        _assert_sane(
            check(
                ("area_code,metric_code,period,value\n" + text).encode("utf-8", "surrogatepass"),
                "f.csv",
                locale,
            )
        )

    run()


def test_arbitrary_csv_rows(check: Callable[..., ImportCheck]) -> None:
    before = snapshot()

    @SETTINGS
    @given(
        header=headers,
        body=rows,
        delimiter=st.sampled_from([",", ";", "\t", "|"]),
        quoted=st.booleans(),
        bom=st.booleans(),
    )
    def run(
        header: list[str], body: list[list[str]], delimiter: str, quoted: bool, bom: bool
    ) -> None:
        if quoted:
            out = io.StringIO()
            csv.writer(out, delimiter=delimiter).writerows([header, *body])
            text = out.getvalue()
        else:
            text = "\n".join(delimiter.join(r) for r in [header, *body])
        data = ("\ufeff" if bom else "") + text
        _assert_sane(check(data.encode("utf-8", "surrogatepass")))

    run()
    assert snapshot() == before


xlsx_cells = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=10),
    st.sampled_from(["A1", "HZE_RUN", "2023-01", "2023", "=1+2", "=A1"]),
)


def test_arbitrary_xlsx(check: Callable[..., ImportCheck]) -> None:
    from openpyxl import Workbook

    @settings(
        max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(header=headers, body=st.lists(st.lists(xlsx_cells, max_size=6), max_size=8))
    def run(header: list[Any], body: list[list[Any]]) -> None:
        workbook = Workbook()
        sheet = workbook.active
        for row in [header, *body]:
            with contextlib.suppress(Exception):  # openpyxl refuses some strings: skip them
                sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        _assert_sane(check(out.getvalue(), "f.xlsx"))

    run()
