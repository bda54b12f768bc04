"""Form fields shared by the domain areas."""

from __future__ import annotations

from typing import Any

from wtforms import SelectChoice, SelectField, SelectMultipleField


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
