"""BITV 2.0 / WCAG 2.1 AA in a real headless Chromium: axe-core on the main pages, keyboard use.

axe-core (``tests/browser/vendor/axe.min.js``) runs with the rules tagged wcag2a, wcag2aa,
wcag21a and wcag21aa; every page must have zero violations. Each test collects the violations
of all its pages and fails once, listing rule id, impact, help text and the first targets.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from saas.activities.models import Activity, ActivityPrinciple
from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offices.models import Office, OfficeArea
from tests.browser.conftest import WAIT_SECONDS, axe_violations, describe, follow, login
from tests.conftest import DEMO_PASSWORD, tenant

pytestmark = pytest.mark.browser

ACTIVITY_DATE = date(2024, 6, 10)
NOTE = "Elterncafé, nur mit Tastatur erfasst"


def check_pages(driver: Any, base: str, paths: list[str], status: int = 200) -> list[str]:
    """Open each path, make sure it is the page asked for, collect axe's findings."""
    from selenium.webdriver.common.by import By

    failures = []
    for path in paths:
        driver.get(base + path)
        got = driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].responseStatus"
        )
        assert got == status, f"{path}: HTTP {got}, expected {status} ({driver.title})"
        assert driver.find_elements(By.CSS_SELECTOR, "main h1"), f"{path}: no page heading"
        violations = axe_violations(driver)
        if violations:
            failures.append(describe(path, violations))
    return failures


def assert_no_violations(failures: list[str]) -> None:
    assert not failures, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(failures)


def marl_area_id() -> int:
    with tenant_scope(tenant("marl")):
        area_id = db.session.execute(select(Area.id).order_by(Area.code).limit(1)).scalar_one()
    db.session.rollback()
    return area_id


def test_public_pages(live_server: str, browser: Any) -> None:
    assert_no_violations(check_pages(browser, live_server, ["/marl/", "/marl/login"]))


