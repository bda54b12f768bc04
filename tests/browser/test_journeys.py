"""The main journeys, clicked through in headless Chromium as the people who make them.

Staff logs an activity; a coordinator approves the month staff submitted; an admin adds an
office with its opening hours and finds it on the public page; a platform admin onboards a
municipality whose public page is then live. Each journey uses the forms and buttons a
person sees (no URL of a POST is typed in) and checks the result in the database too. A
failing journey leaves a screenshot and the page source in build/screenshots/ (the hook in
tests/browser/conftest.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from saas.activities.models import Activity
from saas.auth.models import Membership, User
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office
from saas.tenants.models import Tenant
from tests.browser.conftest import WAIT_SECONDS, login
from tests.browser.test_accessibility import date_keys
from tests.conftest import tenant

pytestmark = pytest.mark.browser

TODAY = date.today()
MONTH = f"{TODAY:%Y-%m}"


def wait_for(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_for_path(driver: Any, base: str, pattern: str) -> str:
    """Wait until the browser shows a page whose path matches ``pattern`` (a regex)."""
    import re

    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: re.fullmatch(pattern, d.current_url.removeprefix(base).split("?")[0])
    )
    return str(driver.current_url.removeprefix(base))


def submit(driver: Any, css: str = "button.primary[type=submit]") -> None:
    """Press the form's main button (or the one ``css`` names)."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"main form {css}").click()


def choose(driver: Any, name: str, label: str | None = None) -> str:
    """Pick an option of the select ``name`` by its text (default: the first real option)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    select_ = Select(driver.find_element(By.NAME, name))
    if label is not None:
        select_.select_by_visible_text(label)
    else:
        first = next(o for o in select_.options if o.get_attribute("value"))
        select_.select_by_value(first.get_attribute("value"))
    return str(select_.first_selected_option.text)


def sign_out(driver: Any, base: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "header form[action$='/logout'] button").click()
    wait_for_path(driver, base, r"/.*")
    driver.delete_all_cookies()


def staff_office() -> Office:
    with tenant_scope(tenant("marl")):
        membership = db.session.execute(
            select(Membership).join(User).where(User.email == "staff@marl.example")
        ).scalar_one()
        office = db.session.get(Office, membership.office_ids[0])
        db.session.expunge(office)
    db.session.rollback()
    return office


def log_activity(driver: Any, base: str, note: str) -> None:
    """As the signed-in staff member: fill in the activity form for today and save it."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/marl/activities/new")
    driver.find_element(By.ID, "date").send_keys(date_keys(driver, TODAY))
    choose(driver, "area_id")
    choose(driver, "kind")
    participants = driver.find_element(By.ID, "p_6_13")
    participants.clear()
    participants.send_keys("7")
    driver.find_element(By.ID, "note").send_keys(note)
    driver.find_element(By.CSS_SELECTOR, "main button[name=then][value=list]").click()
    flash = wait_for(driver, ".flash-success")
    assert "gespeichert" in flash.text or "saved" in flash.text, flash.text


