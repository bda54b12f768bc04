"""Browser fixtures: the app under test served on a real port, a headless Chromium, axe-core.

The tests need the system's Chromium and ChromeDriver (Debian: ``apt-get install chromium
chromium-driver``; elsewhere set ``SAAS_CHROMIUM`` and ``SAAS_CHROMEDRIVER``). Without them
they are skipped with the reason shown in the summary. Both paths are passed explicitly, so
Selenium Manager never runs and nothing downloads a browser.

The app is the ``app`` fixture's object (a fresh SQLite copy with the demo tenants), served by a
single-threaded werkzeug server in a background thread. Every request the browser makes gets
its own app context in that thread, as in production; the test body keeps running in the twin
app context of ``tests/conftest.py`` and may read the database directly.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import DEMO_PASSWORD

#: the system's browser and driver (Debian paths); other systems may point elsewhere
CHROMIUM = Path(os.environ.get("SAAS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SAAS_CHROMEDRIVER", "/usr/bin/chromedriver"))
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
#: screenshots and page sources of failed browser tests (CI keeps build/ as artefacts)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--lang=de-DE",
    "--window-size=1280,900",
]
WAIT_SECONDS = 10


def _missing_browser() -> str | None:
    missing = [
        str(path)
        for path in (CHROMIUM, CHROMEDRIVER)
        if not (path.is_file() and os.access(path, os.X_OK))
    ]
    if missing:
        return (
            f"browser tests need Chromium and ChromeDriver; not installed: {', '.join(missing)} "
            "(Debian: apt-get install chromium chromium-driver)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "browser tests need the selenium package (pip install selenium)"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = _missing_browser()
    if reason:
        pytest.skip(reason)


class _QuietHandler(WSGIRequestHandler):
    """Request log off; an idle connection (a browser preconnect) cannot block the only thread."""

    timeout = 5

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture
def live_server(browser_available: None, app: Flask) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` serving ``app`` from one background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def browser(browser_available: None, tmp_path: Path) -> Iterator[Any]:
    """A fresh headless Chromium with its own profile directory."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "de-DE,de"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed (or expectedly failing) browser test leaves what the browser showed last:
    ``build/screenshots/<test>.png`` and the page source as ``<test>.html``."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    failed = report.failed or hasattr(report, "wasxfail")
    driver = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not failed or driver is None:
        return
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.removeprefix("tests/browser/"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        url = driver.current_url
        driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
        (SCREENSHOTS / f"{name}.html").write_text(driver.page_source, encoding="utf-8")
    except Exception as error:  # the browser itself may be what failed
        report.sections.append(("browser", f"no screenshot: {error}"))
    else:
        report.sections.append(("browser", f"{url}: see {SCREENSHOTS}/{name}.png and .html"))


def login(driver: Any, base: str, email: str, slug: str = "marl") -> None:
    """Sign in through the real login form: type e-mail and password, press the button."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/{slug}/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, WAIT_SECONDS).until(EC.url_changes(f"{base}/{slug}/login"))
    assert "/login" not in driver.current_url, f"login as {email} failed: {driver.current_url}"


def page_left(old: Any) -> Any:
    """A wait condition: the browser has left the page ``old`` (its ``<html>`` or any element)
    belonged to. Selenium's ``staleness_of`` lets through chromedriver's "Node with given id
    does not belong to the document", which it raises for a node of a page being torn down
    (CI failed on it once); that answer means the page is gone, too."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def left(_driver: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in (error.msg or ""):
                return True
            raise
        return False

    return left


def follow(driver: Any, element: Any, timeout: float = WAIT_SECONDS) -> None:
    """Click a link or submit button and wait for the next page: a click may return before
    the browser has left the old one (CI once read the old page's elements after a submit)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, timeout).until(page_left(old))


_AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})
  .then(result => done({violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }))}))
  .catch(error => done({error: String(error && error.stack || error)}));
"""


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(_AXE_RUN, WCAG_TAGS)
    assert "error" not in result, f"axe failed on {driver.current_url}: {result['error']}"
    return result["violations"]


def describe(url: str, violations: list[dict[str, Any]], targets: int = 3) -> str:
    lines = [f"{url}: {len(violations)} violation(s)"]
    for v in violations:
        lines.append(f"  - {v['id']} [{v['impact']}] {v['help']} ({len(v['nodes'])} node(s))")
        for node in v["nodes"][:targets]:
            lines.append(f"      {' '.join(map(str, node['target']))}")
        lines.append(f"      {v['helpUrl']}")
    return "\n".join(lines)


def edited_export(
    marl: Any, tmp_path: Path, *, area: str | None = None, new_month: str | None = None
) -> Path:
    """An edited export for the import preview, after the test stored A1's HZE_RUN of
    January (5) and February (6) 2023: the export of HZE_RUN since 2023 (of ``area`` only,
    else of every area); January is then changed in the system to 7, so the file's old 5 is
    a conflict; the file changes February 6 → 8 and, with ``new_month``, adds that month of
    the last row with the value 9 (a new value)."""
    import csv
    import io

    from saas.core.tenancy import tenant_scope
    from saas.figures.exporter import Selection, export_figures
    from tests.figures.conftest import area_id
    from tests.figures.test_preview import change_in_system

    with tenant_scope(marl):
        only: dict[str, Any] = {"area_ids": frozenset({area_id(area)})} if area else {}
        selection = Selection(metric_codes=frozenset({"HZE_RUN"}), period_from="2023", **only)
        content = export_figures("csv", selection)
    change_in_system(marl, "A1", "HZE_RUN", "2023-01", 7)
    rows = list(csv.reader(io.StringIO(content.decode())))
    for row in rows[1:]:
        if row[4] == "2023-02":
            row[5] = "8"
    if new_month:
        added = [*rows[-1]]
        added[4], added[5] = new_month, "9"
        rows.append(added)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "kennzahlen-bearbeitet.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path
