"""The report pages on PostgreSQL as the runtime role (row-level security on)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from saas.core.db import db
from saas.reports.definition import dump
from saas.reports.library import LIBRARY
from tests.conftest import login, tenant
from tests.reports.conftest import run, shared
from tests.reports.test_exports import expected_numbers, html_numbers

pytestmark = pytest.mark.postgres


def test_templates_run_publish_and_stay_isolated_on_postgres(pg_app: Flask) -> None:
    from saas.demo.generator import generate_demo_data

    generate_demo_data(tenant("marl"), years=range(2019, 2025))
    db.session.commit()
    client = pg_app.test_client()
    assert login(client, "coordinator@marl.example", "marl").status_code == 302
    for item in LIBRARY:
        template = shared(item["code"])
        result = run(template, 2019, 2024, level="stadtteil")
        assert any(c.value is not None for c in result.cells())
        page = client.get(
            f"/marl/reports/run?template={template.id}&from=2019&to=2024&level=stadtteil"
        )
        assert page.status_code == 200
        assert html_numbers(page.get_data(as_text=True)) == expected_numbers(result)

    template = shared("entwicklung-hze")
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/marl/reports/").get_data(as_text=True)
    ).group(1)
    published = client.post(
        "/marl/reports/run/publish",
        data={
            "csrf_token": token,
            "template": template.id,
            "from": "2019",
            "to": "2024",
            "level": "stadtteil",
        },
    )
    assert published.status_code == 302
    url = published.headers["Location"]
    assert client.get(url).status_code == 200
    copied = client.post(f"/marl/reports/templates/{template.id}/copy", data={"csrf_token": token})
    assert copied.status_code == 302
    variant_id = int(re.search(r"/templates/(\d+)/edit", copied.headers["Location"]).group(1))

    hamm = pg_app.test_client()
    assert login(hamm, "coordinator@hamm.example", "hamm").status_code == 302
    report_id = re.search(r"/published/(\d+)", url).group(1)
    assert hamm.get(f"/hamm/reports/published/{report_id}").status_code == 404
    assert hamm.get(f"/hamm/reports/run?template={variant_id}").status_code == 404
    assert hamm.get(f"/hamm/reports/templates/{variant_id}/edit").status_code == 404


def test_platform_saves_a_new_version_on_postgres(pg_app: Flask) -> None:
    template = shared("entwicklung-hze")
    admin = pg_app.test_client()
    assert login(admin, "platform@sozialraum.example", "platform").status_code == 302
    new_url = f"/platform/report-templates/{template.id}/new-version"
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        admin.get(new_url).get_data(as_text=True),
    ).group(1)
    saved = admin.post(
        new_url,
        data={
            "csrf_token": token,
            "stamp": "1",
            "title_de": "HzE v2",
            "title_en": "",
            "description": "",
            "definition": dump(template.definition),
        },
    )
    assert saved.status_code == 302
    assert shared("entwicklung-hze").version == 2
