"""Translations: complete and up-to-date catalogs, placeholders, locale selection, formatting."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, format_decimal
from sqlalchemy import select

from saas.auth.models import User
from saas.core.db import db
from saas.core.tenancy import all_tenants
from tests.conftest import csrf_token, login, tenant

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


@cache
def catalog(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


@cache
def extracted_ids() -> dict[str, str]:
    """Message ids in the source tree (as ``make extract`` sees them) → first location."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def entries(locale: str) -> list:  # noqa: ANN201
    return [message for message in catalog(locale) if message.id]


def strings(message) -> list[str]:  # noqa: ANN001
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def ids(message) -> list[str]:  # noqa: ANN001
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


# --- (a) German catalog complete and in step with the code ---------------------------------------


def test_extraction_finds_the_code_messages():
    found = extracted_ids()
    assert len(found) > 100
    assert "Sign in" in found  # a template
    assert "Tenant administrator" in found  # a lazy_gettext (_l) id


@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_message_in_the_code_is_in_the_catalog(locale):
    known = {
        message.id if isinstance(message.id, str) else message.id[0] for message in entries(locale)
    }
    absent = {msgid: where for msgid, where in extracted_ids().items() if msgid not in known}
    assert not absent, (
        f"{len(absent)} message id(s) missing from the {locale} catalog; run `make extract`, "
        f"then translate: {absent}"
    )


def test_german_catalog_is_complete():
    untranslated = [m.id for m in entries("de") if not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in entries("de") if "fuzzy" in m.flags]
    assert not untranslated, f"German translation missing for: {untranslated}"
    assert not fuzzy, f"fuzzy German translations: {fuzzy}"
    assert not catalog("de").fuzzy  # the header is not marked fuzzy either


def test_every_code_message_has_a_german_translation():
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in entries("de")
        if all(s.strip() for s in strings(m)) and "fuzzy" not in m.flags
    }
    missing = sorted(set(extracted_ids()) - translated)
    assert not missing, f"German translation missing for: {missing}"


# --- (b) placeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["de", "en"])
def test_placeholders_are_kept(locale):
    wrong = []
    for message in entries(locale):
        expected = sorted(PLACEHOLDER.findall(ids(message)[-1]))
        for text in strings(message):
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((message.id, text))
        if isinstance(message.id, (tuple, list)):
            assert sorted(PLACEHOLDER.findall(message.id[0])) == expected, message.id
    assert not wrong, f"placeholders differ in the {locale} catalog: {wrong}"


def test_placeholder_pattern():
    assert PLACEHOLDER.findall("%(thing)s was %(count)d, 100%") == ["thing", "count"]


# --- (c) English catalog complete ----------------------------------------------------------------


def test_english_catalog_is_complete():
    bad = [m.id for m in entries("en") if not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in entries("en") if "fuzzy" in m.flags]
    assert not bad, f"English translation missing for: {bad}"
    assert not fuzzy, f"fuzzy English translations: {fuzzy}"


def test_both_catalogs_hold_the_same_ids():
    assert {str(m.id) for m in entries("de")} == {str(m.id) for m in entries("en")}


# --- (d) locale selection in requests ------------------------------------------------------------


def page(client, url: str, **headers: str) -> str:  # noqa: ANN001
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def switch(client, locale: str, back_to: str):  # noqa: ANN001, ANN201
    response = client.post(
        "/lang",
        data={"locale": locale, "next": back_to, "csrf_token": csrf_token(client, back_to)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(back_to)
    return response


def test_login_page_is_german_by_default(client):
    html = page(client, "/marl/login")
    assert '<html lang="de">' in html
    assert "Anmelden" in html
    assert "Passwort" in html
    assert "Sign in" not in html
    assert 'value="en" lang="en">English</button>' in html  # the header switch offers English


def test_tenant_default_wins_over_accept_language(client):
    assert tenant("marl").default_locale == "de"
    html = page(client, "/marl/login", **{"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="de">' in html
    assert "Anmelden" in html


def test_tenant_default_english(client):
    with all_tenants():
        marl = tenant("marl")
        marl.default_locale = "en"
        db.session.commit()
    html = page(client, "/marl/login", **{"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Anmelden" not in html


def test_accept_language_decides_without_tenant(client):
    english = page(client, "/", **{"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english
    assert "Platform for social-space oriented youth welfare" in english
    german = page(client, "/", **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german
    assert "Plattform für sozialraumorientierte Jugendhilfe" in german
    unknown = page(client, "/", **{"Accept-Language": "fr-FR"})
    assert '<html lang="de">' in unknown


def test_header_switch_changes_language_and_back(client):
    switch(client, "en", "/marl/login")
    html = page(client, "/marl/login")
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Anmelden" not in html
    assert 'value="de" lang="de">Deutsch</button>' in html
    # the choice beats both the tenant default and the browser
    assert "Sign in" in page(client, "/marl/login", **{"Accept-Language": "de"})
    switch(client, "de", "/marl/login")
    html = page(client, "/marl/login", **{"Accept-Language": "en"})
    assert '<html lang="de">' in html
    assert "Anmelden" in html and "Sign in" not in html


def test_switch_ignores_unknown_locales(client):
    switch(client, "fr", "/marl/login")
    assert '<html lang="de">' in page(client, "/marl/login")


def test_logged_in_choice_is_saved(app, client, auth):
    auth("admin", "marl")
    assert "Abmelden" in page(client, "/marl/dashboard")
    switch(client, "en", "/marl/dashboard")
    html = page(client, "/marl/dashboard")
    assert '<html lang="en">' in html and "Sign out" in html
    with all_tenants():
        saved = db.session.execute(
            select(User.locale).where(User.email == "admin@marl.example")
        ).scalar_one()
    assert saved == "en"
    # a new browser without any session choice: the saved choice beats the tenant default
    other = app.test_client()
    assert login(other, "admin@marl.example", "marl").status_code == 302
    html = page(other, "/marl/dashboard", **{"Accept-Language": "de"})
    assert '<html lang="en">' in html and "Sign out" in html


# --- formatting ----------------------------------------------------------------------------------


def test_numbers_and_dates_follow_the_locale(app):
    number = app.jinja_env.filters["number"]
    date_filter = app.jinja_env.filters["date"]
    day = date(2026, 11, 21)
    with app.test_request_context("/"):
        with force_locale("de"):
            assert format_decimal(1234.5) == "1.234,5"
            assert number(1234.5) == "1.234,5"
            assert number(None) == ""
            assert date_filter(day) == "21.11.2026"
            assert date_filter(day, "short") == "21.11.26"
            assert format_date(day, "dd.MM.yyyy") == "21.11.2026"
            assert date_filter(None) == ""
        with force_locale("en"):
            assert format_decimal(1234.5) == "1,234.5"
            assert number(1234.5) == "1,234.5"
            assert date_filter(day) == "Nov 21, 2026"
            assert date_filter(day, "short") == "11/21/26"


def test_templates_format_per_locale(app):
    # variables, not literals: Jinja folds filters on constants once, at compile time
    template = app.jinja_env.from_string("{{ value|number }} {{ day|date }}")
    values = {"value": 1234.5, "day": date(2026, 11, 21)}
    with app.test_request_context("/"):
        with force_locale("de"):
            assert template.render(**values) == "1.234,5 21.11.2026"
        with force_locale("en"):
            assert template.render(**values) == "1,234.5 Nov 21, 2026"
