"""BITV 2.0 / WCAG 2.1 AA of the report pages in headless Chromium (axe-core, no violations)."""

from __future__ import annotations

from pathlib import Path
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
    # publish the last one with a commentary and look at the snapshot, then copy it into a
    # local variant
    browser.find_element(By.XPATH, "//form[contains(@action, '/run/publish')]//button").click()
    wait_for_url(r"/run/publish\?")
    failures += check_pages(browser, live_server, [browser.current_url.removeprefix(live_server)])
    browser.find_element(By.ID, "comment-0").send_keys("Mehr Familien sind zugezogen.")
    shots = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shots / "report-publish-with-commentary.png"))
    browser.find_element(By.XPATH, "//button[@form='publish-form']").click()
    wait_for_url(r"/published/")
    assert "Mehr Familien sind zugezogen." in browser.page_source
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


#: every chart's text as Chromium lays it out: the boxes on screen, and the chart's box
CHART_TEXT = """
return [...document.querySelectorAll('svg.chart')].map(svg => {
  const frame = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].filter(t => !t.hasAttribute('transform'));
  return {frame: [frame.left, frame.top, frame.right, frame.bottom],
          texts: texts.map(t => { const r = t.getBoundingClientRect();
                                  return [t.textContent, r.left, r.top, r.right, r.bottom]; })};
});
"""


def test_chart_labels_do_not_touch_in_chromium(live_server: str, browser: Any) -> None:  # noqa: F811
    """The layout's width estimate against a real browser: no two labels of a chart overlap
    and none leaves the chart, at 1280 px (screenshots for the reviewers in build/)."""
    shots = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    login(browser, live_server, "coordinator@marl.example")
    for code in ("entwicklung-hze", "kosten-der-hilfen", "jahresbericht-sozialraumarbeit"):
        browser.set_window_size(1280, 1000)
        browser.get(f"{live_server}/marl/reports/run?template={shared(code).id}&from=2015&to=2024")
        charts = browser.execute_script(CHART_TEXT)
        assert charts, code
        for chart in charts:
            left, top, right, bottom = chart["frame"]
            boxes = chart["texts"]
            for name, x0, y0, x1, y1 in boxes:
                assert left - 0.5 <= x0 and x1 <= right + 0.5, (code, name)
                assert top - 0.5 <= y0 and y1 <= bottom + 0.5, (code, name)
            clashes = [
                (a[0], b[0])
                for i, a in enumerate(boxes)
                for b in boxes[i + 1 :]
                # glyph boxes include the line gap: overlapping by more than 2 px is a clash
                if min(a[3], b[3]) - max(a[1], b[1]) > 2 and min(a[4], b[4]) - max(a[2], b[2]) > 2
            ]
            assert not clashes, (code, clashes[:5])
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(1280, min(height, 8000))
        browser.save_screenshot(str(shots / f"report-page-{code}-1280.png"))
