"""``flask reports list`` and ``flask reports run``: the same numbers as the report page."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask import Flask

from saas.reports.cli import register, reports
from saas.reports.document import cell_text
from saas.reports.library import LIBRARY
from tests.reports.conftest import run
from tests.reports.test_exports import walk_csv, walk_xlsx


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(reports, list(args))


def test_register_adds_the_group(app: Flask) -> None:
    register(app)
    assert app.cli.get_command(None, "reports") is reports  # type: ignore[arg-type]


def test_list_prints_the_shared_codes(app: Flask) -> None:
    result = _cli(app, "list")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == sorted(item["code"] for item in LIBRARY)


def test_run_writes_the_numbers_of_the_page(app: Flask, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    expected = run("entwicklung-hze", 2015, 2024)
    target = tmp_path / "hze.csv"
    result = _cli(
        app,
        "run",
        "marl",
        "entwicklung-hze",
        "--from",
        "2015",
        "--to",
        "2024",
        "--format",
        "csv",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    pairs = walk_csv(expected, rows)
    assert pairs and all(e == f for e, f in pairs)

    target = tmp_path / "hze.xlsx"
    result = _cli(
        app,
        "run",
        "marl",
        "entwicklung-hze",
        "--from",
        "2015",
        "--to",
        "2024",
        "--output",
        str(target),
    )  # format from the file name
    assert result.exit_code == 0, result.output
    sheet = load_workbook(io.BytesIO(target.read_bytes()), read_only=True).active
    pairs = walk_xlsx(expected, list(sheet.iter_rows(values_only=True)))
    assert pairs and all(e == f for e, f in pairs)

    target = tmp_path / "hze.pdf"
    result = _cli(
        app,
        "run",
        "marl",
        "entwicklung-hze",
        "--from",
        "2015",
        "--to",
        "2024",
        "--format",
        "pdf",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    pdf = target.read_bytes()
    assert all(
        f"({part}) Tj".encode() in pdf
        for c in expected.cells()
        if c.value is not None
        for part in cell_text(c)
        if part
    )


def test_run_a_local_variant_by_its_code(app: Flask, tmp_path: Path) -> None:
    from saas.core.db import db
    from saas.core.tenancy import tenant_scope
    from saas.reports.store import copy_to_local
    from tests.conftest import tenant
    from tests.reports.conftest import shared

    marl = tenant("marl")
    with tenant_scope(marl):
        variant = copy_to_local(shared("kosten-der-hilfen"), marl.id)
        variant.definition = {
            "sections": [
                {"type": "kpis", "title_de": "Nur Kosten", "indicators": ["HZE_EXP_TOTAL"]}
            ]
        }
        db.session.commit()
    target = tmp_path / "lokal.csv"
    result = _cli(
        app,
        "run",
        "marl",
        "kosten-der-hilfen-lokal",
        "--from",
        "2023",
        "--to",
        "2024",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    text = target.read_bytes().decode("utf-8-sig")
    from saas.indicators.definitions import INDICATORS

    # the indicator by its name, not by its code
    assert "Nur Kosten" in text and INDICATORS["HZE_EXP_TOTAL"].label_de in text
    assert "HZE_EXP_TOTAL" not in text
    # another tenant does not see Marl's variant
    result = _cli(
        app,
        "run",
        "hamm",
        "kosten-der-hilfen-lokal",
        "--from",
        "2023",
        "--to",
        "2024",
        "--output",
        str(target),
    )
    assert result.exit_code != 0 and "Unbekannte Berichtsvorlage" in result.output


def test_run_errors(app: Flask, tmp_path: Path) -> None:
    out = str(tmp_path / "x.csv")
    cases = [
        (
            [
                "run",
                "nowhere",
                "entwicklung-hze",
                "--from",
                "2015",
                "--to",
                "2024",
                "--output",
                out,
            ],
            "Unbekannte Kommune: nowhere",
        ),
        (
            ["run", "marl", "gibt-es-nicht", "--from", "2015", "--to", "2024", "--output", out],
            "Unbekannte Berichtsvorlage: gibt-es-nicht",
        ),
        (
            ["run", "marl", "entwicklung-hze", "--from", "2024", "--to", "2015", "--output", out],
            "--from darf nicht nach --to liegen",
        ),
        (
            [
                "run",
                "marl",
                "entwicklung-hze",
                "--from",
                "2015",
                "--to",
                "2024",
                "--output",
                str(tmp_path / "x.doc"),
            ],
            "Format muss csv, xlsx, pdf oder docx sein",
        ),
    ]
    for args, message in cases:
        result = _cli(app, *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert not (tmp_path / "x.csv").exists()
