"""Screenshots (1280 px) of the approval desk and of each role's dashboard, checked by axe.

On Marl's generated demo data. The desk shows November 2024 (submitted by the generator)
with one area approved, one reopened with a reason and one value far off its previous year,
so that every state group, a reason and a hint are on the picture. The PNGs go to
build/screenshots/ for the reviewers (CI keeps them as artefacts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.periods.models import PeriodStatus
from tests.browser.conftest import axe_violations, describe, follow, login
from tests.conftest import app_with_marl_data, tenant

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PERIOD = "2024-11"


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    yield from app_with_marl_data(request, tmp_path)


def prepare_desk() -> None:
    """Three states and a hint on the desk's month (directly in the database)."""
    with tenant_scope(tenant("marl")):
        rows = (
            db.session.execute(
                select(PeriodStatus)
                .where(PeriodStatus.scope == "area", PeriodStatus.period == PERIOD)
                .order_by(PeriodStatus.area_id)
            )
            .scalars()
            .all()
        )
        rows[0].state = "approved"
        rows[1].state, rows[1].reason = "reopened", "HzE-Fälle doppelt gezählt, bitte korrigieren"
        metric = db.session.execute(
            select(Metric.id).where(Metric.code == "ION_COUNT", Metric.tenant_id.is_(None))
        ).scalar_one()
        value = db.session.execute(
            select(FigureValue).where(
                FigureValue.area_id == rows[2].area_id,
                FigureValue.metric_id == metric,
                FigureValue.period == PERIOD,
            )
        ).scalar_one_or_none()
        if value is not None:
            value.value = value.value * 4 + 20
        db.session.commit()


def shoot(driver: Any, name: str) -> Path:
    """A full-height screenshot at 1280 px width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 900), 6000))
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    return path


def test_the_approval_desk_at_1280(live_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    prepare_desk()
    login(browser, live_server, "coordinator@marl.example")
    browser.get(f"{live_server}/marl/figures/periods?period={PERIOD}")
    groups = [
        e.get_attribute("class") for e in browser.find_elements(By.CSS_SELECTOR, "tbody.desk-group")
    ]
    assert groups[0].endswith("state-submitted"), groups
    assert any(g.endswith("state-reopened") for g in groups), groups
    assert "HzE-Fälle doppelt gezählt" in browser.find_element(By.CSS_SELECTOR, "main").text
    violations = axe_violations(browser)
    assert not violations, describe(browser.current_url, violations)
    assert shoot(browser, "desk-figures-1280").stat().st_size > 10_000
    # one confirmation for the checked rows
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=row]")[:3]:
        box.click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button[form=bulk]"))
    assert "Markierte Zeilen freigeben" in browser.find_element(By.CSS_SELECTOR, "h1").text
    assert shoot(browser, "desk-confirm-1280").stat().st_size > 5_000
    browser.get(f"{live_server}/marl/activities/months?period={PERIOD}")
    violations = axe_violations(browser)
    assert not violations, describe(browser.current_url, violations)
    shoot(browser, "desk-months-1280")


@pytest.mark.parametrize("role", ["staff", "coordinator", "admin", "viewer"])
def test_each_roles_dashboard_at_1280(live_server: str, browser: Any, role: str) -> None:
    from selenium.webdriver.common.by import By

    login(browser, live_server, f"{role}@marl.example")
    browser.get(f"{live_server}/marl/dashboard")
    assert browser.find_elements(By.CSS_SELECTOR, "section.dash-block"), role
    violations = axe_violations(browser)
    assert not violations, describe(browser.current_url, violations)
    shoot(browser, f"dashboard-{role}-1280")
