"""axe-core over every page of the app, signed out and signed in as every demo role of Marl.

The pages come from the url map (``tests/browser/pages.py``): every GET route, its parameters
filled with real demo objects, except the routes skipped there with their reason. One
browser runs all sessions one after another (signed out, platform admin, admin, coordinator,
staff, viewer); in each it opens every page. A page the role may not open (403, or the
sign-in page it is sent to) is recorded as such; every other page must have a heading and no
violation of the WCAG 2.0/2.1 A and AA rules, and every SVG chart a table with its data
right after it. The list of pages per session and the result
go to ``build/accessibility.txt``, which CI keeps as an artefact.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import axe_violations, describe, login
from tests.browser.pages import (
    SESSIONS,
    SKIPPED,
    Page,
    Prepared,
    prepare,
    resolve_pages,
    unresolved,
)
from tests.browser.test_accessibility import OVERFLOW
from tests.conftest import app_with_marl_data, backend

REPORT = Path(__file__).resolve().parents[2] / "build" / "accessibility.txt"


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The demo tenants with Marl's ten years of figures and activities (charts have data)."""
    yield from app_with_marl_data(request, tmp_path)


@pytest.fixture
def prepared(app: Flask) -> Prepared:
    return prepare(app)


def test_every_get_route_is_checked_or_explicitly_skipped(app: Flask, prepared: Prepared) -> None:
    """A new page anywhere in the app is checked by the axe test below, or skipped on purpose."""
    problems = list(unresolved(app, prepared))
    assert not problems, (
        "GET routes the accessibility test cannot open; give their URL parameters a value in "
        "tests/browser/pages.py (value_of) or list them in SKIPPED with the reason:\n  "
        + "\n  ".join(problems)
    )


def test_parameters_of_pages_to_come_are_filled_too(app: Flask, prepared: Prepared) -> None:
    """Names new pages are likely to use (the public directory's) resolve to Marl's objects."""
    from werkzeug.routing import Map, Rule

    from saas.core.tenancy import tenant_scope
    from tests.browser.pages import SLUG, value_of
    from tests.conftest import tenant

    path = "/<tenant_slug>/o/<int:offering_id>/<int:carrier_id>/<int:activity_id>"
    rule = Rule(path, endpoint="public.example")
    Map([rule])  # binding parses the parameters
    with tenant_scope(tenant(SLUG)):
        values = {name: value_of(app, rule, name, prepared) for name in sorted(rule.arguments)}
    assert values["tenant_slug"] == SLUG
    assert all(isinstance(values[n], int) for n in ("offering_id", "carrier_id", "activity_id"))


@dataclass
class Session:
    name: str
    lines: list[str] = field(default_factory=list)
    checked: int = 0
    seconds: float = 0.0


_STATE = """
const nav = performance.getEntriesByType('navigation')[0];
// every SVG chart is followed by a table with its data before the next chart begins (of the
// displayed ones: a report chart's other layout, for phones or for wide screens, is hidden)
const order = [...document.querySelectorAll('svg.chart, table')]
  .filter(e => e.getClientRects().length);
const bare = order.filter((e, i) => e.matches('svg.chart')
                          && !(order[i + 1] && order[i + 1].matches('table')))
  .map(e => (e.querySelector('title') || {}).textContent || 'untitled chart');
return {status: nav ? nav.responseStatus : 0, type: document.contentType,
        heading: !!document.querySelector('main h1'), bare: bare,
        charts: order.filter(e => e.matches('svg.chart')).length};
"""


