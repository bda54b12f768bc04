"""At 360 px in a real Chromium: the compact menu works without JavaScript, tables become cards,
and no main page scrolls sideways (``scrollWidth <= innerWidth``), for each demo role.

Every page is also photographed at 360 and 1280 px into ``build/screenshots/`` (CI keeps them
as artefacts; reviewers look at them). The favicon is found: the browser logs no 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import login
from tests.conftest import app_with_marl_data

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
NARROW, WIDE = 360, 1280
#: pages beyond the menu: the forms and lists of a month's work
EXTRA_PAGES = (
    "/marl/activities/new",
    "/marl/activities/months",
    "/marl/figures/periods",
)
#: detail pages reached through the first link of a list: (list, CSS selector of the link)
DETAIL_LINKS = (
    ("/marl/reports/", "main a[href*='/reports/run?']"),
    ("/marl/impact/", "main table a[href*='/impact/']"),
    ("/marl/comparison/", "main a[href^='/marl/comparison/'][href$='0'], main table a"),
    ("/marl/activities/", "main table a"),
)

_WIDTHS = """return {scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
  wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
    > window.innerWidth + 1).slice(0, 3).map(e => e.tagName + '.' + e.className)}"""


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    yield from app_with_marl_data(request, tmp_path)


def _shot(driver: Any, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.scrollingElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 4000))
    driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
    driver.set_window_size(width, 900)


def _name(role: str, path: str) -> str:
    return f"{role}-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "start")


def _menu_links(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        link.get_attribute("href")
        for link in driver.find_elements(By.CSS_SELECTOR, ".nav-compact .main-nav ul a")
    ]


@pytest.mark.parametrize("role", ["admin", "coordinator", "staff", "viewer"])
def test_main_pages_fit_360_px(live_server: str, browser: Any, role: str) -> None:
    from selenium.webdriver.common.by import By

    login(browser, live_server, f"{role}@marl.example")
    browser.set_window_size(NARROW, 900)
    pages = [link.removeprefix(live_server) for link in _menu_links(browser)]
    pages += [p for p in EXTRA_PAGES if p not in pages]
    for listing, selector in DETAIL_LINKS:
        browser.get(live_server + listing)
        links = browser.find_elements(By.CSS_SELECTOR, selector)
        if links:
            pages.append(links[0].get_attribute("href").removeprefix(live_server))
    assert len(pages) >= 5, pages
    too_wide = []
    for path in pages:
        browser.get(live_server + path)
        if "/login" in browser.current_url or not browser.find_elements(By.CSS_SELECTOR, "h1"):
            continue  # a page this role may not open
        widths = browser.execute_script(_WIDTHS)
        if widths["scroll"] > widths["inner"]:
            too_wide.append(f"{path}: {widths}")
        _shot(browser, _name(role, path), NARROW)
        _shot(browser, _name(role, path), WIDE)
        browser.set_window_size(NARROW, 900)
    assert not too_wide, "pages wider than 360 px:\n" + "\n".join(too_wide)


def test_compact_menu_opens_without_javascript(live_server: str, browser: Any) -> None:
    """At 360 px the menu is one line ("Menü") until opened; the full list is not displayed;
    from 1280 px the full list is shown and the disclosure is not."""
    from selenium.webdriver.common.by import By

    login(browser, live_server, "coordinator@marl.example")
    browser.set_window_size(NARROW, 800)
    summary = browser.find_element(By.CSS_SELECTOR, ".nav-compact summary")
    wide = browser.find_element(By.CSS_SELECTOR, ".nav-wide")
    assert summary.is_displayed() and not wide.is_displayed()
    header = browser.find_element(By.CSS_SELECTOR, ".site-header").size["height"]
    assert header < 800 * 0.2, f"the header takes {header} px of an 800 px screen"
    first = browser.find_element(By.CSS_SELECTOR, ".nav-compact .main-nav a")
    assert not first.is_displayed()
    summary.click()  # the browser's own <details> behaviour, no script of ours
    assert first.is_displayed()
    _shot(browser, "coordinator-menu-open", NARROW)
    browser.set_window_size(WIDE, 800)
    assert wide.is_displayed() and not summary.is_displayed()


def test_tables_become_cards_at_360_px(live_server: str, browser: Any) -> None:
    """The activity log's rows are cards: each cell shows its column's name."""
    from selenium.webdriver.common.by import By

    login(browser, live_server, "staff@marl.example")
    browser.set_window_size(NARROW, 800)
    browser.get(live_server + "/marl/activities/")
    cell = browser.find_element(By.CSS_SELECTOR, "main table.cards tbody td")
    label = browser.execute_script(
        "return getComputedStyle(arguments[0], '::before').content", cell
    )
    assert label.strip('"') == cell.get_attribute("data-label") == "Datum"
    assert browser.find_element(By.CSS_SELECTOR, "main table.cards thead").size["height"] <= 1


def test_favicon_is_found(live_server: str, browser: Any) -> None:
    """Regression: every page logged a 404 for the missing favicon."""
    browser.get(live_server + "/marl/login")
    status = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch(document.querySelector('link[rel=icon]').href).then(r => done(r.status))"
    )
    assert status == 200
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
