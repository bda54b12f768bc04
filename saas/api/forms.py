"""The form of a new personal API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from saas.api.services import DEFAULT_DAYS, MAX_DAYS, MAX_NAME
from saas.core.forms import Form


class ApiTokenForm(Form):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “Auswertung Jugendhilfeplanung”."),
        validators=[DataRequired(), Length(max=MAX_NAME)],
    )
    days = IntegerField(
        _l("Valid for (days)"),
        description=_l(
            "At most %(n)s days; afterwards the token no longer opens the API.", n=MAX_DAYS
        ),
        default=DEFAULT_DAYS,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_DAYS)],
    )
    password = PasswordField(
        _l("Your password"),
        description=_l(
            "Confirms that it is you: a token opens the API for as long as it is valid, even "
            "from another computer."
        ),
        validators=[DataRequired()],
    )
