"""The one number and date formatter: the locale's symbols and patterns come from Babel (CLDR).

The application speaks German and English; :func:`language` maps any locale to one of them.
Numbers are shown with a fixed number of decimals — :func:`format_fixed` is Python's
fixed-point format with the locale's group and decimal symbols, which writes what
``babel.numbers.format_decimal`` writes for a value already rounded to those decimals, at a
fraction of its cost (a report has thousands of cells). Values are rounded half-even once,
where they are computed (:func:`rounded`); formatting does not round again.

Pure: no Flask, no database — callers pass the locale (``flask_babel.get_locale()`` in a
request).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from babel.dates import format_date as _babel_date
from babel.numbers import get_decimal_symbol, get_group_symbol

LANGUAGES = ("de", "en")


def language(locale: Any) -> str:
    """The application's language for a locale: ``en`` for any English locale, else ``de``."""
    return "en" if str(locale or "de").lower().startswith("en") else "de"


@cache
def number_symbols(locale: str) -> dict[int, str]:
    """Python's ``,`` and ``.`` → the locale's group and decimal symbols (CLDR, via Babel)."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def format_fixed(
    value: float | int | Decimal,
    decimals: int,
    locale: Any,
    *,
    grouping: bool = True,
    signed: bool = False,
) -> str:
    """``1.234,5`` (de) or ``1,234.5`` (en) with ``decimals`` digits; ``+`` before positive
    numbers when ``signed``; no thousands separator without ``grouping`` (CSV). Never
    ``-0``."""
    if value == 0:
        value = 0.0 if not isinstance(value, Decimal) else Decimal(0)
    text = f"{value:{'+' if signed else '-'}{',' if grouping else ''}.{decimals}f}"
    return text.translate(number_symbols(language(locale)))


def rounded(value: float | int | None, decimals: int) -> Decimal | None:
    """The value half-even rounded to ``decimals`` digits (decimal, not binary, rounding);
    never ``-0``."""
    if value is None:
        return None
    exponent = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(exponent, rounding=ROUND_HALF_EVEN) + 0


def plain_number(value: float | int) -> str:
    """Machine notation of import and export files: ``5``, ``10.5`` — no exponent, no
    grouping, ``.`` as decimal point, integers without ``.0``."""
    if value == int(value) and abs(value) < 1e18:
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def format_day(value: date | datetime | None, locale: Any, fmt: str = "medium") -> str:
    """A date in the locale's pattern (``01.03.2024`` / ``Mar 1, 2024``); empty for None."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return _babel_date(day, fmt, locale=language(locale))