def test_staff_logs_an_activity(live_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    office = staff_office()
    login(browser, live_server, "staff@marl.example")
    # the staff member's only office is chosen already
    browser.get(f"{live_server}/marl/activities/new")
    office_select = browser.find_element(By.NAME, "office_id")
    assert office_select.get_attribute("value") == str(office.id)
    log_activity(browser, live_server, "Hausaufgabenhilfe, Journey-Test")
    assert wait_for_path(browser, live_server, r"/marl/activities/")
    # the list, newest first, starts with it
    first = browser.find_element(By.CSS_SELECTOR, "main table tbody tr").text
    assert first.startswith(f"{TODAY:%d.%m.%Y} {office.name}") and first.endswith(" 7"), first

    db.session.rollback()
    with tenant_scope(tenant("marl")):
        activity = db.session.execute(
            select(Activity).where(Activity.note == "Hausaufgabenhilfe, Journey-Test")
        ).scalar_one()
        assert (activity.date, activity.office_id, activity.participants) == (TODAY, office.id, 7)
    db.session.rollback()


def month_cell(driver: Any, office_id: int, transition: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(
        By.CSS_SELECTOR,
        f"form[action$='/months/{office_id}/{MONTH}/{transition}'] button",
    )


def test_coordinator_approves_a_month(live_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    from saas.activities.services import office_month_states

    office = staff_office()
    # staff logs an activity and submits the month
    login(browser, live_server, "staff@marl.example")
    log_activity(browser, live_server, "Elterncafé, zur Freigabe")
    # the activity list, where saving led, links to the monthly submission
    browser.find_element(By.CSS_SELECTOR, "main a[href$='/activities/months']").click()
    wait_for_path(browser, live_server, r"/marl/activities/months")
    # the desk opens on the latest complete month; the new activity is in the current one
    browser.get(f"{live_server}/marl/activities/months?period={MONTH}")
    month_cell(browser, office.id, "submit").click()
    assert wait_for(browser, ".flash-success").text.endswith(("Eingereicht", "Submitted"))
    sign_out(browser, live_server)

    # the coordinator approves it
    login(browser, live_server, "coordinator@marl.example")
    browser.get(f"{live_server}/marl/activities/months?period={MONTH}")
    button = month_cell(browser, office.id, "approve")
    assert button.text in ("Freigeben", "Approve"), button.text
    button.click()
    flash = wait_for(browser, ".flash-success")
    assert flash.text.startswith(office.name), flash.text
    assert flash.text.endswith(("Freigegeben", "Approved")), flash.text
    # approved months offer only reopening (with a reason), no second approval
    assert not browser.find_elements(
        By.CSS_SELECTOR, f"form[action$='/months/{office.id}/{MONTH}/approve']"
    )
    assert month_cell(browser, office.id, "reopen")

    db.session.rollback()
    with tenant_scope(tenant("marl")):
        assert office_month_states([office.id], [MONTH]) == {(office.id, MONTH): "approved"}
    db.session.rollback()


OFFICE_NAME = "Stadtteilbüro Hüls-Süd"
HOURS = "Mo 9–12 Uhr, Do 14–18 Uhr"


def test_admin_adds_an_office_and_sees_it_on_the_public_page(
    live_server: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    login(browser, live_server, "admin@marl.example")
    browser.get(f"{live_server}/marl/offices/")
    browser.find_element(By.CSS_SELECTOR, "main a[href$='/offices/new']").click()
    wait_for_path(browser, live_server, r"/marl/offices/new")
    for name, value in {
        "code": "huels-sued",
        "name": OFFICE_NAME,
        "address": "Breite Straße 12",
        "postal_code": "45772",
        "city": "Marl",
        "opening_hours": HOURS,
        "phone": "02365 99-1234",
        "email": "huels-sued@marl.example",
    }.items():
        browser.find_element(By.NAME, name).send_keys(value)
    area = choose(browser, "area_ids")
    submit(browser)
    assert wait_for(browser, ".flash-success").text.endswith(("angelegt.", "created."))
    detail = browser.find_element(By.TAG_NAME, "main").text
    assert OFFICE_NAME in detail and HOURS in detail

    db.session.rollback()
    with tenant_scope(tenant("marl")):
        office = db.session.execute(select(Office).where(Office.name == OFFICE_NAME)).scalar_one()
        assert office.opening_hours == HOURS
    db.session.rollback()

    # a family, not signed in, finds it on the municipality's public page
    sign_out(browser, live_server)
    browser.get(f"{live_server}/marl/")
    public = browser.find_element(By.TAG_NAME, "main").text
    assert OFFICE_NAME in public, f"{OFFICE_NAME} not on /marl/ (area {area})"
    assert HOURS in public


def test_platform_admin_onboards_a_municipality_whose_public_page_is_live(
    live_server: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    login(browser, live_server, "platform@sozialraum.example", slug="platform")
    browser.get(f"{live_server}/platform/")
    browser.find_element(By.CSS_SELECTOR, "main a[href$='/platform/onboard/']").click()
    # 1 basics
    wait_for_path(browser, live_server, r"/platform/onboard/")
    browser.find_element(By.NAME, "name").send_keys("Stadt Musterhausen")
    browser.find_element(By.NAME, "slug").send_keys("musterhausen")
    submit(browser)
    # 2 profile: the template for new municipalities (chosen already)
    wait_for_path(browser, live_server, r"/platform/onboard/\d+/profile")
    assert browser.find_element(By.CSS_SELECTOR, "input[value=template]").is_selected()
    submit(browser)
    # 3 the municipality's own words
    wait_for_path(browser, live_server, r"/platform/onboard/\d+/vocabulary")
    for name, word in {"office": "Familienbüro", "offices": "Familienbüros"}.items():
        field = browser.find_element(By.NAME, name)
        field.clear()
        field.send_keys(word)
    submit(browser)
    # 4 areas later
    wait_for_path(browser, live_server, r"/platform/onboard/\d+/areas")
    submit(browser, "button[name=skip]")
    # 5 the first administrator
    wait_for_path(browser, live_server, r"/platform/onboard/\d+/admin")
    browser.find_element(By.NAME, "email").send_keys("leitung@musterhausen.example")
    submit(browser)
    wait_for(browser, "#invite-link")  # the page with the link (read nothing of the old one)
    heading = wait_for(browser, "main h1").text
    assert "Stadt Musterhausen" in heading, heading
    link = browser.find_element(By.ID, "invite-link").get_attribute("value")
    assert "/musterhausen/members/accept/" in link, link

    db.session.rollback()
    with all_tenants():
        created = db.session.execute(
            select(Tenant).where(Tenant.slug == "musterhausen")
        ).scalar_one()
        assert created.status == "active"
        assert created.word("office") == "Familienbüro"
    db.session.rollback()

    # the public page is live for everybody
    browser.delete_all_cookies()
    browser.get(f"{live_server}/musterhausen/")
    status = browser.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus"
    )
    assert status == 200, status
    # the directory's heading: the municipality and its offices in its own words
    assert browser.find_element(By.CSS_SELECTOR, "main h1").text.startswith("Stadt Musterhausen")
