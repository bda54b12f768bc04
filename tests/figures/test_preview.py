"""Import with a preview (issue 12 §4): nothing is written before "Übernehmen"; values changed
in the system after the file's export are conflicts, never overwritten without a choice; the
summary speaks in names; the export is a fill-in template that imports back."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from tests.conftest import csrf_token
from tests.figures.conftest import area_id, metric_id, stored

HZE = "HzE laufende Fälle (§§ 27–35, 41, ohne EB)"


def upload(client: FlaskClient, data: bytes, name: str = "kennzahlen.csv") -> Any:
    token = csrf_token(client, "/marl/figures/import")
    return client.post(
        "/marl/figures/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def apply(client: FlaskClient, preview: str, **choices: str) -> Any:
    token = csrf_token(client, preview)
    return client.post(f"{preview}/apply", data={"csrf_token": token, **choices})


def text(response: Any) -> str:
    return " ".join(response.get_data(as_text=True).split())


def change_in_system(marl: Any, area: str, metric: str, period: str, value: float) -> None:
    """Someone edits a value after the export (the lock version moves on)."""
    with tenant_scope(marl):
        figure = db.session.execute(
            select(FigureValue).where(
                FigureValue.area_id == area_id(area),
                FigureValue.metric_id == metric_id(metric),
                FigureValue.period == period,
            )
        ).scalar_one()
        figure.value = value
        db.session.commit()


def edited(export: bytes, changes: dict[tuple[str, str], str], added: list[str]) -> bytes:
    """The exported CSV with values changed ((area, period) → value) and lines added."""
    rows = list(csv.reader(io.StringIO(export.decode())))
    for row in rows[1:]:
        if (row[0], row[4]) in changes:
            row[5] = changes[(row[0], row[4])]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return (out.getvalue() + "".join(f"{line}\n" for line in added)).encode()


def prepared(auth: Callable[..., FlaskClient], marl: Any, store: Callable[..., None]) -> Any:
    """An export of two values, one of them changed in the system afterwards, then edited."""
    store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_RUN", "2023-02", 6))
    client = auth("coordinator", "marl")
    export = client.get("/marl/figures/export.csv?metric=HZE_RUN&from=2023-01&to=2023-12")
    assert export.status_code == 200
    change_in_system(marl, "A1", "HZE_RUN", "2023-01", 7)
    # the file keeps 5 for January (its old value), changes February 6 → 8, adds A2
    data = edited(export.data, {("A1", "2023-02"): "8"}, ["A2,,HZE_RUN,,2023-01,3,"])
    response = upload(client, data)
    assert response.status_code == 303, text(response)[:2000]
    return client, response.headers["Location"]


def test_preview_lists_new_changed_and_conflicts_and_writes_nothing(auth, marl, store) -> None:
    client, preview = prepared(auth, marl, store)
    page = text(client.get(preview))
    assert 'data-label="Im System"' in page  # the cells name their columns (cards at 360 px)
    page = re.sub(r' data-label="[^"]*"', "", page).replace(" cards", "")
    assert "Es wurde noch nichts geschrieben." in page
    words = re.sub(r"<[^>]+>", "", page)
    assert "1 neuer Wert, 1 geänderter Wert, 0 unverändert, 1 Konflikt" in words
    # names next to codes, months in words, old → new
    assert f'Gebiet A2 <span class="muted">(A2)</span></td><td>{HZE}' in page
    assert "Februar 2023" in page and "Januar 2023" in page
    changed = re.search(r"<h2>Geänderte Werte</h2>(.*?)</table>", page).group(1)
    assert 'Februar 2023</td><td class="num">6</td><td class="num">8</td>' in changed
    conflicts = re.search(r'<table class="import-preview conflicts">(.*?)</table>', page).group(1)
    assert 'Januar 2023</td><td class="num">7</td><td class="num">5</td>' in conflicts
    assert stored(marl) == {("A1", "HZE_RUN", "2023-01"): 7, ("A1", "HZE_RUN", "2023-02"): 6}


def test_a_conflict_needs_a_choice(auth, marl, store) -> None:
    client, preview = prepared(auth, marl, store)
    refused = apply(client, preview)
    assert refused.status_code == 400
    assert "Bitte entscheiden Sie bei jedem Konflikt" in text(refused)
    assert stored(marl)[("A1", "HZE_RUN", "2023-02")] == 6  # nothing written


def test_keeping_the_system_value_per_row(auth, marl, store) -> None:
    client, preview = prepared(auth, marl, store)
    row = re.search(r'name="conflict_(\d+)"', text(client.get(preview))).group(1)
    done = apply(client, preview, **{f"conflict_{row}": "keep"})
    assert done.status_code == 303
    assert stored(marl) == {
        ("A1", "HZE_RUN", "2023-01"): 7,  # kept
        ("A1", "HZE_RUN", "2023-02"): 8,
        ("A2", "HZE_RUN", "2023-01"): 3,
    }
    summary = re.sub(r' data-label="[^"]*"', "", text(client.get(done.headers["Location"])))
    assert "Import abgeschlossen." in summary
    assert (
        "1 neuer Wert, 1 geänderter Wert, 0 unverändert, 1 Wert wie im System belassen" in summary
    )
    assert f'Gebiet A1 <span class="muted">(A1)</span></td><td>{HZE}' in summary
    assert "Update(" not in summary and "figure_id" not in summary


def test_taking_the_file_values_for_all(auth, marl, store) -> None:
    client, preview = prepared(auth, marl, store)
    assert apply(client, preview, choose_all="file").status_code == 303
    assert stored(marl)[("A1", "HZE_RUN", "2023-01")] == 5


def test_a_change_after_the_preview_stops_the_import(auth, marl, store) -> None:
    client, preview = prepared(auth, marl, store)
    change_in_system(marl, "A1", "HZE_RUN", "2023-02", 9)  # between preview and "Übernehmen"
    response = apply(client, preview, choose_all="file")
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "2 Konflikte" in page
    assert stored(marl)[("A1", "HZE_RUN", "2023-02")] == 9  # nothing written


def test_a_hand_made_file_without_versions_has_no_conflicts(auth, marl, store) -> None:
    store(("A1", "HZE_RUN", "2023-01", 5))
    client = auth("coordinator", "marl")
    response = upload(client, b"area_code,metric_code,period,value\nA1,HZE_RUN,2023-01,6\n")
    page = text(client.get(response.headers["Location"]))
    assert "1 geänderter Wert" in page and "Konflikt" not in page


def test_the_xlsx_template_is_filled_in_and_imported_back(auth, marl, store) -> None:
    from openpyxl import load_workbook

    store(("A1", "HZE_RUN", "2023-01", 5))
    client = auth("coordinator", "marl")
    with tenant_scope(marl):
        a1 = area_id("A1")
    template = client.get(
        f"/marl/figures/export.xlsx?area={a1}&metric=HZE_RUN&from=2023-01&to=2023-03&template=1"
    )
    assert template.status_code == 200 and template.data[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(template.data))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "area_code",
        "area_name",
        "metric_code",
        "metric_name",
        "period",
        "value",
        "version",
    )
    assert [(r[0], r[1], r[4], r[5]) for r in rows[1:]] == [
        (
            "A1",
            "Gebiet A1",
            "2023-01",
            5,
        ),
        ("A1", "Gebiet A1", "2023-02", None),
        ("A1", "Gebiet A1", "2023-03", None),
    ] and rows[1][3] == HZE
    sheet.cell(row=4, column=6, value=12)  # March filled in, February left empty
    filled = io.BytesIO()
    workbook.save(filled)
    response = upload(client, filled.getvalue(), "vorlage.xlsx")
    page = text(client.get(response.headers["Location"]))
    assert "1 neuer Wert, 0 geänderte Werte, 1 unverändert" in page
    assert "1 leere Vorlagenzeile übersprungen" in page
    assert apply(client, response.headers["Location"]).status_code == 303
    assert stored(marl)[("A1", "HZE_RUN", "2023-03")] == 12
    assert ("A1", "HZE_RUN", "2023-02") not in stored(marl)


def test_cli_refuses_conflicts_unless_told(app, marl, store, tmp_path) -> None:
    from saas.figures.cli import figures

    store(("A1", "HZE_RUN", "2023-01", 5))
    path = tmp_path / "export.csv"
    runner = app.test_cli_runner()
    assert runner.invoke(figures, ["export", "marl", str(path)]).exit_code == 0
    change_in_system(marl, "A1", "HZE_RUN", "2023-01", 7)
    refused = runner.invoke(figures, ["import", "marl", str(path)])
    assert refused.exit_code == 1
    message = "Der Wert wurde nach dem Export der Datei im System geändert (jetzt 7)"
    assert f"Zeile 2, Spalte value: {message}" in refused.output
    assert stored(marl)[("A1", "HZE_RUN", "2023-01")] == 7
    forced = runner.invoke(figures, ["import", "marl", str(path), "--overwrite-conflicts"])
    assert forced.exit_code == 0, forced.output
    assert stored(marl)[("A1", "HZE_RUN", "2023-01")] == 5
