"""Carrier form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from saas.carriers.models import CARRIER_TYPES
from saas.core.fields import as_choices
from saas.core.forms import VersionedForm

CODE = Regexp(r"^[a-z0-9][a-z0-9_.-]*$", message=_l("Use lower-case letters, digits, - _ . only."))


class CarrierForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
    name = StringField(
        _l("Name"),
        description=_l("The full name as on its letterhead, e.g. “Caritasverband Marl e. V.”."),
        validators=[DataRequired(), Length(max=200)],
    )
    type = SelectField(
        _l("Type"),
        description=_l(
            "Public, church, welfare association or other independent carrier (freier Träger)."
        ),
        choices=as_choices(CARRIER_TYPES),
    )
    website = StringField(
        _l("Website"),
        description=_l("Full address including https://"),
        validators=[Optional(), URL(), Length(max=300)],
    )
    notes = TextAreaField(
        _l("Notes"),
        description=_l(
            "Internal, e.g. contact person or agreements; not shown on the public pages."
        ),
        validators=[Length(max=5000)],
    )
