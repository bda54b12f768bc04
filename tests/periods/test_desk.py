"""The approval desk of key figures: opening period, groups, filters, hints, bulk approval."""

from __future__ import annotations

import re

from tests.conftest import csrf_token
from tests.periods.conftest import state_of

DESK = "/marl/figures/periods"


def group(html: str, state: str) -> str:
    """The markup of one state group of the desk (up to the next group or the table's end)."""
    rest = html.split(f'<tbody class="desk-group state-{state}">')[1]
    return re.split(r'<tbody class="desk-group|</table>\n</div>', rest)[0]


def test_opens_on_the_latest_month_with_data_not_the_empty_current_one(auth, client, marl, store):
    store(
        (marl["area"].id, "ION_COUNT", "2025-02", 3), (marl["area"].id, "ION_COUNT", "2025-03", 4)
    )
    auth("coordinator", "marl")
    html = client.get(DESK).get_data(as_text=True)
    assert "<h1>Freigabe der Kennzahlen: März 2025</h1>" in html, html[:3000]


def test_rows_are_grouped_by_state_with_the_submitted_ones_first(auth, client, marl, status):
    area, other = marl["area"], marl["other"]
    status("area", other["id"], "2023-05", "approved")
    status("area", area.id, "2023-05", "submitted")
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2023-05").get_data(as_text=True)
    groups = re.findall(r'<tbody class="desk-group state-(\w+)">', html)
    assert groups[0] == "submitted" and groups[-1] == "approved", groups
    assert groups.index("draft") < groups.index("approved")
    # the colour comes with the state's name as text
    submitted = group(html, "submitted")
    assert (
        area.name in submitted
        and '<span class="state state-submitted">Eingereicht</span>' in submitted
    )
    assert other["name"] not in submitted


def test_filter_by_state_area_and_office(auth, client, marl, status):
    area, other = marl["area"], marl["other"]
    status("area", area.id, "2023-05", "submitted")
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2023-05&state=submitted").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a></th>', html)
    assert rows == [str(area)], rows
    by_office = client.get(f"{DESK}?period=2023-05&office={marl['office'].id}").get_data(
        as_text=True
    )
    rows = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a></th>', by_office)
    assert rows == [str(area)], rows  # the office serves this one area
    by_area = client.get(f"{DESK}?period=2023-05&area={other['id']}").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a></th>', by_area)
    assert len(rows) == 1 and other["name"] in rows[0], rows


