"""A race at save time is a conflict, never a 500: ten parallel saves of one record.

Every thread is its own client with its own request context and session, as ten browser
tabs of one user would be; all of them post an edit starting from the same version at the
same moment. Exactly one wins, the others see the conflict page (409).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from saas.carriers.models import Carrier
from saas.comparison.models import ComparisonRing
from saas.core.crud import linked_ids
from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offices.models import Office, OfficeArea
from saas.reports.definition import dump
from saas.reports.models import ReportTemplate
from tests.conftest import csrf_token, login, tenant

PARALLEL = 10


@dataclass
class Case:
    """One kind of record: who edits it, where, with which form."""

    email: str
    slug: str  # "platform" for the platform pages
    load: Callable[[], Any]  # the record as stored before the race
    url: Callable[[Any], str]
    form: Callable[[Any, int], dict[str, Any]]
    version: Callable[[Any], int]  # the version the edits start from / that must have moved


def _first(model: type[Any], slug: str | None = "marl") -> Any:
    if slug is None:
        with all_tenants():
            return db.session.execute(select(model).order_by(model.id)).scalars().first()
    with tenant_scope(tenant(slug)):
        return db.session.execute(select(model).order_by(model.id)).scalars().first()


def _office_form(obj: Any, n: int) -> dict[str, Any]:
    with tenant_scope(tenant("marl")):
        areas = linked_ids(OfficeArea, "office_id", obj.id, "area_id")
    return {
        "code": obj.code,
        "name": f"Büro {n}",
        "address": obj.address,
        "postal_code": obj.postal_code,
        "city": obj.city,
        "area_ids": [str(a) for a in areas[: 1 + n % max(len(areas), 1)]],
        "carrier_ids": [],
        "notes": f"Notiz {n}",
    }


def _shared_template() -> ReportTemplate:
    with all_tenants():
        return (
            db.session.execute(
                select(ReportTemplate)
                .where(
                    ReportTemplate.tenant_id.is_(None), ReportTemplate.code == "kosten-der-hilfen"
                )
                .order_by(ReportTemplate.version)
            )
            .scalars()
            .first()
        )


def _max_template_version() -> int:
    with all_tenants():
        return max(
            db.session.execute(
                select(ReportTemplate.version).where(
                    ReportTemplate.tenant_id.is_(None), ReportTemplate.code == "kosten-der-hilfen"
                )
            ).scalars()
        )


CASES: dict[str, Case] = {
    "carriers": Case(
        "admin@marl.example",
        "marl",
        lambda: _first(Carrier),
        lambda obj: f"/marl/carriers/{obj.id}/edit",
        lambda obj, n: {
            "code": obj.code,
            "name": f"Träger {n}",
            "type": obj.type,
            "website": "",
            "notes": "",
        },
        lambda obj: obj.version,
    ),
    # link rows: the edit queries while it changes (autoflush used to raise, a 500)
    "offices": Case(
        "admin@marl.example",
        "marl",
        lambda: _first(Office),
        lambda obj: f"/marl/offices/{obj.id}/edit",
        _office_form,
        lambda obj: obj.version,
    ),
    "settings": Case(
        "admin@marl.example",
        "marl",
        lambda: tenant("marl"),
        lambda _obj: "/marl/settings/",
        lambda obj, n: {
            "name": f"Stadt Marl {n}",
            "default_locale": "de",
            "office": "Büro",
            "offices": "Büros",
            "area": "Bezirk",
            "areas": "Bezirke",
        },
        lambda obj: obj.version,
    ),
    "rings": Case(
        "platform@sozialraum.example",
        "platform",
        lambda: _first(ComparisonRing, None),
        lambda obj: f"/platform/rings/{obj.id}/edit",
        lambda obj, n: {"code": obj.code, "name": f"Ring {n}", "description": ""},
        lambda obj: obj.version,
    ),
    # a new row per version: the unique key of shared versions settles the race
    "report template versions": Case(
        "platform@sozialraum.example",
        "platform",
        _shared_template,
        lambda obj: f"/platform/report-templates/{obj.id}/new-version",
        lambda obj, n: {
            "title_de": f"Kosten {n}",
            "title_en": "Cost",
            "description": "",
            "definition": dump(obj.definition),
        },
        lambda _obj: _max_template_version(),
    ),
}


def parallel_saves(app: Flask, case: Case) -> tuple[Counter[int], int]:
    """(statuses of the ten posts, the version they all started from)."""
    obj = case.load()
    version, url = case.version(obj), case.url(obj)
    forms = [case.form(obj, n) for n in range(PARALLEL)]
    field = "stamp" if "report-templates" in url else "version"
    db.session.rollback()
    first = app.test_client()
    assert login(first, case.email, case.slug).status_code == 302
    token = csrf_token(first, url)
    cookie = first.get_cookie("session")
    assert cookie is not None
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def save(n: int) -> None:
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        data = {"csrf_token": token, field: str(version), **forms[n]}
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(url, data=data).status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return Counter(statuses), version


def assert_one_winner(case: Case, statuses: Counter[int], version: int) -> None:
    assert statuses == Counter({302: 1, 409: PARALLEL - 1}), statuses
    db.session.expire_all()
    assert case.version(case.load()) == version + 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_parallel_saves_on_postgres_one_wins_the_others_conflict(pg_app: Flask, name: str) -> None:
    assert_one_winner(CASES[name], *parallel_saves(pg_app, CASES[name]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_parallel_saves_on_sqlite_one_wins_the_others_conflict(app: Flask, name: str) -> None:
    assert_one_winner(CASES[name], *parallel_saves(app, CASES[name]))


# -- the conflict pages ---------------------------------------------------------------------


def test_stale_settings_show_both_versions_side_by_side(app: Flask, auth: Any, client: Any) -> None:
    auth("admin", "marl")
    marl = tenant("marl")
    stale = {
        "csrf_token": csrf_token(client, "/marl/settings/"),
        "version": str(marl.version),
        "name": "Stadt Marl (mein Name)",
        "default_locale": "de",
        "office": "Büro",
        "offices": "Büros",
        "area": "Bezirk",
        "areas": "Bezirke",
    }
    assert (
        client.post("/marl/settings/", data={**stale, "name": "Stadt Marl (zuerst)"}).status_code
        == 302
    )
    response = client.post("/marl/settings/", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Stadt Marl (mein Name)" in html and "Stadt Marl (zuerst)" in html
    db.session.expire_all()
    assert tenant("marl").name == "Stadt Marl (zuerst)"


def test_a_race_noticed_at_commit_answers_409_with_what_was_entered(
    app: Flask, auth: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database notices the race only at commit (after the page was rendered): the
    generic conflict page answers 409 and gives back what the user typed."""
    marl = tenant("marl")
    data = {
        "version": str(marl.version),
        "name": "Stadt Marl zeitgleich",
        "default_locale": "de",
        "office": "Quartiersbüro",
        "offices": "Quartiersbüros",
        "area": "Quartier",
        "areas": "Quartiere",
    }
    name = marl.name
    db.session.rollback()
    auth("admin", "marl")
    data["csrf_token"] = csrf_token(client, "/marl/settings/")

    def stale_commit() -> None:
        raise StaleDataError("UPDATE statement on table 'tenants' expected to update 1 row(s)")

    # the one scoped session of every app context: the request's commit point hits this
    monkeypatch.setattr(db.session, "commit", stale_commit)
    response = client.post("/marl/settings/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Stadt Marl zeitgleich" in html and "Quartiersbüros" in html
    assert "<code>csrf_token</code>" not in html and "<code>version</code>" not in html
    monkeypatch.undo()
    db.session.expire_all()
    assert tenant("marl").name == name  # nothing was stored


def test_an_edit_of_links_only_claims_a_version(app: Flask, auth: Any, client: Any) -> None:
    """Changing only which areas an office serves still bumps its version: a second edit
    from the old version is a conflict, not a silent overwrite of the links."""
    office = _first(Office)
    with tenant_scope(tenant("marl")):
        areas = [str(a) for a in linked_ids(OfficeArea, "office_id", office.id, "area_id")]
    assert areas
    columns = ("code", "name", "address", "postal_code", "city", "opening_hours", "phone")
    data: dict[str, Any] = {name: getattr(office, name) or "" for name in columns}
    data.update(
        email=office.email or "",
        opened_on=office.opened_on.isoformat() if office.opened_on else "",
        closed_on=office.closed_on.isoformat() if office.closed_on else "",
        notes=office.notes or "",
        area_ids=areas,
        carrier_ids=[],
        version=str(office.version),
    )
    version, office_id = office.version, office.id
    db.session.rollback()  # expires office: on PostgreSQL it cannot reload outside its tenant
    auth("admin", "marl")
    url = f"/marl/offices/{office_id}/edit"
    data["csrf_token"] = csrf_token(client, url)
    assert client.post(url, data={**data, "area_ids": []}).status_code == 302
    db.session.expire_all()
    assert _first(Office).version == version + 1
    assert client.post(url, data=data).status_code == 409
