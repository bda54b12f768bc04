"""The import preview with a conflict in a real browser (issue 12 §4): upload an edited export,
see the preview with the conflict flagged, decide, "Übernehmen", see the summary in names.

Screenshots go to ``SAAS_SCREENSHOT_DIR`` (CI artefacts), else to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import WAIT_SECONDS, axe_violations, describe, edited_export, login
from tests.figures import conftest as figures
from tests.figures.conftest import stored
from tests.jobs import conftest as jobs

pytestmark = pytest.mark.browser

marl, store = figures.marl, figures.store  # the figures' fixtures
jobs_on = jobs.jobs_on  # jobs switched on, on the Redis of REDIS_URL


def screenshot(driver: Any, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("SAAS_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(900, min(int(height) + 40, 4000)))
    driver.save_screenshot(str(path))
    return path


def test_import_preview_with_a_conflict(live_server: str, browser: Any, marl, store, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_RUN", "2023-02", 6))
    path = edited_export(marl, tmp_path)
    login(browser, live_server, "coordinator@marl.example")

    browser.get(f"{live_server}/marl/figures/import")
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(EC.presence_of_element_located((By.ID, "conflicts")))
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Es wurde noch nichts geschrieben." in page
    assert "1 geänderter Wert" in page and "1 Konflikt" in page
    conflict = browser.find_element(By.CSS_SELECTOR, "tr.conflicting").text
    assert "Gebiet A1 (A1)" in conflict and "Januar 2023" in conflict
    assert "7" in conflict and "5" in conflict
    shot = screenshot(browser, tmp_path, "import-preview-conflict")
    assert shot.stat().st_size > 10_000
    violations = axe_violations(browser)
    assert not violations, describe(browser.current_url, violations)

    # "Übernehmen" without a decision is refused, nothing written
    browser.find_element(By.XPATH, "//button[normalize-space()='Übernehmen']").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Bitte entscheiden Sie")
    )
    assert stored(marl)[("A1", "HZE_RUN", "2023-02")] == 6

    browser.find_element(By.CSS_SELECTOR, "tr.conflicting input[value=keep]").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Übernehmen']").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Import abgeschlossen.")
    )
    summary = browser.find_element(By.TAG_NAME, "main").text
    assert "1 Wert wie im System belassen" in summary
    assert "Februar 2023" in summary and "Update(" not in summary
    screenshot(browser, tmp_path, "import-summary")
    assert stored(marl) == {("A1", "HZE_RUN", "2023-01"): 7, ("A1", "HZE_RUN", "2023-02"): 8}


def test_job_page_moves_on_by_script(live_server: str, browser: Any, marl, jobs_on, tmp_path):
    """A large file goes to a job; the page's script (allowed by the CSP: our own origin)
    follows its progress and opens the preview when the worker is done — the refresh inside
    ``<noscript>`` does not run in a browser with JavaScript."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.jobs.conftest import run_worker
    from tests.jobs.test_worker import big_csv

    path = tmp_path / "gross.csv"
    path.write_bytes(big_csv())
    login(browser, live_server, "coordinator@marl.example")
    browser.get(f"{live_server}/marl/figures/import")
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: "/marl/jobs/" in d.current_url)
    assert browser.find_element(By.CSS_SELECTOR, "progress.job-bar").is_displayed()
    assert "gross.csv wird geprüft" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, tmp_path, "job-progress")
    assert run_worker()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: "/marl/figures/import/" in d.current_url)
    assert "1.080 neue Werte" in browser.find_element(By.TAG_NAME, "main").text
