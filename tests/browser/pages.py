"""Every page of the app as a URL a browser can open: the url map with real demo objects.

:func:`resolve_pages` turns each GET route of ``app.url_map`` into one concrete path, filling
its URL parameters with objects of Marl's demo data (an office, an area, an offering, an
activity, a published report …). Routes that are not pages a person reads (downloads, the
health check, static files) are listed in :data:`SKIPPED` with the reason. A route that is
neither resolved nor skipped is reported by :func:`unresolved`, so a new page added anywhere
in the app is either checked by axe-core or skipped on purpose — never forgotten.

Objects are taken from the staff member's office where the model has one, so the local role
sees the same pages as the others instead of a 404. The few objects the demo data lacks (a
published report, a local report variant, an open invitation, a password reset, a
municipality in the onboarding wizard and one just through it) are made by :func:`prepare`
through the app's own forms, as a user would.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from saas.core.db import db
from saas.core.tenancy import all_tenants, tenant_scope
from tests.conftest import csrf_token, login, tenant

SLUG = "marl"
PLATFORM_EMAIL = "platform@sozialraum.example"
#: the sessions axe runs in: (name, e-mail, login slug); None = not signed in
SESSIONS: list[tuple[str, str | None, str]] = [
    ("public", None, SLUG),
    ("platform", PLATFORM_EMAIL, "platform"),
    ("admin", f"admin@{SLUG}.example", SLUG),
    ("coordinator", f"coordinator@{SLUG}.example", SLUG),
    ("staff", f"staff@{SLUG}.example", SLUG),
    ("viewer", f"viewer@{SLUG}.example", SLUG),
]

#: GET routes that are not checked, and why (every entry must still exist in the url map)
SKIPPED: dict[str, str] = {
    "static": "stylesheets and files, not pages",
    "site.healthz": "the health check for monitoring (JSON), not a page",
    "account.second_factor": (
        "only reachable halfway through a sign-in with a second factor; axe-checked there "
        "by tests/browser/test_second_factor.py"
    ),
    "figures.export": "download (CSV/XLSX file)",
    "reports.export": "download (CSV/XLSX/PDF/DOCX file)",
    "reports.published_export": "download (CSV/XLSX/PDF/DOCX file)",
    "comparison.export": "download (CSV/XLSX file)",
    "impact.export": "download (CSV/XLSX file)",
    "figures.import_batch": (
        "exists only after an upload; axe-checked with its preview and conflicts by "
        "tests/browser/test_import_preview.py"
    ),
    "jobs.show": (
        "exists only while a background job runs; followed by tests/browser/test_import_preview.py"
    ),
    "jobs.status": "the job page's progress as JSON, not a page",
    "reports.publish": (
        "the publish form needs a report run's parameters; axe-checked with them by "
        "tests/reports/test_browser.py"
    ),
    "jobs.download": "download (the file a job wrote)",
    "public.hsds_organization": "JSON (HSDS 3.0), validated against its schema in tests/public",
    "public.hsds_service": "JSON (HSDS 3.0), validated against its schema in tests/public",
    "public.hsds_service_at_location": (
        "JSON (HSDS 3.0), validated against its schema in tests/public"
    ),
    **{
        f"api.{name}": "JSON API, every answer validated against its OpenAPI document in tests/api"
        for name in (
            "openapi",
            "templates",
            "run_report",
            "job",
            "published_reports",
            "published_report",
        )
    },
}

#: more states of a page worth checking than its bare URL: endpoint → query strings
VARIANTS: dict[str, Callable[[Prepared], list[str]]] = {
    # a report with its charts and tables (the bare page only offers the templates)
    "reports.run": lambda p: [f"template={p.chart_template_id}&from=2015&to=2024"],
}

#: the month whose figures and activities the pages show (inside the generated demo data)
PERIOD = "2024-06"


@dataclass
class Prepared:
    """Objects made for the pages the demo data alone cannot show."""

    invitation_token: str = ""
    reset_token: str = ""
    published_report_id: int = 0
    local_template_id: int = 0
    chart_template_id: int = 0
    setup_tenant_id: int = 0
    #: a municipality the wizard has just finished: live, its first admin's invitation open
    onboarded_tenant_id: int = 0


@dataclass
class Page:
    """One URL to open: the route's endpoint and the path with its parameters filled in."""

    endpoint: str
    path: str


