"""Screenshots of the report PDFs for the reviewers: every page of every shared template's
PDF on Marl's demo data (one with the office's commentary), as PNG in
``build/screenshots/`` — the CI keeps ``build/`` as its artefacts.

The pages are rasterised with poppler's ``pdftoppm`` (Debian: ``poppler-utils``); without it
the test is skipped and says why.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 # runs pdftoppm on a file this test wrote
from pathlib import Path

import pytest
from flask import Flask

from saas.reports.library import LIBRARY
from tests.reports.conftest import run

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
COMMENTARY = {
    1: (
        "Die Fallzahlen liegen 2024 leicht über dem Vorjahr. In Drewer-Nord sind drei "
        "Familien mit mehreren Kindern zugezogen, die bereits Hilfen erhielten.\n\n"
        "Der Anstieg ist kein Hinweis auf eine Verschlechterung der Lage im Stadtteil."
    ),
    2: "Der Eckwert ist seit 2020 stabil; die Prävention im Stadtteil wirkt.",
}


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm (poppler-utils) is not installed: no screenshots of the report PDFs",
)
@pytest.mark.parametrize("code", [item["code"] for item in LIBRARY])
def test_screenshots_of_the_report_pdfs(app: Flask, code: str) -> None:
    from saas.reports.document import Document
    from saas.reports.exports import render

    with app.test_request_context("/"):
        result = run(code, 2015, 2024, level="stadtteil")
        commentary = COMMENTARY if code == "entwicklung-hze" else {}
        pdf = render(Document(result, commentary), "pdf")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"report-{code}-*.png"):
        old.unlink()
    source = SCREENSHOTS / f"report-{code}.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603 # nosec B603 # fixed arguments, our own file
        ["pdftoppm", "-r", "80", "-png", str(source), str(SCREENSHOTS / f"report-{code}")],  # noqa: S607
        check=True,
        timeout=120,
    )
    pages = sorted(SCREENSHOTS.glob(f"report-{code}-*.png"))
    assert len(pages) >= 3  # title page, sections, notes
    # drawn, not blank (a page with one line of text and the footer is about 10 KB at 80 dpi)
    assert all(page.stat().st_size > 6_000 for page in pages)
