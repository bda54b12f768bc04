"""Principle form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from saas.carriers.forms import CODE
from saas.core.forms import VersionedForm


class PrincipleForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
    title = StringField(
        _l("Title"),
        description=_l("A few words, e.g. “Orientierung am Willen der Menschen”."),
        validators=[DataRequired(), Length(max=200)],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What this principle means in daily work; shown when logging activities."),
        validators=[Length(max=5000)],
    )
    position = IntegerField(
        _l("Position in lists"),
        description=_l("Smaller numbers come first, also on the activity form (0 to 999)."),
        default=0,
        validators=[NumberRange(min=0, max=999)],
    )
