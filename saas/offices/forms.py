"""Office form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from saas.carriers.forms import CODE
from saas.core.fields import IdsSelectField
from saas.core.forms import VersionedForm


class OfficeForm(VersionedForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Street and number"), validators=[Length(max=300)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=10)])
    city = StringField(_l("City"), validators=[Length(max=100)])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Length(max=2000)])
    phone = StringField(_l("Phone"), validators=[Length(max=60)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    opened_on = DateField(_l("Opened on"), validators=[Optional()])
    closed_on = DateField(_l("Closed on"), validators=[Optional()])
    area_ids = IdsSelectField(_l("Areas served"))
    carrier_ids = IdsSelectField(_l("Carriers involved"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    public = BooleanField(
        _l("Show on the public pages (address, opening hours, the office's phone and e-mail)"),
        default=True,
    )
