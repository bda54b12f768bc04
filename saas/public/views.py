"""The public directory of a tenant under ``/<tenant_slug>/``: no login, read-only.

Start page, one page per office (with a printable flyer) and per offering, the offerings
list with its filters, "which office is mine", the legal pages, and the open data in
HSDS 3.0 under ``/<tenant_slug>/open-data/hsds/``. What is public is decided once, in
:mod:`saas.public.directory`; an object that is not listed answers 404 like one that never
existed.
"""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names
from flask import Blueprint, abort, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from saas.core.permissions import public
from saas.core.urls import external_url
from saas.offerings.models import Offering
from saas.offerings.schedule import parse_schedule
from saas.offices.models import Office
from saas.public import admin, texts
from saas.public.directory import (
    Directory,
    OfferingFilter,
    area_choices,
    areas_for_street,
    has_streets,
    load_directory,
    target_groups,
)
from saas.public.hsds import HSDS_VERSION, OPENAPI_URL, PROFILE_URL, HsdsView, page

bp = Blueprint("public", __name__, url_prefix="/<tenant_slug>", template_folder="templates")

PER_PAGE, MAX_PER_PAGE = 50, 200


def _int_arg(name: str, low: int, high: int) -> int | None:
    value = request.args.get(name, "").strip()
    if not value.isdigit() or not low <= int(value) <= high:
        return None
    return int(value)


def _office_or_404(directory: Directory, public_id: str) -> Office:
    office = next((o for o in directory.offices if o.public_id == public_id), None)
    if office is None:
        abort(404)
    return office


def _offering_or_404(directory: Directory, public_id: str) -> Offering:
    offering = next((o for o in directory.offerings if o.public_id == public_id), None)
    if offering is None:
        abort(404)
    return offering


def _weekdays() -> list[str]:
    names = get_day_names("wide", locale=str(get_locale() or "de"))
    return [names[i] for i in range(7)]


def _weekly(slots: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    """Weekly times as (day name, "09:00–12:00, 14:00–16:00"), one entry per day."""
    days = _weekdays()
    by_day: dict[int, list[str]] = {}
    for slot in sorted(slots or [], key=lambda s: (s["day"], s["start"])):
        by_day.setdefault(slot["day"], []).append(f"{slot['start']}–{slot['end']}")
    return [(days[day], ", ".join(times)) for day, times in by_day.items()]


def _opening_hours(office: Office) -> list[tuple[str, str]] | None:
    """The opening hours as weekly times when they are written so, else None (show the text)."""
    try:
        return _weekly(parse_schedule(office.opening_hours)) or None
    except ValueError:
        return None


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "weekly": _weekly,
        "weekdays": _weekdays,
        "opening_hours": _opening_hours,
        "legal_titles": texts.titles,
    }


# -- pages -------------------------------------------------------------------------------


@bp.route("/")
@public
def index() -> str:
    directory = load_directory()
    choices = area_choices(directory)
    return render_template(
        "public/index.html",
        directory=directory,
        choices=choices,
        streets=has_streets(choices),
    )


@bp.route("/directory/finder")
@public
def finder() -> str:
    """ "Welches Büro ist für mich da?": an area picked from the list, or a street searched."""
    directory = load_directory()
    choices = area_choices(directory)
    area_id = _int_arg("area", 1, 2**31)
    street = request.args.get("street", "").strip()[:100]
    if area_id is not None:
        matches = [c for c in choices if c.area.id == area_id]
    elif street:
        matches = areas_for_street(choices, street)
    else:
        matches = []
    return render_template(
        "public/finder.html",
        directory=directory,
        choices=choices,
        streets=has_streets(choices),
        matches=matches,
        area_id=area_id,
        street=street,
        asked=area_id is not None or bool(street),
    )


@bp.route("/directory/offices/<public_id>")
@public
def office(public_id: str) -> str:
    directory = load_directory()
    return render_template(
        "public/office.html", directory=directory, office=_office_or_404(directory, public_id)
    )


@bp.route("/directory/offices/<public_id>/flyer")
@public
def flyer(public_id: str) -> str:
    directory = load_directory()
    return render_template(
        "public/flyer.html",
        directory=directory,
        office=_office_or_404(directory, public_id),
        page_url=external_url("public.office", public_id=public_id),
    )


@bp.route("/directory/offerings/")
@public
def offerings() -> str:
    directory = load_directory()
    weekday = _int_arg("weekday", 0, 6)
    wanted = OfferingFilter(
        q=request.args.get("q", "").strip()[:100],
        target=request.args.get("target", "").strip()[:100],
        age=_int_arg("age", 0, 120),
        weekday=weekday,
        office=request.args.get("office", "").strip()[:36],
    )
    found = [o for o in directory.offerings if wanted.matches(o, directory)]
    return render_template(
        "public/offerings.html",
        directory=directory,
        wanted=wanted,
        found=found,
        targets=target_groups(directory.offerings),
        filtered=any(request.args.get(k) for k in ("q", "target", "age", "weekday", "office")),
    )