def check_session(
    driver: Any, base: str, session: Session, pages: list[Page], reached: set[str]
) -> list[str]:
    """Open every page in the signed-in state of ``session``; the failures found."""
    failures: list[str] = []
    seen: set[str] = set()  # pages already checked in this session (error and sign-in pages)
    for page in pages:
        driver.get(base + page.path)
        state = driver.execute_script(_STATE)
        final = driver.current_url.removeprefix(base)
        status = state["status"]
        where = page.path if final == page.path else f"{page.path} → {final}"
        if status >= 500:
            failures.append(f"[{session.name}] {where}: HTTP {status}")
            session.lines.append(f"  FAIL {where} (HTTP {status})")
            continue
        if not state["type"].startswith("text/html"):
            session.lines.append(f"  ok   {where} ({state['type']}, not an HTML page)")
            reached.add(page.endpoint)
            continue
        # an error page looks the same on every URL, the sign-in page a redirect leads to too
        key = f"HTTP {status}" if status != 200 else final.split("?")[0]
        if final == page.path and status == 200:
            key = final
        if key in seen:
            session.lines.append(f"  --   {where} (HTTP {status}, checked above)")
            continue
        seen.add(key)
        problems = []
        if not state["heading"]:
            problems.append(f"[{session.name}] {where}: no <h1> in <main>")
        problems += [
            f"[{session.name}] {where}: chart without data table: {t}" for t in state["bare"]
        ]
        violations = axe_violations(driver)
        if violations:
            problems.append(f"[{session.name}] " + describe(where, violations))
        session.checked += 1
        if status == 200 and final == page.path:
            reached.add(page.endpoint)
        verdict = "FAIL" if problems else "ok  "
        note = f"{len(violations)} violation(s)" if violations else "no violations"
        if state["charts"]:
            note += f", {state['charts']} chart(s) with their data table"
        session.lines.append(f"  {verdict} {where} (HTTP {status}, {note})")
        failures += problems
    return failures


def write_report(sessions: list[Session], pages: list[Page], failures: list[str]) -> None:
    total = sum(s.seconds for s in sessions)
    lines = [
        "Accessibility check: axe-core, rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa",
        f"{len(pages)} pages from the url map, {len(sessions)} sessions, "
        f"{sum(s.checked for s in sessions)} axe runs in {total:.0f} s",
        f"Database backend: {backend()}",
        f"Result: {'FAILED, ' + str(len(failures)) + ' problem(s)' if failures else 'passed'}",
        "",
    ]
    for s in sessions:
        lines += [f"== {s.name}: {s.checked} pages checked in {s.seconds:.1f} s", *s.lines, ""]
    lines += ["== skipped routes", *(f"  {e}: {why}" for e, why in sorted(SKIPPED.items()))]
    if failures:
        lines += ["", "== problems", *failures]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.browser
@pytest.mark.one_pass
def test_every_page_has_no_wcag_violations_for_every_role(
    live_server: str, browser: Any, app: Flask, prepared: Prepared
) -> None:
    pages, missing = resolve_pages(app, prepared)
    assert not missing, missing
    sessions, failures, reached = [], [], set()
    for name, email, slug in SESSIONS:
        session = Session(name)
        started = time.monotonic()
        browser.get(live_server + "/")
        browser.delete_all_cookies()
        if email is not None:
            login(browser, live_server, email, slug=slug)
        failures += check_session(browser, live_server, session, pages, reached)
        session.seconds = time.monotonic() - started
        sessions.append(session)
    never = sorted({p.endpoint for p in pages} - reached)
    failures += [f"{endpoint}: no session could open it (HTTP 200)" for endpoint in never]
    write_report(sessions, pages, failures)
    assert not failures, f"see {REPORT}:\n" + "\n".join(failures)


_BOX_SCROLLS = (
    "return [...document.querySelectorAll('.table-wrap')].some(e => e.scrollWidth > e.clientWidth)"
)
_PAGE_SCROLLS = "return document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.one_pass
def test_every_page_reflows_at_320_css_pixels(
    live_server: str, browser: Any, app: Flask, prepared: Prepared
) -> None:
    """WCAG 1.4.10: at 320 CSS px no page scrolls sideways (a wide table scrolls in its box),
    signed out and as the administrator, who sees the most."""
    pages, _missing = resolve_pages(app, prepared)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": False},
    )
    failures, seen = [], set()
    for name, email, slug in [s for s in SESSIONS if s[0] in ("public", "admin")]:
        browser.get(live_server + "/")
        browser.delete_all_cookies()
        if email is not None:
            login(browser, live_server, email, slug=slug)
        for page in pages:
            browser.get(live_server + page.path)
            final = browser.current_url.removeprefix(live_server)
            if (name, final) in seen:
                continue
            seen.add((name, final))
            wider = browser.execute_script(_PAGE_SCROLLS)
            if wider > 0:
                culprits = browser.execute_script(OVERFLOW)
                failures.append(f"[{name}] {final}: {wider} px too wide: {'; '.join(culprits[:4])}")
            # a table that scrolls in its box must be scrollable with the keyboard too
            if browser.execute_script(_BOX_SCROLLS) and (violations := axe_violations(browser)):
                failures.append(f"[{name}] 320 px: " + describe(final, violations))
    assert not failures, "pages that scroll sideways at 320 CSS px:\n" + "\n".join(failures)
