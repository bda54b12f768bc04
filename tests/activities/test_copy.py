"""Issue 12 §10: the activity form's copy says what happened, in the tenant's words."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.activities.test_activities import LAST_MONTH, post_activity
from tests.config.factories import seed_config_for_staff
from tests.conftest import tenant


@pytest.fixture
def marl(app):
    return seed_config_for_staff(tenant("marl"))


def _flash(client) -> str:
    html = client.get("/marl/activities/").get_data(as_text=True)
    return " ".join(re.findall(r'class="flash flash-success"[^>]*>([^<]+)<', html))


def test_save_and_show_the_list_says_saved_not_next_entry(client, auth, marl):
    """Regression: "Speichern und Liste anzeigen" promised a next entry with the same values."""
    auth("staff", "marl")
    response = post_activity(client, marl, then="list")
    assert response.status_code == 302 and response.headers["Location"].endswith("/activities/")
    message = _flash(client)
    assert message == "Die Tätigkeit wurde gespeichert."


def test_a_new_form_starts_today_not_on_the_last_entry_s_date(client, auth, marl):
    """Regression: the next activity opened prefilled with last week's date. A form opened
    anew is today's work; only the "next one" of a batch keeps the batch's date."""
    auth("staff", "marl")
    assert post_activity(client, marl, then="list").status_code == 302
    html = client.get("/marl/activities/new").get_data(as_text=True)
    assert f'value="{date.today().isoformat()}"' in html
    assert f'value="{LAST_MONTH.isoformat()}"' not in html
    # the other values of the last entry are still offered
    assert re.search(
        rf'<option selected value="{marl["office"].id}"|value="{marl["office"].id}" selected', html
    )


@pytest.mark.parametrize("typed", ["31.02.2024", "gestern", "2024-13-01"])
def test_an_invalid_date_is_called_invalid_not_missing(client, auth, marl, typed):
    """Regression: "Dieses Feld wird benötigt" for a date that was given but invalid."""
    auth("staff", "marl")
    response = post_activity(client, marl, date=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Das ist kein gültiges Datum" in html
    assert "benötigt" not in html and "erforderlich" not in html


def test_an_empty_date_asks_for_one_and_a_german_date_is_understood(client, auth, marl):
    auth("staff", "marl")
    response = post_activity(client, marl, date="")
    assert response.status_code == 400
    assert "Bitte geben Sie ein Datum ein." in response.get_data(as_text=True)
    typed = LAST_MONTH.strftime("%d.%m.%Y")
    assert post_activity(client, marl, date=typed).status_code == 302


def test_the_form_uses_the_tenant_s_words(client, auth, marl):
    """Regression: the form said "Büro" and "Gebiet"; Marl says Stadtteilbüro and Stadtteil."""
    auth("staff", "marl")
    html = client.get("/marl/activities/new").get_data(as_text=True)
    labels = re.findall(r'<label for="(?:office_id|area_id)">([^<]+)</label>', html)
    assert labels == ["Stadtteilbüro", "Stadtteil"]