def get_routes(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def crud_of(app: Flask, endpoint: str) -> Any:
    """The :class:`saas.core.crud.Crud` behind a route, or None (its views are bound methods)."""
    from saas.core.crud import Crud

    owner = getattr(inspect.unwrap(app.view_functions[endpoint]), "__self__", None)
    return owner if isinstance(owner, Crud) else None


# -- demo objects ------------------------------------------------------------------------------


def _staff_membership() -> Any:
    from saas.auth.models import Membership, User

    return db.session.execute(
        select(Membership).join(User).where(User.email == f"staff@{SLUG}.example")
    ).scalar_one()


def _first(query: Any) -> Any:
    return db.session.execute(query.limit(1)).scalars().first()


def _office_id() -> int:
    """The staff member's office (every role of Marl may open it)."""
    return int(_staff_membership().office_ids[0])


def _area_id() -> int:
    from saas.areas.models import Area
    from saas.offices.models import OfficeArea

    return int(
        _first(
            select(Area.id)
            .join(OfficeArea, OfficeArea.area_id == Area.id)
            .where(OfficeArea.office_id == _office_id(), Area.archived_at.is_(None))
            .order_by(Area.code)
        )
    )


def _object_id(model: Any, criteria: Any = None) -> int | None:
    """The first live object of ``model`` (of the staff member's office, where it has one)."""
    query = select(model.id)
    if criteria is not None:
        query = query.where(criteria)
    if hasattr(model, "archived_at"):
        query = query.where(model.archived_at.is_(None))
    if model.__name__ == "Office":
        query = query.where(model.id == _office_id())
    elif hasattr(model, "office_id"):
        query = query.where(model.office_id == _office_id())
    return _first(query.order_by(model.id))


def _crud_object_id(crud: Any) -> int | None:
    return _object_id(crud.model, crud.criteria() if crud.criteria is not None else None)


def _activity_id() -> int:
    from saas.activities.models import Activity

    return int(
        _first(
            select(Activity.id)
            .where(Activity.office_id == _office_id())
            .order_by(Activity.date.desc(), Activity.id)
        )
    )


def _member_id() -> int:
    from saas.auth.models import Membership, User

    return int(
        _first(select(Membership.id).join(User).where(User.email == f"viewer@{SLUG}.example"))
    )


def _figure_value_id() -> int:
    from saas.figures.models import FigureValue

    return int(
        _first(
            select(FigureValue.id)
            .where(FigureValue.area_id == _area_id(), FigureValue.period == PERIOD)
            .order_by(FigureValue.id)
        )
    )


def _ring_id() -> int:
    from saas.comparison.models import RingParticipation

    return int(_first(select(RingParticipation.ring_id).order_by(RingParticipation.ring_id)))


def _shared_template_id(code: str = "entwicklung-hze") -> int:
    from saas.reports.store import latest_shared

    with all_tenants():
        return int(latest_shared()[code].id)


# -- preparing what the demo data lacks --------------------------------------------------------


def _signed_in(app: Flask, email: str, slug: str = SLUG) -> FlaskClient:
    client = app.test_client()
    response = login(client, email, slug)
    assert response.status_code == 302, f"sign-in of {email} failed"
    return client


def _post(client: FlaskClient, form_url: str, data: dict[str, Any], action: str = "") -> Any:
    data = {**data, "csrf_token": csrf_token(client, form_url)}
    return client.post(action or form_url, data=data)


class _FormDefaults(HTMLParser):
    """The values the first form in <main> would send unchanged (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.in_main = self.done = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self.in_main = True
        if not self.in_main or self.done or "name" not in a and tag != "option":
            return
        if tag == "input" and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.values.setdefault(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
        elif (
            tag == "option"
            and self._select
            and (self._select not in self.values or "selected" in a)
        ):
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.in_main:
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def _submit(client: FlaskClient, url: str, changes: dict[str, Any]) -> Any:
    """Send the page's form as it stands, with ``changes``: what a user filling in a few fields
    sends."""
    parser = _FormDefaults()
    parser.feed(client.get(url).get_data(as_text=True))
    return client.post(url, data={**parser.values, **changes})


def _id_in(location: str, pattern: str) -> int:
    match = re.search(pattern, location)
    assert match, f"no id in {location!r}"
    return int(match.group(1))


def prepare(app: Flask) -> Prepared:
    """Make, through the app's forms, the objects some pages need and the demo lacks."""
    from saas.auth.models import User
    from saas.auth.services import new_password_reset

    prepared = Prepared(chart_template_id=_shared_template_id())
    admin = _signed_in(app, f"admin@{SLUG}.example")
    # an open invitation: the invite page shows its link when no mail server is configured
    page = _post(
        admin, f"/{SLUG}/members/invite", {"email": "neu.a11y@example.org", "role": "viewer"}
    )
    match = re.search(r"/members/accept/([A-Za-z0-9_\-]+)", page.get_data(as_text=True))
    assert match, "the invite page shows no invitation link"
    prepared.invitation_token = match.group(1)
    # a published report (a snapshot) and a local variant of a shared template
    run = f"/{SLUG}/reports/run?template={prepared.chart_template_id}"
    response = _post(
        admin,
        run,
        {"template": prepared.chart_template_id, "from": 2015, "to": 2024},
        action=f"/{SLUG}/reports/run/publish",
    )
    prepared.published_report_id = _id_in(response.location, r"/published/(\d+)")
    response = _post(
        admin, run, {}, action=f"/{SLUG}/reports/templates/{prepared.chart_template_id}/copy"
    )
    prepared.local_template_id = _id_in(response.location, r"/templates/(\d+)/edit")
    # a metric of the municipality's own
    response = _submit(
        admin,
        f"/{SLUG}/metrics/new",
        {"code": "A11Y_EIGENE", "label_de": "Eigene Kennzahl", "label_en": "Own metric"},
    )
    assert response.status_code == 302, "the local metric was not created"
    # a municipality halfway through the onboarding wizard
    platform = _signed_in(app, PLATFORM_EMAIL, "platform")
    response = _post(
        platform,
        "/platform/onboard/",
        {"name": "Barrierefreiheit (Test)", "slug": "a11y-test", "default_locale": "de"},
    )
    prepared.setup_tenant_id = _id_in(response.location, r"/onboard/(\d+)/")
    # and one taken through every step: the page of its invitations (shown again, renewed)
    prepared.onboarded_tenant_id = _onboard(platform, "Einladung (Test)", "a11y-einladung")
    # a password reset link (sent by mail in production)
    with all_tenants():
        user = db.session.execute(
            select(User).where(User.email == f"viewer@{SLUG}.example")
        ).scalar_one()
        prepared.reset_token = new_password_reset(user)
        db.session.commit()
    return prepared


def _onboard(platform: FlaskClient, name: str, slug: str) -> int:
    """A municipality through the whole wizard (template profile, no areas, a first admin)."""
    response = _post(
        platform, "/platform/onboard/", {"name": name, "slug": slug, "default_locale": "de"}
    )
    tenant_id = _id_in(response.location, r"/onboard/(\d+)/")
    steps = [("profile", {"source": "template"}), ("areas", {"skip": "1"})]
    for step, data in steps:
        response = _post(platform, f"/platform/onboard/{tenant_id}/{step}", data)
        assert response.status_code == 302, f"wizard step {step} failed"
    response = _post(
        platform, f"/platform/onboard/{tenant_id}/admin", {"email": f"leitung@{slug}.example"}
    )
    assert response.status_code == 200, "the wizard's last step failed"
    assert "/members/accept/" in response.get_data(as_text=True), "no invitation link"
    return tenant_id


# -- resolving ---------------------------------------------------------------------------------


def value_of(app: Flask, rule: Rule, name: str, prepared: Prepared) -> Any:
    """A real value for the URL parameter ``name`` of ``rule``; None if there is none."""
    endpoint = rule.endpoint
    blueprint = endpoint.split(".")[0]
    simple: dict[str, Callable[[], Any]] = {
        "tenant_slug": lambda: SLUG,
        "office_id": _office_id,
        "area_id": _area_id,
        "period": lambda: PERIOD,
        "ring_id": _ring_id,
        "report_id": lambda: prepared.published_report_id,
        "tenant_id": lambda: (
            prepared.onboarded_tenant_id
            if endpoint == "onboarding.invitation"
            else prepared.setup_tenant_id
        ),
    }
    if name in simple:
        return simple[name]()
    if name in ("offering_id", "carrier_id"):  # e.g. the public directory's pages
        from saas.carriers.models import Carrier
        from saas.offerings.models import Offering

        return _object_id(Offering if name == "offering_id" else Carrier)
    if name == "activity_id":
        return _activity_id()
    if name == "public_id":  # the public directory: a published office or offering
        from saas.offerings.models import Offering
        from saas.offices.models import Office

        model = Offering if endpoint == "public.offering" else Office
        found = _first(select(model.public_id).where(model.public.is_(True)).order_by(model.id))
        return str(found) if found else None
    if name == "template_id":
        local = blueprint == "reports"  # the tenant's own variants; the platform's are shared
        return prepared.local_template_id if local else _shared_template_id()
    if name == "token":
        return {"members": prepared.invitation_token, "account": prepared.reset_token}.get(
            blueprint
        )
    if name == "object_id":
        crud = crud_of(app, endpoint)
        if crud is not None:
            return _crud_object_id(crud)
        by_endpoint: dict[str, Callable[[], int]] = {
            "activities": _activity_id,
            "members": _member_id,
            "figures": _figure_value_id,
        }
        return by_endpoint[blueprint]() if blueprint in by_endpoint else None
    return None


def resolve_pages(app: Flask, prepared: Prepared) -> tuple[list[Page], dict[str, str]]:
    """(pages to check, {endpoint: why it could not be resolved}) over the whole url map."""
    pages: list[Page] = []
    missing: dict[str, str] = {}
    with tenant_scope(tenant(SLUG)):
        for rule in get_routes(app):
            if rule.endpoint in SKIPPED:
                continue
            values = {name: value_of(app, rule, name, prepared) for name in rule.arguments}
            empty = sorted(name for name, value in values.items() if value in (None, "", 0))
            if empty:
                missing[rule.endpoint] = f"{rule.rule}: no value for {', '.join(empty)}"
                continue
            with app.test_request_context():
                from flask import url_for

                path = url_for(rule.endpoint, **values)
            pages.append(Page(rule.endpoint, path))
            for query in VARIANTS.get(rule.endpoint, lambda _p: [])(prepared):
                pages.append(Page(rule.endpoint, f"{path}?{query}"))
    db.session.rollback()
    return pages, missing


def unresolved(app: Flask, prepared: Prepared) -> Iterator[str]:
    """Every GET route neither resolved to a page nor skipped, and stale skip entries."""
    _pages, missing = resolve_pages(app, prepared)
    for endpoint, why in sorted(missing.items()):
        yield f"{endpoint} ({why})"
    endpoints = {rule.endpoint for rule in get_routes(app)}
    for endpoint in sorted(set(SKIPPED) - endpoints):
        yield f"{endpoint}: listed in SKIPPED but no such GET route"