@bp.route("/directory/offerings/<public_id>")
@public
def offering(public_id: str) -> str:
    directory = load_directory()
    item = _offering_or_404(directory, public_id)
    return render_template(
        "public/offering.html",
        directory=directory,
        offering=item,
        office=directory.office(item.office_id),
        carrier=directory.carrier_of(item),
    )


@bp.route("/accessibility")
@public
def accessibility() -> str:
    return render_template("public/legal.html", page=texts.page("accessibility", g.tenant))


@bp.route("/imprint")
@public
def imprint() -> str:
    return render_template("public/legal.html", page=texts.page("imprint", g.tenant))


@bp.route("/privacy")
@public
def privacy() -> str:
    return render_template("public/legal.html", page=texts.page("privacy", g.tenant))


bp.add_url_rule("/settings/public", "texts", admin.texts, methods=["GET", "POST"])


# -- open data (HSDS 3.0) ----------------------------------------------------------------


def _hsds() -> HsdsView:
    endpoints = {"office": "public.office", "offering": "public.offering"}
    return HsdsView(
        g.tenant,
        load_directory(),
        lambda kind, public_id: external_url(endpoints[kind], public_id=public_id),
    )


def _missing() -> ResponseReturnValue:
    """HSDS clients read JSON, also when an id is unknown (or not public, or not this tenant's)."""
    return jsonify({"error": "not found"}), 404


def _paged(items: list[dict[str, Any]]) -> ResponseReturnValue:
    number = _int_arg("page", 1, 10**6) or 1
    size = _int_arg("per_page", 1, MAX_PER_PAGE) or PER_PAGE
    return jsonify(page(items, number, size))


def _searched(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """HSDS ``search``: the words in name or description; ``organization_id``: its services."""
    words = request.args.get("search", "").casefold().split()
    org = request.args.get("organization_id", "").strip()
    return [
        item
        for item in items
        if all(
            w in f"{item.get('name', '')} {item.get('description', '')}".casefold() for w in words
        )
        and (not org or item.get("organization_id", item.get("id")) == org)
    ]


@bp.route("/open-data/hsds/")
@public
def hsds_index() -> ResponseReturnValue:
    return jsonify(
        {
            "version": HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": OPENAPI_URL,
            "publisher": g.tenant.name,
            "services_url": external_url("public.hsds_services"),
            "organizations_url": external_url("public.hsds_organizations"),
            "service_at_locations_url": external_url("public.hsds_service_at_locations"),
        }
    )


@bp.route("/open-data/hsds/services")
@public
def hsds_services() -> ResponseReturnValue:
    view = _hsds()
    return _paged(_searched([view.service_item(o) for o in view.directory.offerings]))


@bp.route("/open-data/hsds/services/<public_id>")
@public
def hsds_service(public_id: str) -> ResponseReturnValue:
    view = _hsds()
    offering = next((o for o in view.directory.offerings if o.public_id == public_id), None)
    return jsonify(view.service_full(offering)) if offering else _missing()


@bp.route("/open-data/hsds/organizations")
@public
def hsds_organizations() -> ResponseReturnValue:
    return _paged(_searched(_hsds().organizations()))


@bp.route("/open-data/hsds/organizations/<public_id>")
@public
def hsds_organization(public_id: str) -> ResponseReturnValue:
    org = _hsds().organization_full(public_id)
    return jsonify(org) if org else _missing()


@bp.route("/open-data/hsds/service_at_locations")
@public
def hsds_service_at_locations() -> ResponseReturnValue:
    view = _hsds()
    postcode = request.args.get("postcode", "").strip()
    pairs = [
        (offering, office)
        for offering, office in view.at_location_pairs()
        if not postcode or office.postal_code == postcode
    ]
    items = []
    for offering, office in pairs:
        item = view.service_at_location_item(offering, office)
        item["name"] = offering.name  # for ``search``; removed below
        item["organization_id"] = view.organization_id(offering)
        items.append(item)
    found = _searched(items)
    for item in found:
        del item["name"], item["organization_id"]
    return _paged(found)


@bp.route("/open-data/hsds/service_at_locations/<public_id>")
@public
def hsds_service_at_location(public_id: str) -> ResponseReturnValue:
    view = _hsds()
    for offering, office in view.at_location_pairs():
        if view.at_location_id(offering, office) == public_id:
            return jsonify(view.service_at_location_full(offering, office))
    return _missing()
