"""At 360 px nothing scrolls sideways: neither the page nor a table or chart inside it.

For each demo role the main lists (the menu's pages: offices, offerings, activities, areas,
members …), the impact pages (all offices, one office with its charts and tables), the ring
comparison and the detail pages they lead to are opened at 360 px. A page fails when the
document scrolls horizontally, when a table is wider than the screen or scrolls inside its
box (instead of reflowing into labelled cards, ``table.cards`` with ``data-label``), when a
card's cell lacks its label or its label runs into the value or the next line, or when a
chart scrolls or its labels shrink below 10.5 px (the phone layout, ``charts.NARROW_WIDTH``).
The import preview (new, changed and conflicting rows of an edited export) and the row
report of a
rejected file are checked the same way.

Every page is photographed whole at 360 and 1280 px (``reflow-<role>-<page>-<width>.png`` in
``build/screenshots``; beyond the window through the DevTools protocol, as a page of cards at
360 px is far taller than any window).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import WAIT_SECONDS, edited_export, follow, login
from tests.browser.test_mobile import NARROW, SCREENSHOTS, WIDE, _menu_links, _name
from tests.conftest import app_with_marl_data
from tests.figures import conftest as figures

marl, store = figures.marl, figures.store  # the figures' fixtures (areas A1, A2, B-3 of Marl)

pytestmark = pytest.mark.browser

#: detail pages reached through the first link of a page: (page, CSS selector of the link)
DETAIL_LINKS = (
    ("/marl/impact/", "main table tr:has(td.num) a[href*='/impact/']"),  # an office with a result
    ("/marl/comparison/", "main table a[href*='/comparison/']"),
    ("/marl/offices/", "main table tbody a"),
    ("/marl/offerings/", "main table tbody a"),
    ("/marl/areas/", "main table tbody a"),
    ("/marl/activities/", "main table tbody a"),
    ("/marl/figures/", "main a[href*='/figures/grid/']"),
)
#: pages beyond the menu that every role able to open them should see fit
EXTRA_PAGES = ("/marl/members/", "/marl/impact/", "/marl/comparison/")

#: what scrolls sideways at the current width: the page, each displayed table of <main>
#: (its box, the boxes around it up to <main>, whether it is shown as cards, its cells
#: without a label) and each displayed chart (label size in px, scrolling box, right edge)
_REFLOW = """
const main = document.querySelector('main');
const inner = document.documentElement.clientWidth;
const shown = e => e.getClientRects().length > 0;
const scrolls = e => { for (let b = e; b && b !== main.parentElement; b = b.parentElement)
  if (b.scrollWidth > b.clientWidth + 1 && getComputedStyle(b).overflowX !== 'visible')
    return b.tagName + '.' + b.className; return null; };
const name = t => (t.caption && t.caption.textContent.trim()) || t.getAttribute('aria-label')
  || t.getAttribute('data-table') || t.className || 'table';
const probe = document.createElement('div');  // a label beside its value, laid out alone
probe.style.cssText = 'position: absolute; visibility: hidden; left: 0; top: 0';
main.append(probe);
const overlaps = c => {  // a label beside its value: a word wider than its column runs into
  const before = getComputedStyle(c, '::before');  // the value; placed absolutely and taller
  if (before.position !== 'absolute' && before.float === 'none') return false;  // than its
  for (const p of ['width', 'fontSize', 'fontWeight', 'fontFamily', 'lineHeight', 'hyphens',
                   'overflowWrap', 'wordBreak']) probe.style[p] = before[p];  // cell, the next
  probe.textContent = c.getAttribute('data-label');
  return probe.scrollWidth > probe.clientWidth + 1 || (before.position === 'absolute'
    && probe.getBoundingClientRect().height > c.getBoundingClientRect().height + 1);
};
const tables = [...main.querySelectorAll('table')].filter(shown).map(t => {
  const head = t.tHead ? t.tHead.getBoundingClientRect().height : 0;
  const cards = t.classList.contains('cards') && getComputedStyle(t).display === 'block'
                && head <= 1;
  const cells = [...t.querySelectorAll(':scope > tbody > tr > :is(td, th)')].filter(shown);
  const unlabelled = cells.filter(c => !c.hasAttribute('data-label') && c.colSpan < 2
                                       && c.textContent.trim() !== '');
  const missing = cells.filter(c => c.hasAttribute('data-label') && getComputedStyle(c,
    '::before').content !== JSON.stringify(c.getAttribute('data-label')));
  const overlapping = cards ? cells.filter(c => c.hasAttribute('data-label') && overlaps(c)) : [];
  return {name: name(t).slice(0, 60), cards: cards, right: t.getBoundingClientRect().right,
          scrolls: scrolls(t), unlabelled: unlabelled.length, missing: missing.length,
          overlapping: overlapping.slice(0, 3).map(c => c.getAttribute('data-label'))};
});
probe.remove();
const charts = [...main.querySelectorAll('svg.chart')].filter(shown).map(svg => {
  const box = svg.getBoundingClientRect();
  return {title: (svg.querySelector('title') || {}).textContent,
          label: 12 * box.width / svg.viewBox.baseVal.width, right: box.right,
          scrolls: scrolls(svg.parentElement)};
});
return {scroll: document.scrollingElement.scrollWidth, inner: inner, tables: tables,
        charts: charts};
