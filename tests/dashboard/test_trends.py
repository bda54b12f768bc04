"""The key indicators' trends on the dashboard of a tenant with figures (Marl's demo data)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import app_with_marl_data


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    yield from app_with_marl_data(request, tmp_path)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_trends_as_sparklines_with_the_latest_year_and_links_to_reports(auth, client, role):
    auth(role, "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    block = html.split('id="dash-trends"')[1].split("</section>")[0]
    assert block.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3, block
    assert 'class="sparkline"' in block and "<title" in block
    assert "HzE-Eckwert" in block and "(2024)" in block
    # the change against the previous year is a signed German number
    assert re.search(r'<td class="num"[^>]*>[+-]\d+,\d %</td>', block), block
    assert "/marl/reports/" in block and "k. A." not in block


def test_staff_and_coordinators_get_no_trends(auth, client):
    auth("coordinator", "marl")
    html = client.get("/marl/dashboard").get_data(as_text=True)
    assert 'id="dash-trends"' not in html and 'id="dash-waiting"' in html
