"""Control characters are refused where the wizard takes text that is not a form field:
the areas CSV and an uploaded profile — in the language of the page, nothing written."""

from __future__ import annotations

import io
from html import unescape

from sqlalchemy import func, select

from saas.areas.models import Area
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.tenants.models import Tenant
from tests.core.test_i18n import switch
from tests.platform.test_onboarding import _start


def test_a_cr_in_the_areas_csv_is_refused_row_by_row(auth, client):
    auth("platform", "platform")
    tenant_id, token = _start(client, "steuer")
    client.post(
        f"/platform/onboard/{tenant_id}/profile", data={"csrf_token": token, "source": "template"}
    )
    client.post(
        f"/platform/onboard/{tenant_id}/vocabulary",
        data={
            "csrf_token": token,
            "office": "Büro",
            "offices": "Büros",
            "area": "Gebiet",
            "areas": "Gebiete",
        },
    )
    bad = b'code;name;level\n01;"Mit\rte";Stadtteil\n0\t2;Nord;Stadtteil\n'
    url = f"/platform/onboard/{tenant_id}/areas"
    response = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(bad), "gebiete.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Zeile 2, Spalte name: Steuerzeichen" in html and "(U+000D)" in html
    assert "Zeile 3, Spalte code: Steuerzeichen" in html and "(U+0009)" in html
    with tenant_scope(tenant_id):
        assert db.session.execute(select(func.count()).select_from(Area)).scalar() == 0
    switch(client, "en", url)
    response = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(bad), "gebiete.csv")},
        content_type="multipart/form-data",
    )
    html = unescape(response.get_data(as_text=True))
    assert "Row 2, column name: control characters such as line breaks or tabs" in html


def test_a_control_character_in_an_uploaded_profile_is_refused(auth, client):
    auth("platform", "platform")
    tenant_id, token = _start(client, "steuer-profil")
    profile = (
        'profile_version: "1"\nslug: steuer-profil\nname: "Stadt\\rX"\ndefault_locale: de\n'
        'vocabulary: {office: "B\\u00fcro\\t", offices: Büros, area: Gebiet, areas: Gebiete}\n'
    )

    def upload():  # noqa: ANN202
        return client.post(
            f"/platform/onboard/{tenant_id}/profile",
            data={
                "csrf_token": token,
                "source": "upload",
                "files": [(io.BytesIO(profile.encode()), "tenant.yaml")],
            },
            content_type="multipart/form-data",
        )

    response = upload()
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "tenant.yaml:3: name: Steuerzeichen wie Zeilenumbrüche" in html
    assert "vocabulary.office: Steuerzeichen" in html and "(U+0009)" in html
    switch(client, "en", f"/platform/onboard/{tenant_id}/profile")
    html = unescape(upload().get_data(as_text=True))
    assert "tenant.yaml:3: name: control characters such as line breaks or tabs" in html
    with all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.id == tenant_id)).scalar_one()
        assert "\r" not in tenant.name and tenant.word("office") != "Büro\t"
