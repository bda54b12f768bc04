"""Screenshots of the report PDFs for the reviewers: every page of every shared template's
PDF on Marl's demo data (one with the office's commentary), as PNG in
``build/screenshots/report-<code>-<n>.png`` beside the PDF itself — the CI keeps ``build/``
as its artefacts.

The pages are drawn by a browser: headless Chromium (``tests/browser/conftest.py``) runs
Mozilla's pdf.js (``tests/browser/pdf_pages.py``) and hands back every page's canvas. The
test is marked ``one_pass``: CI's two passes run at the same time and would write the same
files.

poppler's ``pdftotext`` (Debian: ``poppler-utils``; without it that test is skipped and says
why) reads each page's lines: no page may hold next to nothing (a legend or one table row on
a page of its own) or end with a section's heading.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess  # nosec B404 # runs pdftotext on a file this test wrote
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from saas.reports.library import LIBRARY
from tests.browser.conftest import browser, browser_available  # noqa: F401
from tests.browser.pdf_pages import DrawnPage, draw_pages
from tests.reports.conftest import run

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CODES = [item["code"] for item in LIBRARY]
COMMENTARY = {
    1: (
        "Die Fallzahlen liegen 2024 leicht über dem Vorjahr. In Drewer-Nord sind drei "
        "Familien mit mehreren Kindern zugezogen, die bereits Hilfen erhielten.\n\n"
        "Der Anstieg ist kein Hinweis auf eine Verschlechterung der Lage im Stadtteil."
    ),
    2: "Der Eckwert ist seit 2020 stabil; die Prävention im Stadtteil wirkt.",
}
#: pdf.js draws at 1,5 × 72 = 108 px per inch: an A4 landscape page is 1263 × 893 px
SCALE = 1.5


def report_pdf(code: str) -> tuple[Any, bytes]:
    """The report ``code`` on Marl's Stadtteile 2015–2024 and its PDF (the HZE report with the
    office's commentary)."""
    from saas.reports.document import Document
    from saas.reports.exports import render

    result = run(code, 2015, 2024, level="stadtteil")
    commentary = COMMENTARY if code == "entwicklung-hze" else {}
    return result, render(Document(result, commentary), "pdf")


@pytest.mark.browser
@pytest.mark.one_pass  # the artefacts are written once (tests/conftest.py)
@pytest.mark.parametrize("code", CODES)
def test_screenshots_of_the_report_pdfs(app: Flask, browser: Any, code: str) -> None:  # noqa: F811
    with app.test_request_context("/"):
        _, pdf = report_pdf(code)
    pages = draw_pages(browser, pdf, SCALE)
    # saved before the checks: a page drawn wrong is the one a reviewer needs to see
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"report-{code}-*.png"):
        old.unlink()
    (SCREENSHOTS / f"report-{code}.pdf").write_bytes(pdf)
    width = len(str(len(pages)))  # report-…-01.png sorts before report-…-10.png
    for page in pages:
        (SCREENSHOTS / f"report-{code}-{page.number:0{width}d}.png").write_bytes(page.png)
    boxes = page_boxes(pdf)
    assert len(pages) == len(boxes), f"pdf.js drew {len(pages)} pages, the PDF has {len(boxes)}"
    assert len(pages) >= 3  # title page, sections, notes
    problems = [problem for page in pages for problem in drawing_problems(page, boxes)]
    assert not problems, "\n".join(problems)


#: the share of a page's pixels that differ from its background, at least: the sparsest pages
#: have 1,4 % (the Jahresbericht's last) and 2,6 % (a title page); a page with only its footer
#: line has 0,17 %, a blank one 0
MIN_INKED = 0.005


