"""Form base: CSRF on every form, no control characters in text, German-first messages,
optimistic-lock version field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField

from saas.core.fields import text_check


class Form(FlaskForm):
    """Base of every form (CSRF protected through Flask-WTF); every text field refuses
    control characters (:class:`saas.core.fields.NoControlCharacters`)."""

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            check = text_check(field)
            if check is not None:
                extra.setdefault(name, []).append(check)
        return bool(super().validate(extra))


class VersionedForm(Form):
    """Carries the version the user started editing, for optimistic locking."""

    version = HiddenField()
