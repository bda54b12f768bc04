"""Locale selection and locale-aware formatting helpers for templates."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user

from saas.core.operations import Invalid, operation
from saas.core.permissions import AUTHENTICATED
from saas.core.versions import flush

LOCALES = ("de", "en")


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


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value, fmt=None: (
        "" if value is None else format_decimal(value, fmt)
    )


@operation(AUTHENTICATED)
def remember_locale(locale: str) -> None:
    """Store the signed-in user's choice of language on the account."""
    if locale not in LOCALES:
        raise Invalid(f"unknown locale {locale!r}")
    current_user.locale = locale
    flush()
