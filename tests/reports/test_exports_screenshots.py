"""Screenshots of the report PDFs for the reviewers: every page of every shared template's
PDF on Marl's demo data (one with the office's commentary), as PNG in
``build/screenshots/`` — the CI keeps ``build/`` as its artefacts.

The pages are rasterised with poppler's ``pdftoppm`` (Debian: ``poppler-utils``); without it
the test is skipped and says why. poppler's ``pdftotext`` reads each page's lines: no page
may hold next to nothing (a legend or one table row on a page of its own) or end with a
section's heading.
"""

from __future__ import annotations

import re
import shutil
import subprocess  # nosec B404 # runs pdftoppm on a file this test wrote
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
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
    assert all(page.stat().st_size > 10_000 for page in pages)
    problems = list(layout_problems(source, result))
    assert not problems, "\n".join(problems)


#: a page of a report carries at least this many lines besides its footer
MIN_LINES = 6


def page_lines(pdf: Path, page: int) -> list[str]:
    """The non-empty text lines of one page (pdftotext), the footer line left out."""
    text = subprocess.run(  # noqa: S603 # nosec B603 # fixed arguments, our own file
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [line for line in lines if not re.search(r"Seite \d+ von \d+$", line)]


def layout_problems(pdf: Path, result: Any) -> Iterator[str]:
    """Pages a committee clerk would send back: one with next to nothing on it (a legend or a
    lone table row), one that ends in a section's heading whose content is on the next."""
    count = int(re.search(r"Pages:\s+(\d+)", _info(pdf)).group(1))
    headings = {f"{i}. {section.title}" for i, section in enumerate(result.sections, start=1)}
    for page in range(2, count + 1):  # the title page is short by design
        lines = page_lines(pdf, page)
        if len(lines) < MIN_LINES:
            yield f"page {page} has only {len(lines)} line(s): {lines}"
        if lines and lines[-1] in headings:
            yield f"page {page} ends with the heading {lines[-1]!r}"
        if lines and lines[0] == "Zeichenerklärung":
            yield f"page {page} begins with the legend of the flags, alone: {lines}"


def _info(pdf: Path) -> str:
    return subprocess.run(  # noqa: S603 # nosec B603 # fixed arguments, our own file
        ["pdfinfo", str(pdf)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