def drawing_problems(page: DrawnPage, boxes: list[tuple[float, float]]) -> Iterator[str]:
    """What is wrong with a drawn page: not a PNG of the page's size and proportions (its
    MediaBox at :data:`SCALE`), blank or nearly so."""
    image = Image.open(io.BytesIO(page.png))
    if image.format != "PNG":
        yield f"page {page.number}: {image.format}, not PNG"
    width, height = boxes[page.number - 1]
    if (page.width, page.height) != pytest.approx((width, height), abs=0.01):
        yield (
            f"page {page.number}: pdf.js read a page of {page.width} × {page.height} pt, "
            f"the PDF says {width} × {height}"
        )
    if page.rotate % 180:
        width, height = height, width
    expected = (round(width * SCALE), round(height * SCALE))
    if image.size != expected:
        yield f"page {page.number}: {image.size[0]} × {image.size[1]} px, not {expected}"
    if abs(image.width / image.height - width / height) > 0.005:
        yield f"page {page.number}: proportions {image.width}:{image.height}, not the page's"
    rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=1)
    if colours is not None:
        yield f"page {page.number}: one colour only, {colours[0][1]}"
        return
    background = rgb.getpixel((0, 0))
    inked = sum(count for count, colour in rgb.getcolors(maxcolors=1 << 24) if colour != background)
    if inked < MIN_INKED * rgb.width * rgb.height:
        yield f"page {page.number}: nearly blank, {inked} of {rgb.width * rgb.height} px drawn"


def test_a_blank_or_misshapen_drawing_is_found() -> None:
    a4 = (841.8898, 595.2756)  # landscape, in points
    size = (round(a4[0] * SCALE), round(a4[1] * SCALE))

    def problems(image: Image.Image) -> str:
        png = io.BytesIO()
        image.save(png, "PNG")
        return "\n".join(drawing_problems(DrawnPage(1, *a4, 0, png.getvalue()), [a4]))

    assert "one colour only" in problems(Image.new("RGB", size, "white"))
    footer = Image.new("RGB", size, "white")
    footer.paste((80, 80, 80), (70, 850, 1190, 852))  # 0,2 % of the page, like a footer line
    assert "nearly blank" in problems(footer)
    drawn = Image.new("RGB", size, "white")
    drawn.paste((30, 30, 30), (70, 80, 900, 400))
    assert problems(drawn) == ""
    portrait = drawn.rotate(90, expand=True)
    assert "not (1263, 893)" in problems(portrait)
    assert "proportions 893:1263" in problems(portrait)


def page_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height in points of every page object of ``pdf``, in file order — read from
    the file itself, not through pdf.js. ReportLab writes each page as an uncompressed object
    with its own ``/MediaBox`` and in page order; a PDF written otherwise fails here."""
    boxes = []
    for page in re.split(rb"\bendobj\b", pdf):
        if not re.search(rb"/Type\s*/Page\b", page):  # \b: not /Pages, the page tree
            continue
        box = re.search(rb"/MediaBox \[ *([-\d.]+) +([-\d.]+) +([-\d.]+) +([-\d.]+) *\]", page)
        assert box, f"a page object without its own /MediaBox: {page[:200]!r}"
        x0, y0, x1, y1 = map(float, box.groups())
        boxes.append((x1 - x0, y1 - y0))
    return boxes


@pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="pdftotext (poppler-utils) is not installed: no layout checks of the report PDFs",
)
@pytest.mark.parametrize("code", CODES)
def test_no_page_of_the_report_pdfs_is_left_nearly_empty(
    app: Flask, tmp_path: Path, code: str
) -> None:
    with app.test_request_context("/"):
        result, pdf = report_pdf(code)
    source = tmp_path / f"report-{code}.pdf"
    source.write_bytes(pdf)
    assert page_count(source) == len(page_boxes(pdf))
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
    headings = {f"{i}. {section.title}" for i, section in enumerate(result.sections, start=1)}
    for page in range(2, page_count(pdf) + 1):  # the title page is short by design
        lines = page_lines(pdf, page)
        if len(lines) < MIN_LINES:
            yield f"page {page} has only {len(lines)} line(s): {lines}"
        if lines and lines[-1] in headings:
            yield f"page {page} ends with the heading {lines[-1]!r}"
        if lines and lines[0] == "Zeichenerklärung":
            yield f"page {page} begins with the legend of the flags, alone: {lines}"


def page_count(pdf: Path) -> int:
    """The number of pages pdfinfo (poppler) reads."""
    info = subprocess.run(  # noqa: S603 # nosec B603 # fixed arguments, our own file
        ["pdfinfo", str(pdf)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    found = re.search(r"Pages:\s+(\d+)", info)
    assert found, info
    return int(found.group(1))
