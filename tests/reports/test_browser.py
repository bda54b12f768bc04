"""BITV 2.0 / WCAG 2.1 AA of the report pages in headless Chromium (axe-core, no violations)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import browser, browser_available, live_server, login  # noqa: F401
from tests.browser.test_accessibility import assert_no_violations, check_pages
from tests.reports.conftest import shared

pytestmark = pytest.mark.browser


def test_report_pages(live_server: str, browser: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    def wait_for_url(pattern: str) -> None:
        """The click submits a form: wait for the page it leads to, not just the click."""
        WebDriverWait(browser, 15).until(expected_conditions.url_matches(pattern))

    login(browser, live_server, "coordinator@marl.example")
    ids = [
        shared(code).id
        for code in (
            "jahresbericht-sozialraumarbeit",
            "entwicklung-hze",
            "kosten-der-hilfen",
            "sozialraumprofil",
        )
    ]
    paths = ["/marl/reports/", "/marl/reports/run"] + [
        f"/marl/reports/run?template={i}&from=2015&to=2024" for i in ids
    ]
    failures = check_pages(browser, live_server, paths)
    # publish the last one and look at the snapshot, then copy it into a local variant
    browser.find_element(By.XPATH, "//form[contains(@action, '/run/publish')]//button").click()
    wait_for_url(r"/published/")
    failures += check_pages(browser, live_server, [browser.current_url.removeprefix(live_server)])
    browser.get(f"{live_server}/marl/reports/run?template={ids[0]}")
    browser.find_element(By.XPATH, "//form[contains(@action, '/copy')]//button").click()
    wait_for_url(r"/templates/\d+/edit$")
    failures += check_pages(browser, live_server, [browser.current_url.removeprefix(live_server)])
    assert_no_violations(failures)


def test_platform_report_template_pages(live_server: str, browser: Any) -> None:  # noqa: F811
    login(browser, live_server, "platform@sozialraum.example", slug="platform")
    template = shared("entwicklung-hze")
    assert_no_violations(
        check_pages(
            browser,
            live_server,
            [
                "/platform/report-templates/",
                f"/platform/report-templates/{template.id}",
                f"/platform/report-templates/{template.id}/new-version",
                "/platform/report-templates/new",
            ],
        )
    )
