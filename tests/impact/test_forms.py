"""Amounts in the cost form: German and English notation, non-negative, plausible."""

from __future__ import annotations

import pytest

from saas.impact.forms import parse_amount


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("60000", "de", 60_000.0),
        ("60.000", "de", 60_000.0),
        ("1.234,50", "de", 1_234.5),
        ("21600,5", "de", 21_600.5),
        (" 60.000 € ", "de", 60_000.0),
        ("0", "de", 0.0),
        ("", "de", None),
        ("60,000", "en", 60_000.0),
        ("1,234.50", "en", 1_234.5),
    ],
)
def test_valid_amounts(app, text, locale, expected):
    assert parse_amount(text, locale) == (expected, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "Der Betrag darf nicht negativ sein."),
        ("-1.000,00", "Der Betrag darf nicht negativ sein."),
        ("viel", "„viel“ ist keine Zahl."),
        ("1e5", "„1e5“ ist keine Zahl."),
        ("12.34.5", "ist keine Zahl"),
        ("2.000.000", "unplausibel hoch"),
    ],
)
def test_invalid_amounts_have_german_messages(app, text, message):
    value, error = parse_amount(text, "de")
    assert value is None
    assert message in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "The amount must not be negative."),
        ("viel", "“viel” is not a number."),
        ("2,000,000", "implausibly high"),
    ],
)
def test_invalid_amounts_have_english_messages_on_english_pages(app, text, message):
    value, error = parse_amount(text, "en")
    assert value is None
    assert message in error
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert message in parse_amount(text)[1]
