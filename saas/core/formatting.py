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
from babel.dates import format_skeleton as _babel_skeleton
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


def _month_day(period: str | date | datetime) -> date | None:
    """The first day of a ``YYYY-MM`` period (or of a date's month); None for anything else."""
    if isinstance(period, datetime):
        return period.date().replace(day=1)
    if isinstance(period, date):
        return period.replace(day=1)
    text = str(period)
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        month = int(text[5:])
        if 1 <= month <= 12:
            return date(int(text[:4]), month, 1)
    return None


def format_month(period: str | date | datetime | None, locale: Any, short: bool = False) -> str:
    """A month as readers write it: ``November 2024`` or, ``short``, ``11/2024`` (de; en:
    ``November 2024``, ``11/2024``). A year (``2024``) or any other period stays as it is."""
    if period is None or period == "":
        return ""
    day = _month_day(period)
    if day is None:
        return str(period)
    if short:
        return f"{day.month:02d}/{day.year}"
    return _babel_skeleton("yMMMM", day, locale=language(locale))


def format_money(value: float | int | Decimal | None, locale: Any, decimals: int = 0) -> str:
    """An amount in euros: ``388.849 €`` (de) or ``€388,849`` (en); empty for None. The space
    before the sign does not break."""
    if value is None:
        return ""
    number = format_fixed(rounded(float(value), decimals) or 0, decimals, locale)
    return f"€{number}" if language(locale) == "en" else f"{number}\u00a0€"
