"""The token pages in a real headless Chromium: axe-core (WCAG 2.1 AA) on the list, the form
with an error and the page that shows a new token once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import conftest as browsers
from tests.browser.conftest import axe_violations, describe, login
from tests.browser.test_accessibility import assert_no_violations, check_pages
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PAGE = "/marl/account/api-tokens/"

# the browser's fixtures (tests/browser/conftest.py)
browser_available = browsers.browser_available
live_server = browsers.live_server
browser = browsers.browser


def _submit(browser: Any, name: str, days: str) -> list[str]:
    from selenium.webdriver.common.by import By

    browser.get(browser.current_url.split("/marl/")[0] + PAGE)
    for field, value in (("name", name), ("days", days), ("password", DEMO_PASSWORD)):
        element = browser.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "main form.form button[type=submit]").click()
    violations = axe_violations(browser)
    return [describe(browser.current_url, violations)] if violations else []


def test_the_token_pages_have_no_wcag_violations(live_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    login(browser, live_server, "viewer@marl.example")
    failures = check_pages(browser, live_server, ["/account/", PAGE])
    failures += _submit(browser, "", "30")  # the form with its error messages
    assert browser.find_elements(By.CSS_SELECTOR, "p.error")
    failures += _submit(browser, "Auswertung", "30")  # the new token, shown once
    assert browser.find_element(By.ID, "new-token").text.startswith("sr_")
    assert_no_violations(failures)
