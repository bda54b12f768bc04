"""Form base: CSRF on every form, German-first messages, optimistic-lock version field."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import HiddenField


class Form(FlaskForm):
    """Base of every form (CSRF protected through Flask-WTF)."""


class VersionedForm(Form):
    """Carries the version the user started editing, for optimistic locking."""

    version = HiddenField()


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths are allowed as redirect targets after login."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return fallback
    return target