def test_tenant_pages_as_admin(live_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    login(browser, live_server, "admin@marl.example")
    failures = check_pages(
        browser,
        live_server,
        ["/marl/dashboard", "/marl/offices/"],
    )
    # an office's detail page and its edit form, reached through the links a user follows
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main table tbody a"))
    assert "/marl/offices/" in browser.current_url
    detail = browser.current_url.removeprefix(live_server)
    failures += check_pages(browser, live_server, [detail])
    edit = browser.find_element(By.CSS_SELECTOR, "main a[href$='/edit']").get_attribute("href")
    failures += check_pages(browser, live_server, [edit.removeprefix(live_server)])
    assert browser.find_elements(By.CSS_SELECTOR, "main form input[name=name]"), "no edit form"
    failures += check_pages(
        browser,
        live_server,
        [
            "/marl/areas/tree",
            "/marl/activities/new",
            "/marl/activities/",
            "/marl/figures/",
            f"/marl/figures/grid/{marl_area_id()}/2024-06",
            "/marl/members/invite",
        ],
    )
    # signed in to Marl, Hamm's dashboard is the 403 page
    failures += check_pages(browser, live_server, ["/hamm/dashboard"], status=403)
    heading = browser.find_element(By.CSS_SELECTOR, "main h1").text
    assert "Kein Zugriff" in heading or "No access" in heading, heading
    assert_no_violations(failures)


def test_platform_pages(live_server: str, browser: Any) -> None:
    login(browser, live_server, "platform@sozialraum.example", slug="platform")
    assert_no_violations(check_pages(browser, live_server, ["/platform/", "/platform/onboard/"]))


def active(driver: Any) -> dict[str, str]:
    return driver.execute_script(
        "const e = document.activeElement;"
        "return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',"
        " cls: e.className || '', type: e.type || '', value: e.value || '',"
        " text: (e.textContent || '').trim().slice(0, 60)};"
    )


def press(driver: Any, *keys: str) -> None:
    """Keys to whatever has the focus, as a keyboard does (no element is clicked or chosen)."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


_FOCUS_RING = """
const e = document.activeElement, s = getComputedStyle(e);
return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
"""


def assert_focus_visible(driver: Any) -> None:
    """WCAG 2.4.7: the focused element draws a ring (a computed outline or box shadow)."""
    assert driver.execute_script(_FOCUS_RING), f"no visible focus on {active(driver)}"


def tab_to(driver: Any, wanted: dict[str, str], limit: int = 40) -> dict[str, str]:
    """Press Tab until the focused element matches ``wanted``; fail after ``limit`` presses.

    Every element the focus passes shows a visible focus ring."""
    from selenium.webdriver.common.keys import Keys

    seen = []
    for _ in range(limit):
        press(driver, Keys.TAB)
        assert_focus_visible(driver)
        now = active(driver)
        if all(now.get(k) == v for k, v in wanted.items()):
            return now
        seen.append(f"{now['tag']}#{now['id'] or now['name']}")
    raise AssertionError(f"Tab never reached {wanted}; focus went through {seen}")


def date_keys(driver: Any, day: date) -> str:
    """The digits to type into a date field, in the order of the browser's locale.

    Chromium lays out the segments of ``<input type=date>`` by its ICU locale (en-US without the
    chromium-l10n package: MM/DD/YYYY; de: TT.MM.JJJJ); ``Intl`` reports the same order.
    """
    order = driver.execute_script(
        "return new Intl.DateTimeFormat(undefined, {year: 'numeric', month: '2-digit',"
        " day: '2-digit'}).formatToParts(new Date(2024, 0, 2))"
        ".map(p => p.type).filter(t => t !== 'literal')"
    )
    digits = {"year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}"}
    return "".join(digits[part] for part in order)


def served_pair() -> tuple[str, str, int, int]:
    """Office and area names of an office/area link of Marl, as the select options show them."""
    with tenant_scope(tenant("marl")):
        office, area = db.session.execute(
            select(Office, Area)
            .join(OfficeArea, OfficeArea.office_id == Office.id)
            .join(Area, Area.id == OfficeArea.area_id)
            .where(Office.archived_at.is_(None), Area.archived_at.is_(None))
            .order_by(Office.name, Area.code)
            .limit(1)
        ).one()
        result = office.name, str(area), office.id, area.id
    db.session.rollback()
    return result


def test_activity_form_keyboard_only(live_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    office_name, area_label, office_id, area_id = served_pair()
    login(browser, live_server, "admin@marl.example")
    url = f"{live_server}/marl/activities/new"
    browser.get(url)
    # the form's first field has the focus on arrival (autofocus)
    assert active(browser)["id"] == "date", active(browser)

    # from the top of the page the first Tab reaches the skip link ...
    browser.get(url + "#top")  # fragment "top": the focus navigation starts at the top
    browser.execute_script("document.activeElement.blur()")
    press(browser, Keys.TAB)
    skip = active(browser)
    assert skip["tag"] == "a" and "skip" in skip["cls"], f"first Tab stop is {skip}"
    assert_focus_visible(browser)
    # ... which leads to the main content; the next Tab is the form's first field
    press(browser, Keys.ENTER)
    assert active(browser)["id"] == "main", active(browser)
    press(browser, Keys.TAB)
    assert active(browser)["id"] == "date", active(browser)

    # fill in the whole form with the keyboard only
    press(browser, date_keys(browser, ACTIVITY_DATE))
    assert active(browser)["value"] == ACTIVITY_DATE.isoformat(), active(browser)
    tab_to(browser, {"id": "office_id"})
    press(browser, office_name)  # type-ahead selects the option
    assert active(browser)["value"] == str(office_id), active(browser)
    tab_to(browser, {"id": "area_id"})
    press(browser, area_label)
    assert active(browser)["value"] == str(area_id), active(browser)
    tab_to(browser, {"id": "kind"})
    press(browser, "Netzwerk")
    assert active(browser)["value"] == "network_meeting", active(browser)
    tab_to(browser, {"id": "p_0_5"})
    press(browser, Keys.CONTROL, "a", Keys.CONTROL, "3")  # Ctrl+A, then type over the 0
    tab_to(browser, {"id": "p_27_64"})
    press(browser, Keys.CONTROL, "a", Keys.CONTROL, "5")
    first_principle = tab_to(browser, {"name": "principle_ids"})
    press(browser, Keys.SPACE)
    assert browser.execute_script("return document.activeElement.checked") is True
    tab_to(browser, {"id": "note"})
    press(browser, NOTE)
    tab_to(browser, {"tag": "button", "type": "submit"})
    press(browser, Keys.ENTER)

    flash = WebDriverWait(browser, WAIT_SECONDS).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, ".flash-success"))
    )
    assert "gespeichert" in flash.text or "saved" in flash.text, flash.text
    # the fragment survives the redirect; "next=1": the next entry keeps this one's date
    assert browser.current_url.split("#")[0] == url + "?next=1"

    db.session.rollback()
    with tenant_scope(tenant("marl")):
        activity = db.session.execute(select(Activity).where(Activity.note == NOTE)).scalar_one()
        assert activity.date == ACTIVITY_DATE
        assert (activity.office_id, activity.area_id) == (office_id, area_id)
        assert activity.kind == "network_meeting"
        assert (activity.p_0_5, activity.p_27_64, activity.participants) == (3, 5, 8)
        principles = (
            db.session.execute(
                select(ActivityPrinciple.principle_id).where(
                    ActivityPrinciple.activity_id == activity.id
                )
            )
            .scalars()
            .all()
        )
        assert principles == [int(first_principle["value"])]
    db.session.rollback()


def test_sign_in_with_the_keyboard_only(live_server: str, browser: Any) -> None:
    """From the top of the login page: skip link, the fields, the button, all visibly focused."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    url = f"{live_server}/marl/login"
    browser.get(url)  # the e-mail field has the focus (autofocus) ...
    assert active(browser)["name"] == "email", active(browser)
    browser.get(url + "#top")  # ... back to the top of the page, as in the activity test
    browser.execute_script("document.activeElement.blur()")
    press(browser, Keys.TAB)
    assert "skip" in active(browser)["cls"], active(browser)
    assert_focus_visible(browser)
    tab_to(browser, {"name": "email"})
    press(browser, "coordinator@marl.example")
    tab_to(browser, {"name": "password"}, limit=1)
    press(browser, DEMO_PASSWORD)
    tab_to(browser, {"name": "remember"}, limit=1)
    tab_to(browser, {"tag": "button", "type": "submit"}, limit=1)
    press(browser, Keys.ENTER)
    WebDriverWait(browser, WAIT_SECONDS).until(EC.url_changes(url + "#top"))
    assert browser.current_url.split("#")[0].endswith("/marl/dashboard"), browser.current_url


_ERRORS = """
const summary = document.querySelector('main .error-summary[role=alert]');
const field = document.getElementById(arguments[0]);
const described = (field.getAttribute('aria-describedby') || '').split(' ')
  .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent.trim());
return {summary: summary ? summary.textContent.replace(/\\s+/g, ' ').trim() : null,
        links: summary ? [...summary.querySelectorAll('a')].map(a => a.getAttribute('href')) : [],
        invalid: field.getAttribute('aria-invalid'), described: described};
"""


def form_errors(driver: Any, field_id: str) -> dict[str, Any]:
    """After a submit: wait for the answer's error summary, then read it and the field."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "main .error-summary"))
    )
    return dict(driver.execute_script(_ERRORS, field_id))


def test_form_errors_are_announced_and_tied_to_their_fields(live_server: str, browser: Any) -> None:
    """WCAG 3.3.1/4.1.3: one alert sums up the errors, each links to its field; the field is
    marked invalid and described by its message."""
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server}/marl/login")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    found = form_errors(browser, "email")
    assert found["summary"] and found["links"] == ["#email", "#password"], found
    assert found["invalid"] == "true" and found["described"], found
    failures = [] if not (v := axe_violations(browser)) else [describe("login", v)]

    login(browser, live_server, "staff@marl.example")
    browser.get(f"{live_server}/marl/activities/new")
    browser.execute_script("document.getElementById('date').value = ''")
    count = browser.find_element(By.ID, "p_0_5")
    count.clear()
    count.send_keys("-1")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    date_errors = form_errors(browser, "date")
    assert "#date" in date_errors["links"] and "#p_0_5" in date_errors["links"], date_errors
    assert date_errors["invalid"] == "true" and date_errors["described"], date_errors
    band = form_errors(browser, "p_0_5")
    assert band["invalid"] == "true" and band["described"], band
    if v := axe_violations(browser):
        failures.append(describe("activity form with errors", v))
    assert_no_violations(failures)


def test_language_of_the_page_and_of_foreign_parts(live_server: str, browser: Any) -> None:
    """WCAG 3.1.1/3.1.2: ``<html lang>`` follows the chosen language; English words on a
    German page (and German on an English one) carry their own ``lang``."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def lang_of(css: str) -> list[str]:
        return [e.get_attribute("lang") for e in browser.find_elements(By.CSS_SELECTOR, css)]

    browser.get(f"{live_server}/marl/")
    assert lang_of("html") == ["de"]
    switch = browser.find_element(By.CSS_SELECTOR, ".lang-switch button")
    assert (switch.text, switch.get_attribute("lang")) == ("English", "en")
    switch.click()
    WebDriverWait(browser, WAIT_SECONDS, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    )
    switch = browser.find_element(By.CSS_SELECTOR, ".lang-switch button")
    assert (switch.text, switch.get_attribute("lang")) == ("Deutsch", "de")

    # both labels of a metric, on its page and in its form, in their own language
    login(browser, live_server, "platform@sozialraum.example", slug="platform")
    browser.get(f"{live_server}/platform/metrics/")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main table tbody a"))
    labels = browser.find_elements(By.CSS_SELECTOR, "dl.details dd[lang]")
    assert sorted(e.get_attribute("lang") for e in labels) == ["de", "en"], labels
    follow(browser, browser.find_element(By.CSS_SELECTOR, "main a[href$='/edit']"))
    assert lang_of("input[name=label_de], input[name=label_en]") == ["de", "en"]


OVERFLOW = """
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('table') && e.getBoundingClientRect().right > width + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
            + ' "' + (e.textContent || '').trim().slice(0, 40) + '"');
"""


def test_pages_reflow_at_320_css_pixels(live_server: str, browser: Any) -> None:
    """WCAG 1.4.10: at 320 CSS px nothing but a data table needs horizontal scrolling."""
    from selenium.webdriver.common.by import By

    login(browser, live_server, "admin@marl.example")
    browser.get(f"{live_server}/marl/offices/")
    office = browser.find_element(By.CSS_SELECTOR, "main table tbody a").get_attribute("href")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": False},
    )
    failures = []
    for path in [
        "/marl/dashboard",
        "/marl/activities/new",
        "/marl/activities/",
        office.removeprefix(live_server),
        "/marl/areas/tree",
        "/marl/members/invite",
    ]:
        browser.get(live_server + path)
        wide = browser.execute_script(OVERFLOW)
        if wide:
            failures.append(f"{path}: " + "; ".join(wide[:5]))
    assert not failures, "wider than 320 CSS px:\n" + "\n".join(failures)
