"""Locale selection and the template filters of the one formatter (German formats first).

Every date, month, number and amount a page shows goes through these filters — ``date``,
``datetime``, ``month`` (``November 2024``; ``month("short")``: ``11/2024``), ``number``
(``14.038``), ``decimal(n)`` (``0,75``), ``money`` (``388.849 €``) — so the formats live in one
place (:mod:`saas.core.formatting`, Babel's CLDR data). Inputs keep ISO values: the browser
needs them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from saas.core.formatting import format_fixed, format_money, format_month, rounded
from saas.core.operations import Invalid, operation
from saas.core.permissions import AUTHENTICATED
from saas.core.versions import flush

LOCALES = ("de", "en")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def select_locale() -> str:
    """The user's choice, then the tenant's default, then the browser's ``Accept-Language``."""
    if not has_request_context():
        return "de"
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    tenant = g.get("tenant")
    if tenant is not None and tenant.default_locale in LOCALES:
        return str(tenant.default_locale)
    return request.accept_languages.best_match(LOCALES) or "de"


def shown(value: Any) -> Any:
    """Any stored value as a German reader reads it: dates, numbers and ISO date text (the
    audit history keeps dates as text) formatted, ``–`` for nothing, lists joined."""
    if value is None or value == "" or value == []:
        return "–"
    if hasattr(value, "__html__"):  # markup (or a translated text) stays as it is
        return value
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return str(format_datetime(value, "short"))
    if isinstance(value, date):
        return str(format_date(value))
    if isinstance(value, int | float | Decimal):
        return str(format_decimal(value))
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    text = str(value)
    if ISO_DAY.fullmatch(text):
        return str(format_date(date.fromisoformat(text)))
    if ISO_MOMENT.match(text):
        try:
            return str(format_datetime(datetime.fromisoformat(text), "short"))
        except ValueError:
            return text
    return text


def init_app(app: Flask) -> None:
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value, fmt=None: (
        "" if value is None else format_decimal(value, fmt)
    )
    app.jinja_env.filters["month"] = lambda period, fmt="long": format_month(
        period, get_locale(), short=fmt == "short"
    )
    app.jinja_env.filters["decimal"] = lambda value, decimals=1: (
        "" if value is None else format_fixed(rounded(value, decimals) or 0, decimals, get_locale())
    )
    app.jinja_env.filters["money"] = lambda value, decimals=0: format_money(
        value, get_locale(), decimals
    )


@operation(AUTHENTICATED)
def remember_locale(locale: str) -> None:
    """Store the signed-in user's choice of language on the account."""
    if locale not in LOCALES:
        raise Invalid(f"unknown locale {locale!r}")
    current_user.locale = locale
    flush()