def test_previous_values_and_the_year_on_year_hint(auth, client, marl, store):
    area = marl["area"].id
    store(
        (area, "ION_COUNT", "2022-05", 40),
        (area, "ION_COUNT", "2023-04", 90),
        (area, "ION_COUNT", "2023-05", 100),
    )
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2023-05&area={area}").get_data(as_text=True)
    assert "+150 % gegenüber dem Vorjahr" in html, html
    row = re.search(r"<tr class=\"has-hint\">(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>([^<]+)</td>', row) == ["100", "90", "40"]
    assert "z-Wert" in html and "DHIS2" in html  # the help text names both rules


def test_approve_all_checked_asks_once_then_approves_every_row(auth, client, marl, status):
    area, other = marl["area"], marl["other"]
    status("area", area.id, "2023-05", "submitted")
    status("area", other["id"], "2023-05", "submitted")
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2023-05").get_data(as_text=True)
    keys = re.findall(r'name="row" value="([^"]+)" form="bulk"', html)
    assert len(keys) == 2, keys
    token = csrf_token(client, DESK)
    page = client.post(f"{DESK}/approve", data={"csrf_token": token, "row": keys})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "2 Zeilen jetzt freigeben" in text and area.name in text and other["name"] in text
    assert state_of("area", area.id, "2023-05") == "submitted"  # nothing happened yet
    done = client.post(f"{DESK}/approve", data={"csrf_token": token, "row": keys, "confirm": "1"})
    assert done.status_code == 302
    assert state_of("area", area.id, "2023-05") == "approved"
    assert state_of("area", other["id"], "2023-05") == "approved"


def test_one_refused_row_approves_none_and_says_which(auth, client, marl, status):
    area, other = marl["area"], marl["other"]
    status("area", area.id, "2023-05", "submitted")
    status("area", other["id"], "2023-05", "draft")  # not approvable
    auth("coordinator", "marl")
    token = csrf_token(client, DESK)
    html = client.get(f"{DESK}?period=2023-05").get_data(as_text=True)
    [key] = re.findall(r'name="row" value="([^"]+)" form="bulk"', html)
    stale = f"{other['id']}:2023-05:1"
    response = client.post(
        f"{DESK}/approve", data={"csrf_token": token, "row": [key, stale], "confirm": "1"}
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Es wurde nichts freigegeben" in text
    refused = re.search(r'<tr class="state-draft refused">(.*?)</tr>', text, re.S).group(1)
    assert other["name"] in refused and "Nicht möglich" in refused
    assert state_of("area", area.id, "2023-05") == "submitted"


def test_a_row_changed_since_the_desk_was_opened_is_refused(auth, client, marl, status):
    area = marl["area"]
    status("area", area.id, "2023-05", "submitted")
    auth("coordinator", "marl")
    token = csrf_token(client, DESK)
    response = client.post(
        f"{DESK}/approve",
        data={"csrf_token": token, "row": [f"{area.id}:2023-05:7"], "confirm": "1"},
    )
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in response.get_data(as_text=True)
    assert state_of("area", area.id, "2023-05") == "submitted"


def test_staff_cannot_approve_neither_single_nor_checked(auth, client, marl, status):
    area = marl["area"]
    status("area", area.id, "2023-05", "submitted")
    auth("staff", "marl")
    html = client.get(f"{DESK}?period=2023-05").get_data(as_text=True)
    assert 'form="bulk"' not in html and "Alle markierten freigeben" not in html
    token = csrf_token(client, DESK)
    key = f"{area.id}:2023-05:1"
    bulk = client.post(f"{DESK}/approve", data={"csrf_token": token, "row": key, "confirm": "1"})
    assert bulk.status_code == 403
    client.post(f"{DESK}/{area.id}/2023-05/approve", data={"csrf_token": token})
    assert state_of("area", area.id, "2023-05") == "submitted"


def test_scoped_staff_sees_only_the_areas_of_its_office(auth, client, marl):
    auth("staff", "marl")
    html = client.get(f"{DESK}?period=2023-05").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" class="name"><a href="[^"]+">([^<]+)</a></th>', html)
    assert str(marl["area"]) in rows and marl["other"]["name"] not in html, rows
    token = csrf_token(client, DESK)
    out = client.post(f"{DESK}/{marl['other']['id']}/2023-05/submit", data={"csrf_token": token})
    assert out.status_code == 404


def test_reopening_reason_is_shown_in_the_row_and_its_history(auth, client, marl, status):
    area = marl["area"]
    status("area", area.id, "2023-05", "submitted")
    auth("coordinator", "marl")
    token = csrf_token(client, DESK)
    base = f"{DESK}/{area.id}/2023-05"
    assert client.post(f"{base}/approve", data={"csrf_token": token}).status_code == 302
    client.post(f"{base}/reopen", data={"csrf_token": token, "reason": "Zahl HZE falsch"})
    assert state_of("area", area.id, "2023-05") == "reopened"
    html = client.get(f"{DESK}?period=2023-05&state=reopened").get_data(as_text=True)
    row = group(html, "reopened")
    assert "<strong>Begründung:</strong> Zahl HZE falsch" in row
    history = re.search(r'<details class="desk-history">(.*?)</details>', row, re.S).group(1)
    assert "Freigegeben → Wieder geöffnet – Begründung: Zahl HZE falsch" in history
    assert "Eingereicht → Freigegeben" in history


def test_completeness_names_who_has_not_submitted(auth, client, marl, status):
    area, other = marl["area"], marl["other"]
    status("area", area.id, "2023-05", "submitted")
    status("area", other["id"], "2023-04", "approved")
    auth("coordinator", "marl")
    html = client.get(f"{DESK}?period=2023-05").get_data(as_text=True)
    table = html.split('<table class="completeness cards">')[1].split("</table>")[0]
    may = re.search(r"Mai 2023</a></th>(.*?)</tr>", table, re.S).group(1)
    assert "1 von" in may and other["name"] in may and str(area) not in may
    april = re.search(r"April 2023</a></th>(.*?)</tr>", table, re.S).group(1)
    assert str(area) in april and other["name"] not in april


def test_staff_single_step_submit_still_works_and_returns_to_the_desk(auth, client, marl):
    area = marl["area"]
    auth("staff", "marl")
    token = csrf_token(client, DESK)
    response = client.post(
        f"{DESK}/{area.id}/2023-05/submit",
        data={"csrf_token": token, "next": f"{DESK}?period=2023-05"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("period=2023-05")
    assert state_of("area", area.id, "2023-05") == "submitted"


def test_the_desk_follows_the_english_ui(auth, client, marl, status, store):
    area = marl["area"].id
    store((area, "ION_COUNT", "2022-05", 40), (area, "ION_COUNT", "2023-05", 100))
    status("area", area, "2023-05", "submitted")
    auth("coordinator", "marl")
    token = csrf_token(client, DESK)
    client.post("/lang", data={"csrf_token": token, "locale": "en", "next": DESK})
    html = client.get(f"{DESK}?period=2023-05&area={area}").get_data(as_text=True)
    assert "<h1>Approval of key figures: May 2023</h1>" in html, html[:2000]
    assert "+150 % against the previous year" in html and "waiting for approval" in html
