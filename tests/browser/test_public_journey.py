"""The public directory in a real headless Chromium: a family finds the office for its
Stadtteil and the Elterncafé's times, by keyboard-free clicks as a visitor would; axe-core
(WCAG 2.1 A/AA) finds nothing on any public page of the three demo tenants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offerings.models import Offering
from saas.offices.models import Office
from tests.browser.conftest import WAIT_SECONDS, axe_violations, describe
from tests.conftest import tenant

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "build" / "screenshots"


def public_ids(slug: str) -> tuple[str, str]:
    """An office with offerings and one of its offerings."""
    with tenant_scope(tenant(slug)):
        offering = (
            db.session.execute(
                select(Offering)
                .where(Offering.public.is_(True), Offering.office_id.is_not(None))
                .order_by(Offering.code)
            )
            .scalars()
            .first()
        )
        office = db.session.get(Office, offering.office_id)
        ids = (office.public_id, offering.public_id)
    db.session.rollback()
    return ids


def test_a_family_finds_its_office_and_the_elterncafe_times(live_server: str, browser: Any):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(f"{live_server}/marl/")
    assert "Welches Stadtteilbüro ist für mich da?" in browser.page_source
    Select(browser.find_element(By.ID, "finder-area")).select_by_visible_text("Brassert")
    browser.find_element(By.CSS_SELECTOR, ".pub-finder button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(EC.url_contains("/directory/finder"))
    result = browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert "Für Brassert:" in result and "Stadtteilbüro Brassert" in result
    assert "Brassertstraße 91" in result
    browser.find_element(By.LINK_TEXT, "Stadtteilbüro Brassert").click()
    WebDriverWait(browser, WAIT_SECONDS).until(EC.url_contains("/directory/offices/"))
    browser.find_element(By.LINK_TEXT, "Elterncafé").click()
    WebDriverWait(browser, WAIT_SECONDS).until(EC.url_contains("/directory/offerings/"))
    facts = browser.find_element(By.CSS_SELECTOR, ".pub-facts").text
    assert "Mittwoch 09:30–11:30" in facts
    assert "kostenlos" in facts and "Stadtteilbüro Brassert" in facts
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "public-elterncafe-brassert.png"))
    assert not axe_violations(browser), describe(browser.current_url, axe_violations(browser))


def test_the_street_search_finds_the_office(live_server: str, browser: Any):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server}/marl/")
    browser.find_element(By.ID, "finder-street").send_keys("Pommernstr.")
    browser.find_element(By.CSS_SELECTOR, ".pub-finder button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(EC.url_contains("/directory/finder"))
    assert "Stadtteilbüro Drewer-Süd" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "public-finder-street.png"))


def test_axe_finds_nothing_on_the_public_pages(live_server: str, browser: Any):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    failures, checked = [], []
    for slug in ("marl", "hamm", "rv-saarbruecken"):
        office, offering = public_ids(slug)
        paths = [
            f"/{slug}/",
            f"/{slug}/directory/finder?area=",
            f"/{slug}/directory/offerings/",
            f"/{slug}/directory/offerings/?weekday=2&age=4",
            f"/{slug}/directory/offices/{office}",
            f"/{slug}/directory/offices/{office}/flyer",
            f"/{slug}/directory/offerings/{offering}",
            f"/{slug}/accessibility",
            f"/{slug}/imprint",
            f"/{slug}/privacy",
        ]
        if slug == "marl":
            paths.append("/marl/directory/finder?street=Max-Reger")
        for path in paths:
            browser.get(live_server + path)
            assert browser.find_elements(By.CSS_SELECTOR, "main h1"), f"{path}: no heading"
            violations = axe_violations(browser)
            checked.append(path)
            if violations:
                failures.append(describe(path, violations))
    # the English pages, too
    browser.get(f"{live_server}/marl/")
    browser.find_element(By.CSS_SELECTOR, ".lang-switch button").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.execute_script("return document.documentElement.lang") == "en"
    )
    assert "Which Stadtteilbüro is there for me?" in browser.page_source
    violations = axe_violations(browser)
    checked.append("/marl/ (en)")
    if violations:
        failures.append(describe("/marl/ (en)", violations))
    assert len(checked) == 32
    assert not failures, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(failures)
