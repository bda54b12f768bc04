"""The form for the tenant's average annual costs per help type.

Amounts are typed the German way ("60.000", "1.234,50") or plainly ("60000", "1234.5");
an empty field means the default assumption. Validation messages come from the message
catalogue, in the language of the request.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from saas.core.forms import Form
from saas.impact.services import DEFAULT_COSTS, MAX_COST, TYPE_LABELS

_GERMAN_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


def parse_amount(text: str, locale: str | None = None) -> tuple[float | None, str | None]:
    """(amount, None), (None, None) for an empty field, or (None, error message).

    German ("60.000", "1.234,50") or, on English pages, English ("60,000", "1,234.50")
    notation; plain digits ("60000", "1234.5") always. Notation and message follow
    ``locale``, else the request's locale.
    """
    with force_locale(locale) if locale else nullcontext():
        return _parse_amount(text)


def _parse_amount(text: str) -> tuple[float | None, str | None]:
    english = str(get_locale() or "de").startswith("en")
    raw = (text or "").strip()
    cleaned = raw.replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None, None
    if english:
        candidate = cleaned.replace(",", "")
    elif "," in cleaned:  # German: '.' groups thousands, ',' is the decimal mark
        candidate = cleaned.replace(".", "").replace(",", ".")
    elif _GERMAN_THOUSANDS.match(cleaned):
        candidate = cleaned.replace(".", "")
    else:
        candidate = cleaned
    if not _PLAIN.match(candidate):
        return None, _(
            "“%(value)s” is not a number. Please enter an amount in euros, e.g. 60,000.",
            value=raw,
        )
    value = float(candidate)
    if value < 0:
        return None, _("The amount must not be negative.")
    if value > MAX_COST:
        return None, _("The amount is implausibly high (at most €1,000,000 a year).")
    return value, None


class CostsForm(Form):
    """One amount field per help type (``cost_<suffix>``); see :meth:`amounts`."""

    def field_for(self, suffix: str) -> Any:
        return self[f"cost_{suffix}"]

    def amounts(self) -> dict[str, float] | None:
        """The entered amounts (empty = default) after validation, or None with errors."""
        result: dict[str, float] = {}
        ok = True
        for suffix in DEFAULT_COSTS:
            field = self.field_for(suffix)
            value, error = parse_amount(field.data or "")
            if error:
                field.errors = [*field.errors, error]
                ok = False
            elif value is not None:
                result[suffix] = value
        return result if ok else None


COST_HELP = _l(
    "What one case of this help costs in a whole year, in euros, e.g. 60,000; "
    "leave empty for the default assumption."
)

for _suffix, (_de, _en) in TYPE_LABELS.items():
    setattr(
        CostsForm,
        f"cost_{_suffix}",
        StringField(_de, description=COST_HELP, render_kw={"inputmode": "decimal"}),
    )
del _suffix, _de, _en

RESET_LABEL = _l("Reset all to the default assumptions")
