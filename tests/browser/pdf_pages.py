"""A PDF's pages as a browser draws them: Mozilla's pdf.js (``vendor/``, see its README) renders
every page into a ``<canvas>`` of its own on ``pdf_pages.html``, and :func:`draw_pages` hands
back each canvas as PNG.

The page, pdf.js and the PDF are served from a temporary directory by a ``http.server`` of their
own on 127.0.0.1, not by the app under test: the app's Content-Security-Policy (``default-src
'self'``, no inline scripts) rightly blocks the page's inline module, and the app has no business
serving test files.
"""

from __future__ import annotations

import base64
import functools
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
VENDOR = HERE / "vendor"
PDFJS_FILES = ("pdf.min.mjs", "pdf.worker.min.mjs")
PAGE = HERE / "pdf_pages.html"
#: how long pdf.js may take for a whole document (a report of twelve pages takes about 2 s)
DRAW_SECONDS = 60


@dataclass(frozen=True)
class DrawnPage:
    """One page as pdf.js drew it: its number, its box in PDF points, the canvas as PNG."""

    number: int
    width: float
    height: float
    rotate: int
    png: bytes


class _Handler(SimpleHTTPRequestHandler):
    """Static files, no request log; ``.mjs`` as JavaScript (module scripts require it)."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript"}

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_pdf(pdf: bytes) -> Iterator[str]:
    """``http://127.0.0.1:<port>/pdf_pages.html?pdf=document.pdf``: pdf.js, the page and
    ``pdf`` in a temporary directory, served from a background thread."""
    with tempfile.TemporaryDirectory(prefix="pdf-pages-") as directory:
        root = Path(directory)
        for name in PDFJS_FILES:
            shutil.copyfile(VENDOR / name, root / name)
        shutil.copyfile(PAGE, root / PAGE.name)
        (root / "document.pdf").write_bytes(pdf)
        handler = functools.partial(_Handler, directory=str(root))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="pdf-pages", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/{PAGE.name}?pdf=document.pdf"
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


_CANVASES = """
return Array.from(document.querySelectorAll('canvas[data-page]'),
                  canvas => [Number(canvas.dataset.page), canvas.toDataURL('image/png')]);
"""


def draw_pages(driver: Any, pdf: bytes, scale: float) -> list[DrawnPage]:
    """Every page of ``pdf`` drawn by pdf.js in ``driver`` at ``scale`` (1 = 72 px per inch),
    in page order. Fails with pdf.js's error, or with the browser's console on a timeout."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    with serve_pdf(pdf) as url:
        driver.get(f"{url}&scale={scale}")
        try:
            WebDriverWait(driver, DRAW_SECONDS).until(
                lambda d: (
                    d.execute_script("return document.documentElement.dataset.state") != "loading"
                )
            )
        except TimeoutException:
            console = [entry["message"] for entry in driver.get_log("browser")]
            raise AssertionError(
                f"pdf.js did not finish in {DRAW_SECONDS} s; console: {console}"
            ) from None
        result = driver.execute_script("return window.pdfPages")
        assert "error" not in result, f"pdf.js failed: {result['error']}"
        complaints = [
            entry["message"]
            for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" or "Warning:" in entry["message"]
        ]
        assert not complaints, f"pdf.js or the browser complained: {complaints}"
        canvases = dict(driver.execute_script(_CANVASES))
    prefix = "data:image/png;base64,"
    pages = []
    for page in result["pages"]:
        data = canvases[page["number"]]
        assert data.startswith(prefix), f"page {page['number']}: not a PNG: {data[:40]!r}"
        png = base64.b64decode(data.removeprefix(prefix))
        pages.append(DrawnPage(page["number"], page["width"], page["height"], page["rotate"], png))
    assert len(pages) == result["numPages"], result
    return pages
