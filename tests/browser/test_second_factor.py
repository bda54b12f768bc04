"""The second-factor journey in a real browser: an admin enrols (QR code and key on the page),
signs out, signs in with password and TOTP code, and later with a recovery code."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from sqlalchemy import update

from saas.auth.models import User
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.browser.conftest import WAIT_SECONDS, axe_violations, describe, follow, login
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "admin@marl.example"


def wait_for_path(driver: Any, path: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.current_url.split("?")[0].endswith(path))


def wait_for_text(driver: Any, text: str) -> None:
    """Wait for the next page: a click on submit may return before the browser navigated."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: text in d.page_source)


def submit(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    follow(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def sign_out(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "header form[action$='/logout'] button").click()
    wait_for_path(driver, "/marl/")


def password_step(driver: Any, base: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/marl/login")
    driver.find_element(By.NAME, "email").send_keys(EMAIL)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    submit(driver)
    wait_for_path(driver, "/account/login/second-factor")


def forget_last_step() -> None:
    """The next code may fall in the same 30-second window as the enrolment's."""
    with all_tenants():
        db.session.execute(update(User).where(User.email == EMAIL).values(totp_last_step=None))
        db.session.commit()


def test_enrol_sign_in_with_totp_and_with_a_recovery_code(live_server: str, browser: Any):
    from selenium.webdriver.common.by import By

    login(browser, live_server, EMAIL)
    browser.get(f"{live_server}/account/two-factor")
    qr = browser.find_element(By.CSS_SELECTOR, "figure.qr svg")
    assert qr.size["width"] > 100  # drawn inline, readable by a phone camera
    failures = axe_violations(browser)
    assert not failures, describe("/account/two-factor", failures)
    secret = browser.find_element(By.ID, "totp-secret").text
    browser.find_element(By.NAME, "code").send_keys(pyotp.TOTP(secret).now())
    submit(browser)
    wait_for_text(browser, "recovery-codes")  # CI once read the old page here: 0 codes
    codes = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "ul.recovery-codes code")]
    assert len(codes) == 10
    browser.find_element(By.LINK_TEXT, "Ich habe die Codes aufbewahrt").click()
    wait_for_path(browser, "/account/")
    assert "Aktiv seit" in browser.page_source
    browser.get(f"{live_server}/marl/dashboard")
    sign_out(browser)

    # password and a TOTP code
    password_step(browser, live_server)
    browser.get(f"{live_server}/marl/dashboard")  # not signed in yet
    assert "/marl/login" in browser.current_url
    password_step(browser, live_server)
    forget_last_step()
    browser.find_element(By.NAME, "code").send_keys(pyotp.TOTP(secret).now())
    submit(browser)
    wait_for_path(browser, "/marl/dashboard")
    assert "Stadt Marl" in browser.page_source
    sign_out(browser)

    # password and a recovery code, which then is spent
    password_step(browser, live_server)
    browser.find_element(By.NAME, "code").send_keys(codes[0])
    submit(browser)
    wait_for_path(browser, "/marl/dashboard")
    assert "Wiederherstellungscode" in browser.page_source
    sign_out(browser)
    password_step(browser, live_server)
    browser.find_element(By.NAME, "code").send_keys(codes[0])
    submit(browser)
    wait_for_text(browser, "nicht korrekt oder wurde bereits verwendet")