"""


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    yield from app_with_marl_data(request, tmp_path)


def problems(path: str, layout: dict[str, Any], narrow: bool) -> list[str]:
    """What is wrong with the layout of ``path`` (empty when it fits)."""
    found = []
    if layout["scroll"] > layout["inner"]:
        found.append(f"{path}: the page scrolls sideways ({layout['scroll']} > {layout['inner']})")
    for t in layout["tables"]:
        if t["right"] > layout["inner"] + 1 or t["scrolls"]:
            how = "as cards" if t["cards"] else "not reflowed"
            found.append(f"{path}: table {t['name']!r} wider than the screen, {how}: {t}")
        if narrow and t["cards"] and (t["unlabelled"] or t["missing"]):
            found.append(f"{path}: table {t['name']!r} has cards without labels: {t}")
        if narrow and t["overlapping"]:
            found.append(f"{path}: table {t['name']!r}: labels run into their neighbours: {t}")
    for c in layout["charts"]:
        if c["label"] < 10.5 or c["scrolls"] or c["right"] > layout["inner"] + 1:
            found.append(f"{path}: chart {c['title']!r} not readable at this width: {c}")
    return found


def full_shot(driver: Any, name: str, width: int) -> None:
    """``build/screenshots/<name>-<width>.png``: the whole page at the window's width."""
    import base64

    height = driver.execute_script("return document.scrollingElement.scrollHeight")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 16000), "scale": 1},
        },
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}-{width}.png").write_bytes(base64.b64decode(shot["data"]))


def check_both_widths(driver: Any, path: str, name: str) -> list[str]:
    """Photograph the current page at 360 and 1280 px; the problems seen at either width."""
    found = []
    for width in (NARROW, WIDE):
        driver.set_window_size(width, 900)
        found += problems(f"{path} @{width}", driver.execute_script(_REFLOW), width == NARROW)
        full_shot(driver, f"reflow-{name}", width)
    driver.set_window_size(NARROW, 900)
    return found


@pytest.mark.one_pass  # a crawl per role (tests/conftest.py)
@pytest.mark.parametrize("role", ["admin", "coordinator", "staff", "viewer"])
def test_lists_impact_and_comparison_reflow_at_360_px(
    live_server: str, browser: Any, role: str
) -> None:
    from selenium.webdriver.common.by import By

    from saas.comparison.services import refresh_all
    from saas.core.db import db

    refresh_all()  # Marl's approved whole years published: the ring page has its tables
    db.session.commit()
    browser.set_page_load_timeout(120)  # the machine may be busy: the impact pages compute
    login(browser, live_server, f"{role}@marl.example")
    browser.set_window_size(NARROW, 900)
    pages = [link.removeprefix(live_server) for link in _menu_links(browser)]
    pages += [p for p in EXTRA_PAGES if p not in pages]
    for listing, selector in DETAIL_LINKS:
        browser.get(live_server + listing)
        links = browser.find_elements(By.CSS_SELECTOR, selector)
        if links:
            href = links[0].get_attribute("href").removeprefix(live_server)
            if href not in pages:
                pages.append(href)
    seen, found = [], []
    for path in pages:
        browser.get(live_server + path)
        if "/login" in browser.current_url or not browser.find_elements(By.CSS_SELECTOR, "h1"):
            continue  # a page this role may not open
        if browser.find_element(By.TAG_NAME, "h1").text.strip() == "Zugriff verweigert":
            continue  # the same: refused (403)
        seen.append(path)
        found += check_both_widths(browser, path, _name(role, path))
    if role in ("admin", "coordinator"):  # an office's impact (reports.run) and a ring's page
        assert any(re.match(r"/marl/impact/\d", p) for p in seen), seen
        assert any(re.match(r"/marl/comparison/\d", p) for p in seen), seen
    assert len(seen) >= 5, seen
    assert not found, f"{role}: pages that do not fit 360 px:\n" + "\n".join(found)


def _upload(driver: Any, base: str, path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/marl/figures/import")
    driver.find_element(By.ID, "file").send_keys(str(path))
    follow(
        driver,
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"),
        WAIT_SECONDS * 6,
    )
    WebDriverWait(driver, WAIT_SECONDS * 6).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "main h1"))
    )


def test_import_preview_reflows_at_360_px(
    live_server: str, browser: Any, marl: Any, store: Any, tmp_path: Path
) -> None:
    """An edited export with a changed, a new and a conflicting row: the preview's tables
    become cards at 360 px (and stay tables at 1280 px); so does the row report of a file
    that is refused."""
    from selenium.webdriver.common.by import By

    store(("A1", "HZE_RUN", "2023-01", 5), ("A1", "HZE_RUN", "2023-02", 6))
    edited = edited_export(marl, tmp_path, area="A1", new_month="2023-03")
    broken = tmp_path / "kennzahlen-fehler.csv"
    broken.write_text(
        "area_code,metric_code,period,value\n"
        "A1,HZE_RUN,2023-13,5\nXX,HZE_RUN,2023-01,-4\nA2,UNBEKANNT,2023-01,zwölf\n",
        encoding="utf-8",
    )

    browser.set_page_load_timeout(120)
    login(browser, live_server, "coordinator@marl.example")
    browser.set_window_size(NARROW, 900)
    _upload(browser, live_server, edited)
    assert browser.find_elements(By.ID, "conflicts"), browser.current_url
    tables = browser.find_elements(By.CSS_SELECTOR, "main table")
    assert len(tables) >= 3, "conflicts, changed and new values"
    found = check_both_widths(browser, "import preview", "coordinator-import-preview")
    layout = browser.execute_script(_REFLOW)
    assert all(t["cards"] for t in layout["tables"]), layout["tables"]

    _upload(browser, live_server, broken)
    assert "nothing was changed" in browser.page_source or "nichts" in browser.page_source
    found += check_both_widths(browser, "refused import", "coordinator-import-errors")
    layout = browser.execute_script(_REFLOW)
    assert layout["tables"] and all(t["cards"] for t in layout["tables"]), layout["tables"]
    assert not found, "\n".join(found)
