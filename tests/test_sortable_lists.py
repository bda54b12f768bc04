"""The activity log, the user list, the principles and the report templates sort by their
column headers as the configuration lists do: ``?sort=key`` / ``?sort=-key``, links that work
without JavaScript, ``aria-sort`` on the sorted column, filters kept, unknown keys ignored."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from saas.activities.models import Activity
from saas.core.db import db, utcnow
from saas.core.tenancy import all_tenants, tenant_scope
from saas.offerings.models import Offering
from saas.offices.models import Office
from tests.conftest import tenant

UNKNOWN = ("password", "-", "--date", "__class__", "note", "-tenant_id", "1;drop")


def body(html: str, table: int = 0) -> str:
    return html.split("<tbody>")[table + 1].split("</tbody>")[0]


def header(html: str, label: str) -> str:
    """The ``<th>`` of the column called ``label``."""
    for th in re.findall(r"<th scope=\"col\".*?</th>", html, re.S):
        if re.search(rf">{re.escape(label)}<", th):
            return unescape(th)
    raise AssertionError(f"no column header {label!r}")


# -- the activity log ------------------------------------------------------------------------


@pytest.fixture
def logged(app: Flask) -> dict[str, int]:
    """Three activities of two new offices, their ids by name."""
    with tenant_scope(tenant("marl")):
        alpha = Office(code="zzsort-a", name="Alpha-Sortierbüro")
        omega = Office(code="zzsort-o", name="Omega-Sortierbüro")
        db.session.add_all([alpha, omega])
        db.session.flush()
        club = Offering(code="zzsort-club", name="Sortierclub", office_id=alpha.id)
        db.session.add(club)
        db.session.flush()
        rows = {
            # newest; an event ("Veranstaltung"), one participant, no offering
            "a1": Activity(date=date(2024, 3, 1), office_id=omega.id, kind="event", p_0_5=1),
            # a network meeting ("Netzwerktreffen") with 30 people of the club's office
            "a2": Activity(
                date=date(2024, 2, 1),
                office_id=alpha.id,
                kind="network_meeting",
                offering_id=club.id,
                p_0_5=30,
            ),
            # oldest; outreach work ("Aufsuchende Arbeit"), seven people
            "a3": Activity(date=date(2024, 1, 1), office_id=omega.id, kind="outreach", p_0_5=7),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        ids = {name: row.id for name, row in rows.items()}
        ids["alpha"], ids["omega"] = alpha.id, omega.id
    return ids


def activity_order(html: str, ids: dict[str, int]) -> list[str]:
    """Which of the three activities the page lists, in its order."""
    names = {str(i): name for name, i in ids.items() if name.startswith("a")}
    if "<tbody>" not in html:
        return []
    shown = re.findall(r'href="/marl/activities/(\d+)"', body(html))
    return [names[i] for i in shown if i in names]


def log_page(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/marl/activities/{query}")
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


def test_the_activity_log_sorts_by_each_column(auth: Any, client: FlaskClient, logged) -> None:
    auth("admin", "marl")
    assert activity_order(log_page(client), logged) == ["a1", "a2", "a3"]  # newest first
    expected = {
        "date": ["a3", "a2", "a1"],
        "-date": ["a1", "a2", "a3"],
        "office": ["a2", "a1", "a3"],  # Alpha, then Omega (newest first within)
        "-office": ["a1", "a3", "a2"],
        # by the words shown, not the stored codes (event < network_meeting < outreach)
        "kind": ["a3", "a2", "a1"],  # Aufsuchende Arbeit, Netzwerktreffen, Veranstaltung
        "-kind": ["a1", "a2", "a3"],
        "offering": ["a1", "a3", "a2"],  # "–" (none) first, then Sortierclub
        "-offering": ["a2", "a1", "a3"],
        "participants": ["a1", "a3", "a2"],  # 1, 7, 30
        "-participants": ["a2", "a3", "a1"],
    }
    for sort, order in expected.items():
        assert activity_order(log_page(client, f"?sort={sort}"), logged) == order, sort


def test_the_activity_log_headers_are_links_with_aria_sort(
    auth: Any, client: FlaskClient, logged
) -> None:
    auth("admin", "marl")
    html = log_page(client)
    # the default order is the newest first, and the date header says so
    date_th = header(html, "Datum")
    assert 'aria-sort="descending"' in date_th and 'href="/marl/activities/?sort=date"' in date_th
    th = header(html, "Teilnehmende")
    assert "aria-sort" not in th and 'href="/marl/activities/?sort=participants"' in th
    assert 'class="num"' in th  # the number column keeps its alignment
    html = log_page(client, "?sort=participants")
    th = header(html, "Teilnehmende")
    assert 'aria-sort="ascending"' in th and "?sort=-participants" in th
    assert "aria-sort" not in header(html, "Datum")


def test_the_activity_log_keeps_filters_and_pages_with_the_order(
    auth: Any, client: FlaskClient, logged
) -> None:
    auth("admin", "marl")
    omega = logged["omega"]
    html = log_page(client, f"?office={omega}&sort=-participants&page=1")
    assert activity_order(html, logged) == ["a3", "a1"]  # the filter holds, a2 is Alpha's
    # sorting by another column keeps the filter and starts at page 1
    th = header(html, "Datum")
    assert f"office={omega}" in th and "sort=date" in th and "page=" not in th
    # the filter form sends the order along
    assert '<input type="hidden" name="sort" value="-participants">' in html
    # paging keeps filter and order (a page past the end is simply empty)
    html = log_page(client, f"?office={omega}&sort=participants&page=2")
    assert activity_order(html, logged) == []
    assert activity_order(log_page(client, f"?office={omega}&sort=participants"), logged) == [
        "a1",
        "a3",
    ]


def test_the_activity_log_ignores_unknown_sort_keys(auth: Any, client: FlaskClient, logged) -> None:
    auth("admin", "marl")
    for key in UNKNOWN:
        html = log_page(client, f"?sort={key}")
        assert activity_order(html, logged) == ["a1", "a2", "a3"], key
        assert '<input type="hidden" name="sort"' not in html


# -- the user list -----------------------------------------------------------------------------


@pytest.fixture
def people(app: Flask, create_user) -> dict[str, str]:
    """Three users of Marl, e-mail by name; the second is revoked."""
    marl = tenant("marl")
    # name, e-mail and role each order them differently
    create_user("c-sort@example.org", tenant_obj=marl, role="viewer", name="Berta Sortier")
    create_user("b-sort@example.org", tenant_obj=marl, role="staff", name="Anna Sortier")
    create_user("a-sort@example.org", tenant_obj=marl, role="coordinator", name="Carla Sortier")
    from sqlalchemy import select

    from saas.auth.models import Membership, User

    with tenant_scope(marl):
        user = db.session.execute(
            select(User).where(User.email == "b-sort@example.org")
        ).scalar_one()
        membership = db.session.execute(
            select(Membership).where(Membership.user_id == user.id)
        ).scalar_one()
        membership.revoked_at = utcnow()
        db.session.commit()
    return {"u1": "c-sort@example.org", "u2": "b-sort@example.org", "u3": "a-sort@example.org"}


def member_order(html: str, people: dict[str, str]) -> list[str]:
    names = {email: name for name, email in people.items()}
    return [names[e] for e in re.findall(r"[\w.+-]+@[\w.-]+", body(html)) if e in names]


def test_the_user_list_sorts_by_each_column(auth: Any, client: FlaskClient, people) -> None:
    auth("admin", "marl")
    html = client.get("/marl/members/").get_data(as_text=True)
    assert member_order(html, people) == ["u1", "u3", "u2"]  # active first, then revoked
    expected = {
        "name": ["u2", "u1", "u3"],  # Anna, Berta, Carla
        "-name": ["u3", "u1", "u2"],
        "email": ["u3", "u2", "u1"],
        "-email": ["u1", "u2", "u3"],
        # by the German words: Fachkraft, Koordination, Lesezugriff (codes would give u3 u2 u1)
        "role": ["u2", "u3", "u1"],
        "-role": ["u1", "u3", "u2"],
        "status": ["u1", "u3", "u2"],
        "-status": ["u2", "u1", "u3"],
    }
    for sort, order in expected.items():
        response = client.get(f"/marl/members/?sort={sort}")
        assert response.status_code == 200
        assert member_order(response.get_data(as_text=True), people) == order, sort
    html = client.get("/marl/members/?sort=email").get_data(as_text=True)
    th = header(html, "E-Mail")
    assert 'aria-sort="ascending"' in th and 'href="/marl/members/?sort=-email"' in th
    th = header(html, "Rolle")
    assert "aria-sort" not in th and 'href="/marl/members/?sort=role"' in th
    assert "<a" not in header(html, "Beschränkt auf")  # not a column one can sort by


def test_the_user_list_ignores_unknown_sort_keys(auth: Any, client: FlaskClient, people) -> None:
    auth("admin", "marl")
    for key in (*UNKNOWN, "password_hash", "user_id", "office_ids"):
        response = client.get(f"/marl/members/?sort={key}")
        assert response.status_code == 200, key
        assert member_order(response.get_data(as_text=True), people) == ["u1", "u3", "u2"], key


# -- principles --------------------------------------------------------------------------------


def principle_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/marl/principles/\d+">([^<]+)</a>', body(html))


def ordering_titles(html: str) -> list[str]:
    block = html.split('<ol class="ordering">')[1].split("</ol>")[0]
    return [t.strip() for t in re.findall(r"<li>([^<]+)", block)]


def test_the_principles_sort_by_title_but_their_order_stays_the_order(
    auth: Any, client: FlaskClient
) -> None:
    auth("admin", "marl")
    default = client.get("/marl/principles/").get_data(as_text=True)
    by_position = principle_titles(default)
    assert len(by_position) >= 3
    up = client.get("/marl/principles/?sort=title").get_data(as_text=True)
    down = client.get("/marl/principles/?sort=-title").get_data(as_text=True)
    assert principle_titles(up) == sorted(by_position, key=str.casefold) != by_position
    assert principle_titles(down) == principle_titles(up)[::-1]
    assert 'aria-sort="ascending"><a href="/marl/principles/?sort=-title">' in up
    # the list with "move up / down" is the order itself, whatever the table is sorted by
    assert ordering_titles(up) == ordering_titles(default) == by_position
    first = by_position[0]
    assert f"Nach oben: {first}" not in unescape(up)
    assert f"Nach oben: {by_position[1]}" in unescape(up)
    for key in UNKNOWN:
        response = client.get(f"/marl/principles/?sort={key}")
        assert response.status_code == 200
        assert principle_titles(response.get_data(as_text=True)) == by_position


# -- report templates (platform) ---------------------------------------------------------------


@pytest.fixture
def templates(app: Flask) -> None:
    """Two shared templates whose codes run the other way round from their titles."""
    from saas.reports.models import ReportTemplate

    definition = {"sections": [{"type": "text", "title_de": "T", "title_en": "T"}]}
    with all_tenants():
        for code, title, changed in (
            ("aaa-sortierprobe", "Zzz Sortierprobe", datetime(2020, 1, 1, tzinfo=UTC)),
            ("zzz-sortierprobe", "Aaa Sortierprobe", datetime(2021, 1, 1, tzinfo=UTC)),
        ):
            db.session.add(
                ReportTemplate(
                    code=code,
                    title_de=title,
                    title_en=title,
                    definition=definition,
                    created_at=changed,
                )
            )
        db.session.commit()


def template_codes(html: str) -> list[str]:
    return re.findall(r'<td data-label="[^"]*" translate="no">([^<]+)</td>', body(html))


def test_the_report_templates_sort_by_each_column(
    auth: Any, client: FlaskClient, templates
) -> None:
    auth("admin", "platform")
    default = template_codes(client.get("/platform/report-templates/").get_data(as_text=True))
    assert default.index("zzz-sortierprobe") < default.index("aaa-sortierprobe")  # by title

    def codes(query: str) -> list[str]:
        response = client.get(f"/platform/report-templates/{query}")
        assert response.status_code == 200, query
        return template_codes(response.get_data(as_text=True))

    assert codes("?sort=code") == sorted(default)
    assert codes("?sort=-code") == sorted(default, reverse=True)
    assert codes("?sort=title") == default
    assert codes("?sort=-title") == default[::-1]
    mine = ["aaa-sortierprobe", "zzz-sortierprobe"]
    changed = [c for c in codes("?sort=changed") if c in mine]
    assert changed == mine  # 2020 before 2021
    assert [c for c in codes("?sort=-changed") if c in mine] == mine[::-1]
    versions = codes("?sort=-version")
    assert versions and set(versions) == set(default)
    # archived templates shown: the header links keep showing them
    html = client.get("/platform/report-templates/?archived=1&sort=code").get_data(as_text=True)
    th = header(html, "Kürzel")
    assert 'aria-sort="ascending"' in th and "archived=1" in th and "sort=-code" in th
    for key in UNKNOWN:
        assert codes(f"?sort={key}") == default, key
