"""Form fields shared by the domain areas."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import escape
from wtforms import (
    DateField,
    Field,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, ValidationError

from saas.core.labels import word
from saas.core.text import control_character

#: the tenant's words a form text may name (``%(office)s``, ``%(offices)s``, ``%(area)s`` …)
WORD_KEYS = ("office", "offices", "area", "areas")


class TenantText(LazyString):
    """A form label or help text worked out when shown, in the current tenant's words.

    Unlike a translated message the words are typed by the tenant's administrators, so in HTML
    the text is escaped (a plain lazy string counts as markup).
    """

    def __html__(self) -> str:
        return str(escape(str(self)))


def _in_words(message: Any) -> str:
    return str(message) % {key: word(key) for key in WORD_KEYS}


def worded(message: Any) -> TenantText:
    """A lazily translated ``message`` whose ``%(office)s`` … placeholders become the current
    tenant's words (the generic ones on platform pages), e.g.
    ``worded(_l("Limited to %(offices)s"))``."""
    return TenantText(_in_words, message)


def tenant_word(key: str) -> TenantText:
    """The current tenant's word for ``key`` (``office`` …) as a field label."""
    return TenantText(word, key)


def as_choices(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs or a mapping as WTForms select choices."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class OptionalSelectField(SelectField):
    """A select of tenant rows by id where "none" is allowed; choices are set per request."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, coerce=optional_int, **kwargs)

    def set_choices(self, choices: list[tuple[int, str]], none_label: str = "–") -> None:
        self.choices = as_choices([(None, none_label), *choices])


class IdSelectField(SelectField):
    """A required select of tenant rows by id."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, coerce=int, **kwargs)


class IdsSelectField(SelectMultipleField):
    """Several tenant rows by id; an id of another tenant is simply not a valid choice."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, coerce=int, **kwargs)


class NoControlCharacters:
    """Refuses control characters; ``multiline`` allows line breaks (LF or CR LF), ``tabs``
    TAB as well (code such as JSON, where it is white space).

    :class:`saas.core.forms.Form` applies it to every text field, so no form has to ask; a
    field that lists it among its validators gets that one instead.
    """

    def __init__(self, *, multiline: bool = False, tabs: bool = False) -> None:
        self.multiline = multiline
        self.tabs = tabs and multiline

    def __call__(self, form: Any, field: Field) -> None:
        # what was typed: fields such as the schedule keep parsed data, not the text
        typed = field.raw_data[0] if field.raw_data else field.data
        if not isinstance(typed, str):
            return
        found = control_character(
            typed.replace("\t", " ") if self.tabs else typed, multiline=self.multiline
        )
        if found is None:
            return
        if self.multiline:
            raise ValidationError(
                _(
                    "Control characters (%(char)s) are not allowed here; only line breaks are.",
                    char=found,
                )
            )
        raise ValidationError(
            _(
                "Control characters such as line breaks or tabs (%(char)s) are not allowed here.",
                char=found,
            )
        )


def text_check(field: Field) -> NoControlCharacters | None:
    """The control-character check a field gets by default: single-line for text inputs,
    multi-line for text areas, none for passwords, hidden and non-text fields."""
    if isinstance(field, PasswordField | HiddenField) or not isinstance(field, StringField):
        return None
    if any(isinstance(v, NoControlCharacters) for v in field.validators):
        return None  # the field chose its own
    return NoControlCharacters(multiline=isinstance(field, TextAreaField))


class DayField(DateField):
    """A date typed as the browser's date input sends it (2024-11-03) or as people write it
    (03.11.2024); an unreadable entry is called an invalid date, not a missing one."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(
                _("This is not a valid date. Please enter it like 24.11.2024.")
            ) from error


class DayRequired(InputRequired):
    """Refuses an empty date field only: an invalid one keeps its own message (DataRequired
    would replace it with "This field is required")."""

    def __init__(self) -> None:
        super().__init__(message=_l("Please enter a date."))
