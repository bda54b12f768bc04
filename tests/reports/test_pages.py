"""Report pages: publishing freezes numbers, local variants and the newer-version notice,
platform versions, isolation between tenants, permissions."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.figures.models import FigureValue
from saas.metrics.models import Metric
from saas.reports.definition import dump
from saas.reports.library import ENTWICKLUNG_HZE
from saas.reports.models import PublishedReport, ReportTemplate
from tests.conftest import csrf_token, login, tenant
from tests.core.test_i18n import switch
from tests.reports.conftest import shared
from tests.reports.test_exports import html_numbers

HZE = "entwicklung-hze"
PARAMS = {"from": "2015", "to": "2024", "level": "stadtteil"}


def token(client: FlaskClient, url: str = "/marl/reports/run") -> str:
    return csrf_token(client, url)


def publish(client: FlaskClient, template_id: int, slug: str = "marl") -> Any:
    data = {"csrf_token": token(client, f"/{slug}/reports/run"), "template": template_id, **PARAMS}
    return client.post(f"/{slug}/reports/run/publish", data=data)


def copy(client: FlaskClient, template_id: int, slug: str = "marl") -> Any:
    return client.post(
        f"/{slug}/reports/templates/{template_id}/copy",
        data={"csrf_token": token(client, f"/{slug}/reports/run")},
    )


def local_variants(slug: str = "marl") -> list[ReportTemplate]:
    with all_tenants():
        rows = (
            db.session.execute(
                select(ReportTemplate).where(ReportTemplate.tenant_id == tenant(slug).id)
            )
            .scalars()
            .all()
        )
    db.session.rollback()
    return list(rows)


def platform_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "platform@sozialraum.example", "platform").status_code == 302
    return client


def bump_figure(delta: float) -> None:
    """Change one stored figure of Marl: residential cases running at the end of 2024."""
    with tenant_scope(tenant("marl")):
        metric_id = db.session.execute(
            select(Metric.id).where(Metric.code == "HZE_RUN_34", Metric.tenant_id.is_(None))
        ).scalar_one()
        area_id = db.session.execute(select(Area.id).where(Area.code == "14")).scalar_one()
        figure = db.session.execute(
            select(FigureValue).where(
                FigureValue.metric_id == metric_id,
                FigureValue.area_id == area_id,
                FigureValue.period == "2024-12",
            )
        ).scalar_one()
        figure.value += delta
        db.session.commit()


def test_index_lists_shared_templates_and_run_page(client: FlaskClient, auth: Any) -> None:
    auth("viewer", "marl")
    html = client.get("/marl/reports/").get_data(as_text=True)
    for title in (
        "Jahresbericht Sozialraumarbeit",
        "Entwicklung der Hilfen zur Erziehung",
        "Kosten der Hilfen",
        "Sozialraumprofil",
    ):
        assert title in html
    assert "/copy" not in html  # a viewer cannot copy or publish
    assert "/reports/run" not in html  # … nor run a report on the current data
    template = shared(HZE)
    assert client.get(f"/marl/reports/run?template={template.id}").status_code == 403
    auth("coordinator", "marl")
    page = client.get(f"/marl/reports/run?template={template.id}")
    assert page.status_code == 200
    assert client.get("/marl/reports/run").status_code == 200
    assert (
        client.get(f"/marl/reports/run?template={template.id}&from=2024&to=2015").status_code == 400
    )
    assert client.get(f"/marl/reports/run?template={template.id}&from=x").status_code == 400
    assert client.get("/marl/reports/run?template=999999").status_code == 404
    assert client.get(f"/marl/reports/run/export.doc?template={template.id}").status_code == 404


def test_publishing_freezes_the_numbers(
    app: Flask, client: FlaskClient, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = shared(HZE)
    auth("coordinator", "marl")
    response = publish(client, template.id)
    assert response.status_code == 302
    report_id = int(re.search(r"/published/(\d+)", response.headers["Location"]).group(1))
    url = f"/marl/reports/published/{report_id}"
    frozen_page = client.get(url).get_data(as_text=True)
    frozen_csv = client.get(f"{url}/export.csv").get_data()
    live_before = client.get(
        f"/marl/reports/run?template={template.id}&from=2015&to=2024&level=stadtteil"
    ).get_data(as_text=True)
    assert html_numbers(frozen_page) == html_numbers(live_before)

    with tenant_scope(tenant("marl")):
        stored = db.session.execute(
            select(PublishedReport).where(PublishedReport.id == report_id)
        ).scalar_one()
        assert (stored.template_code, stored.template_version) == (HZE, 1)
        assert stored.params["from"] == 2015 and stored.params["to"] == 2024
        assert stored.snapshot["sections"] and stored.published_by is not None
    db.session.rollback()

    bump_figure(50)
    live_after = client.get(
        f"/marl/reports/run?template={template.id}&from=2015&to=2024&level=stadtteil"
    ).get_data(as_text=True)
    assert html_numbers(live_after) != html_numbers(live_before)

    # the snapshot is rendered from what was stored, never recomputed
    def no_recompute(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a published report must not be recomputed")

    monkeypatch.setattr("saas.reports.operations.run_report", no_recompute)
    monkeypatch.setattr("saas.reports.builder.compute", no_recompute)
    again = client.get(url)
    assert again.status_code == 200
    assert html_numbers(again.get_data(as_text=True)) == html_numbers(frozen_page)
    assert client.get(f"{url}/export.csv").get_data() == frozen_csv
    assert client.get(f"{url}/export.pdf").status_code == 200
    assert f"/marl/reports/published/{report_id}" in client.get("/marl/reports/").get_data(
        as_text=True
    )


def test_local_copy_edit_and_newer_version_notice(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    template = shared(HZE)
    auth("admin", "marl")
    response = copy(client, template.id)
    assert response.status_code == 302
    (variant,) = local_variants()
    assert (variant.code, variant.based_on_code, variant.based_on_version) == (
        f"{HZE}-lokal",
        HZE,
        1,
    )
    assert variant.definition == ENTWICKLUNG_HZE["definition"]
    assert response.headers["Location"].endswith(f"/marl/reports/templates/{variant.id}/edit")
    index = client.get("/marl/reports/").get_data(as_text=True)
    assert "newer-version" not in index

    # edit: invalid JSON is refused with line and column, nothing saved
    edit_url = f"/marl/reports/templates/{variant.id}/edit"
    form = client.get(edit_url).get_data(as_text=True)
    stamp = re.search(r'name="stamp" type="hidden" value="([^"]*)"', form).group(1)
    base = {
        "csrf_token": csrf_token(client, edit_url),
        "stamp": stamp,
        "title_de": "Unser HzE-Bericht",
        "title_en": "Our HzE report",
        "description": "",
    }
    bad = client.post(edit_url, data={**base, "definition": '{"sections": [}'})
    assert bad.status_code == 400 and "Kein gültiges JSON (Zeile 1" in bad.get_data(as_text=True)
    unknown = client.post(
        edit_url,
        data={
            **base,
            "definition": dump(
                {"sections": [{"type": "table", "title_de": "X", "indicators": ["NOPE"]}]}
            ),
        },
    )
    assert unknown.status_code == 400
    assert "unbekannter Kennzahlcode „NOPE“" in unknown.get_data(as_text=True)
    assert local_variants()[0].title_de != "Unser HzE-Bericht"
    definition = {
        "sections": [
            {"type": "kpis", "title_de": "Nur Kacheln", "indicators": ["HZE_CASES", "HZE_ECKWERT"]}
        ]
    }
    ok = client.post(edit_url, data={**base, "definition": dump(definition)})
    assert ok.status_code == 302
    (saved,) = local_variants()
    assert saved.title_de == "Unser HzE-Bericht" and saved.definition == definition
    page = client.get(f"/marl/reports/run?template={variant.id}").get_data(as_text=True)
    assert "Nur Kacheln" in page and "Unser HzE-Bericht" in page
    # a second save with the old stamp is a conflict: nothing is overwritten
    stale = client.post(
        edit_url, data={**base, "title_de": "Überschrieben?", "definition": dump(definition)}
    )
    assert stale.status_code == 409
    assert local_variants()[0].title_de == "Unser HzE-Bericht"

    # the platform saves version 2 → the tenant sees the notice on the list and the run page
    admin = platform_client(app)
    new_url = f"/platform/report-templates/{template.id}/new-version"
    form = admin.get(new_url).get_data(as_text=True)
    assert "Entwicklung der Hilfen zur Erziehung" in form
    response = admin.post(
        new_url,
        data={
            "csrf_token": csrf_token(admin, new_url),
            "stamp": "1",
            "title_de": "Entwicklung der Hilfen zur Erziehung",
            "title_en": "HzE development",
            "description": "v2",
            "definition": dump(ENTWICKLUNG_HZE["definition"]),
        },
    )
    assert response.status_code == 302
    index = client.get("/marl/reports/").get_data(as_text=True)
    assert "newer-version" in index
    page = client.get(f"/marl/reports/run?template={variant.id}").get_data(as_text=True)
    newest = shared(HZE)
    assert newest.version == 2
    assert "newer-version" in page and f"template={newest.id}&amp;from=2015" in page
    # the shared list offers the latest version only
    assert f"/marl/reports/run?template={newest.id}" in index
    assert f'/marl/reports/run?template={template.id}"' not in index

    # archiving the local variant hides it
    archive = client.post(
        f"/marl/reports/templates/{variant.id}/archive",
        data={"csrf_token": csrf_token(client, "/marl/reports/")},
    )
    assert archive.status_code == 302
    assert f"template={variant.id}" not in client.get("/marl/reports/").get_data(as_text=True)
    assert client.get(f"/marl/reports/run?template={variant.id}").status_code == 404


def test_platform_versions_new_templates_and_archive(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    template = shared("kosten-der-hilfen")
    admin = platform_client(app)
    listing = admin.get("/platform/report-templates/").get_data(as_text=True)
    assert listing.count("/platform/report-templates/") >= 4
    assert admin.get(f"/platform/report-templates/{template.id}").status_code == 200
    new_url = f"/platform/report-templates/{template.id}/new-version"
    data = {
        "csrf_token": csrf_token(admin, new_url),
        "stamp": "1",
        "title_de": "Kosten",
        "title_en": "Cost",
        "description": "",
        "definition": "[]",
    }
    invalid = admin.post(new_url, data=data)
    assert invalid.status_code == 400 and "muss ein JSON-Objekt" in invalid.get_data(as_text=True)
    data["definition"] = dump(template.definition)
    assert admin.post(new_url, data=data).status_code == 302
    assert admin.post(new_url, data=data).status_code == 409  # started from version 1 again
    with all_tenants():
        versions = sorted(
            db.session.execute(
                select(ReportTemplate.version, ReportTemplate.title_de).where(
                    ReportTemplate.code == "kosten-der-hilfen"
                )
            ).all()
        )
    db.session.rollback()
    assert versions == [(1, "Kosten der Hilfen"), (2, "Kosten")]

    # a brand-new shared template; its code must be unused
    new = "/platform/report-templates/new"
    data = {
        "csrf_token": csrf_token(admin, new),
        "code": "mein-bericht",
        "title_de": "Mein Bericht",
        "title_en": "",
        "description": "",
        "definition": dump(
            {"sections": [{"type": "text", "title_de": "Hallo", "text_de": "Text"}]}
        ),
    }
    assert admin.post(new, data=data).status_code == 302
    assert admin.post(new, data=data).status_code == 400
    auth("coordinator", "marl")
    assert "Mein Bericht" in client.get("/marl/reports/").get_data(as_text=True)

    # archiving hides every version from the tenants
    latest = shared("kosten-der-hilfen")
    archive = admin.post(
        f"/platform/report-templates/{latest.id}/archive",
        data={"csrf_token": csrf_token(admin, new)},
    )
    assert archive.status_code == 302
    assert f"template={latest.id}" not in client.get("/marl/reports/").get_data(as_text=True)
    assert client.get(f"/marl/reports/run?template={latest.id}").status_code == 404
    assert (
        admin.post(
            f"/platform/report-templates/{latest.id}/restore",
            data={"csrf_token": csrf_token(admin, new)},
        ).status_code
        == 302
    )
    assert client.get(f"/marl/reports/run?template={latest.id}").status_code == 200


def test_platform_pages_need_platform_rights(client: FlaskClient, auth: Any) -> None:
    template = shared(HZE)
    auth("admin", "marl")
    for url in (
        "/platform/report-templates/",
        f"/platform/report-templates/{template.id}",
        f"/platform/report-templates/{template.id}/new-version",
    ):
        assert client.get(url).status_code == 403


def test_other_tenants_objects_answer_404(app: Flask, client: FlaskClient, auth: Any) -> None:
    template = shared(HZE)
    auth("admin", "marl")
    publish(client, template.id)
    copy(client, template.id)
    (variant,) = local_variants()
    with tenant_scope(tenant("marl")):
        report_id = db.session.execute(select(PublishedReport.id)).scalar_one()
    db.session.rollback()

    hamm = app.test_client()
    assert login(hamm, "admin@hamm.example", "hamm").status_code == 302
    csrf = csrf_token(hamm, "/hamm/reports/run")
    for url in (
        f"/hamm/reports/published/{report_id}",
        f"/hamm/reports/published/{report_id}/export.pdf",
        f"/hamm/reports/run?template={variant.id}",
        f"/hamm/reports/run/export.csv?template={variant.id}",
        f"/hamm/reports/templates/{variant.id}/edit",
    ):
        assert hamm.get(url).status_code == 404, url
    for url in (
        f"/hamm/reports/templates/{variant.id}/copy",
        f"/hamm/reports/templates/{variant.id}/archive",
    ):
        assert hamm.post(url, data={"csrf_token": csrf}).status_code == 404, url
    assert (
        hamm.post(
            "/hamm/reports/run/publish", data={"csrf_token": csrf, "template": variant.id, **PARAMS}
        ).status_code
        == 404
    )
    index = hamm.get("/hamm/reports/").get_data(as_text=True)
    assert variant.title_de not in index and f"published/{report_id}" not in index
    # a shared template's id is not editable as a local variant
    assert hamm.get(f"/hamm/reports/templates/{template.id}/edit").status_code == 404
    assert local_variants("hamm") == []


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_readers_can_view_but_not_publish(client: FlaskClient, auth: Any, role: str) -> None:
    """Viewers and staff read the list and the published snapshots; running a report on the
    current data needs ``reports.run`` (coordinators, tenant admins), as the role map says."""
    template = shared("sozialraumprofil")
    auth(role, "marl")
    assert client.get("/marl/reports/").status_code == 200
    assert client.get(f"/marl/reports/run?template={template.id}").status_code == 403
    assert client.get(f"/marl/reports/run/export.xlsx?template={template.id}").status_code == 403
    csrf = csrf_token(client, "/marl/reports/")  # the language switch carries a token
    assert (
        client.post(
            "/marl/reports/run/publish",
            data={"csrf_token": csrf, "template": template.id, **PARAMS},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/marl/reports/templates/{template.id}/copy", data={"csrf_token": csrf}
        ).status_code
        == 403
    )
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(PublishedReport.id)).first() is None
    db.session.rollback()
    assert local_variants() == []


def test_a_broken_stored_definition_is_reported_not_crashed(client: FlaskClient, auth: Any) -> None:
    template = shared("sozialraumprofil")
    with all_tenants():
        row = db.session.execute(
            select(ReportTemplate).where(ReportTemplate.id == template.id)
        ).scalar_one()
        row.definition = {"sections": [{"type": "pie", "title_de": "Kaputt"}]}
        db.session.commit()
    auth("coordinator", "marl")
    page = client.get(f"/marl/reports/run?template={template.id}")
    assert page.status_code == 400 and "unbekannter Typ „pie“" in page.get_data(as_text=True)
    assert client.get(f"/marl/reports/run/export.pdf?template={template.id}").status_code == 400


def test_a_key_in_the_wrong_section_type_is_a_message_not_a_500(
    client: FlaskClient, auth: Any
) -> None:
    """Regression: ``level`` in a text section made ``err()`` receive ``key`` twice (500)."""
    auth("admin", "marl")
    copy(client, shared(HZE).id)
    (variant,) = local_variants()
    edit_url = f"/marl/reports/templates/{variant.id}/edit"
    form = client.get(edit_url).get_data(as_text=True)
    stamp = re.search(r'name="stamp" type="hidden" value="([^"]*)"', form).group(1)
    wrong = {"sections": [{"type": "text", "title_de": "T", "text_de": "x", "level": "a"}]}
    data = {
        "csrf_token": csrf_token(client, edit_url),
        "stamp": stamp,
        "title_de": "Falsch",
        "title_en": "",
        "description": "",
        "definition": dump(wrong),
    }
    response = client.post(edit_url, data=data)
    assert response.status_code == 400
    german = response.get_data(as_text=True)
    assert "„level“ gehört nicht in einen Abschnitt vom Typ „text“" in german
    switch(client, "en", edit_url)
    english = client.post(edit_url, data=data).get_data(as_text=True)
    assert "Section 1: “level” does not belong in a section of type “text”" in unescape(english)
    assert local_variants()[0].title_de != "Falsch"
