"""The one number formatter writes what Babel writes, fast."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from saas.core.formatting import format_day, format_fixed, language, plain_number, rounded


@given(
    value=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    decimals=st.integers(0, 3),
    locale=st.sampled_from(["de", "en", "de_DE", "en_GB"]),
    grouping=st.booleans(),
)
def test_format_fixed_writes_what_babel_writes(
    value: float, decimals: int, locale: str, grouping: bool
) -> None:
    number = rounded(value, decimals)
    assert number is not None
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    expected = format_decimal(number, pattern, locale=language(locale))
    assert format_fixed(number, decimals, locale, grouping=grouping) == expected
    assert format_fixed(float(number), decimals, locale, grouping=grouping) == expected


def test_signs_zero_and_plain_numbers() -> None:
    assert format_fixed(3.25, 1, "de", signed=True) == "+3.2".replace(".", ",")
    assert (
        format_fixed(-0.0, 1, "en") == "0.0" and format_fixed(Decimal("-0.00"), 2, "de") == "0,00"
    )
    assert format_fixed(1234567, 0, "de") == "1.234.567"
    assert (plain_number(5.0), plain_number(10.5), plain_number(1e-7)) == ("5", "10.5", "0.0000001")
    assert rounded(2.675, 2) == Decimal("2.68") and rounded(None, 2) is None
    assert format_day(date(2024, 3, 1), "de") == "01.03.2024"
    assert format_day(date(2024, 3, 1), "en") == "Mar 1, 2024" and format_day(None, "de") == ""


def test_months_and_money_in_german_and_english() -> None:
    """Issue 12: months read "November 2024" or "11/2024", never "2024-11"; amounts
    "388.849 €", never "388849 €"."""
    from saas.core.formatting import format_money, format_month

    assert format_month("2024-11", "de") == "November 2024"
    assert format_month("2024-03", "de") == "März 2024"
    assert format_month(date(2024, 3, 9), "en") == "March 2024"
    assert format_month("2024-11", "de", short=True) == "11/2024"
    assert (format_month("2024", "de"), format_month(None, "de")) == ("2024", "")
    assert format_month("2024-13", "de") == "2024-13"  # not a month: shown as it is
    assert format_money(388849, "de") == "388.849\u00a0€"
    assert format_money(388849.4, "en") == "€388,849"
    assert format_money(1234.5, "de", 2) == "1.234,50\u00a0€" and format_money(None, "de") == ""


def test_template_filters_write_german(app) -> None:  # noqa: ANN001
    from flask import render_template_string

    with app.test_request_context("/"):
        text = render_template_string(
            "{{ '2024-11'|month }}|{{ '2024-11'|month('short') }}|{{ 0.75|decimal(2) }}|"
            "{{ 388849|money }}|{{ 14038|number }}|{{ none|shown }}|{{ '2024-06-10'|shown }}"
        )
    assert text == "November 2024|11/2024|0,75|388.849\u00a0€|14.038|–|10.06.2024"
