"""``flask figures import/export``: exit status, messages, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from saas.figures.cli import figures, register
from tests.figures.conftest import audit_count, csv_bytes, snapshot, stored, xlsx_bytes


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(figures, list(args))


def test_register_adds_the_group(app: Flask) -> None:
    register(app)
    assert app.cli.get_command(None, "figures") is figures  # type: ignore[arg-type]


def test_import_valid_file(app: Flask, marl: Any, tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_bytes(csv_bytes("A1,HZE_RUN,2023-01,5", "A2,HZE_RUN,2023-01,6"))
    audits = audit_count("create")
    result = _run(app, "import", "marl", str(path))
    assert result.exit_code == 0, result.output
    assert "2 neue Werte, 0 geänderte Werte, 0 unverändert" in result.output
    assert stored(marl) == {("A1", "HZE_RUN", "2023-01"): 5, ("A2", "HZE_RUN", "2023-01"): 6}
    assert audit_count("create") == audits + 2

    before = snapshot()
    again = _run(app, "import", "marl", str(path))
    assert again.exit_code == 0 and "Keine Änderungen" in again.output
    assert snapshot() == before


def test_import_with_errors_writes_nothing(app: Flask, marl: Any, tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_bytes(
        csv_bytes("A1,HZE_RUN,2023-01,5", "A1,HZE_NEW,2023-01,-2", "A1,HZE_RUN,2023-01,=A1")
    )
    before = snapshot()
    result = _run(app, "import", "marl", str(path))
    assert result.exit_code == 1
    assert "Zeile 3, Spalte value: Negativer Wert -2 nicht erlaubt." in result.output
    assert "Zeile 4, Spalte value: Formel in Zelle nicht erlaubt" in result.output
    assert "Es wurde nichts importiert." in result.output
    assert snapshot() == before


def test_import_wrong_delimiter_and_english(app: Flask, marl: Any, tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_bytes(b"area_code|metric_code|period|value\nA1|HZE_RUN|2023-01|5\n")
    before = snapshot()
    result = _run(app, "import", "marl", str(path))
    assert result.exit_code == 1 and "Zeile 1, Spalte -:" in result.output
    assert "falsches Trennzeichen" in result.output
    english = _run(app, "import", "marl", str(path), "--lang", "en")
    assert english.exit_code == 1 and "Row 1, column -:" in english.output
    assert snapshot() == before


def test_import_xlsx_formula(app: Flask, marl: Any, tmp_path: Path) -> None:
    path = tmp_path / "figures.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["area_code", "metric_code", "period", "value"],
                ["A1", "HZE_RUN", "2023-01", "=SUM(1,2)"],
            ]
        )
    )
    before = snapshot()
    result = _run(app, "import", "marl", str(path))
    assert result.exit_code == 1
    assert "Zeile 2, Spalte value: Formel in Zelle nicht erlaubt" in result.output
    assert snapshot() == before


def test_import_warnings_are_printed_and_applied(
    app: Flask, marl: Any, tmp_path: Path, store: Callable[..., None]
) -> None:
    store(("A1", "HZE_RUN", "2022-01", 10))
    path = tmp_path / "figures.csv"
    path.write_bytes(csv_bytes("A1,HZE_RUN,2023-01,50"))
    result = _run(app, "import", "marl", str(path))
    assert result.exit_code == 0, result.output
    assert "Warnung: Zeile 2, Spalte value:" in result.output
    assert stored(marl)[("A1", "HZE_RUN", "2023-01")] == 50


def test_unknown_slug_and_missing_file(app: Flask, marl: Any, tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_bytes(csv_bytes("A1,HZE_RUN,2023-01,5"))
    before = snapshot()
    result = _run(app, "import", "nowhere", str(path))
    assert result.exit_code == 1 and "Unbekannte Kommune: nowhere" in result.output
    missing = _run(app, "import", "marl", str(tmp_path / "none.csv"))
    assert missing.exit_code == 1 and "Datei nicht gefunden" in missing.output
    assert _run(app, "export", "nowhere", str(tmp_path / "x.csv")).exit_code == 1
    assert snapshot() == before


def test_too_large_file_is_not_read(app: Flask, marl: Any, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)  # sparse file
    before = snapshot()
    result = _run(app, "import", "marl", str(path))
    assert result.exit_code == 1 and "größer als 50 MB" in result.output
    assert snapshot() == before


def test_export_round_trip(
    app: Flask, marl: Any, tmp_path: Path, store: Callable[..., None]
) -> None:
    store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_EXP_TOTAL", "2023-01", 10.5))
    for suffix in ("csv", "xlsx"):
        target = tmp_path / f"out.{suffix}"
        result = _run(app, "export", "marl", str(target))
        assert result.exit_code == 0, result.output
        before = snapshot()
        again = _run(app, "import", "marl", str(target))
        assert again.exit_code == 0 and "Keine Änderungen" in again.output
        assert snapshot() == before
    assert (tmp_path / "out.csv").read_text() == (
        "area_code,area_name,metric_code,metric_name,period,value,version\n"
        "A1,Gebiet A1,HZE_EXP_TOTAL,Ausgaben HzE inkl. § 41,2023-01,10.5,1\n"
        'A1,Gebiet A1,HZE_RUN,"HzE laufende Fälle (§§ 27–35, 41, ohne EB)",2023-01,5,1\n'
    )
    bad = _run(app, "export", "marl", str(tmp_path / "out.pdf"))
    assert bad.exit_code == 1 and ".csv oder .xlsx" in bad.output
