"""Office form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from saas.carriers.forms import CODE
from saas.core.fields import IdsSelectField
from saas.core.forms import VersionedForm


class OfficeForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
    name = StringField(
        _l("Name"),
        description=_l("As the families know it, e.g. “Stadtteilbüro Hüls”."),
        validators=[DataRequired(), Length(max=200)],
    )
    address = StringField(_l("Street and number"), validators=[Length(max=300)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=10)])
    city = StringField(_l("City"), validators=[Length(max=100)])
    opening_hours = TextAreaField(
        _l("Opening hours"),
        description=_l(
            "One line per day or time, e.g. “Mo–Fr 9–12 Uhr”. Shown on the public page."
        ),
        validators=[Length(max=2000)],
    )
    phone = StringField(_l("Phone"), validators=[Length(max=60)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    opened_on = DateField(
        _l("Opened on"),
        description=_l(
            "Needed for the impact analysis: the trend before and after the opening is compared."
        ),
        validators=[Optional()],
    )
    closed_on = DateField(
        _l("Closed on"),
        description=_l("Leave empty while the office is open."),
        validators=[Optional()],
    )
    area_ids = IdsSelectField(
        _l("Areas served"),
        description=_l(
            "The areas whose families this office serves; staff of the office see these areas."
        ),
    )
    carrier_ids = IdsSelectField(_l("Carriers involved"))
    notes = TextAreaField(
        _l("Notes"),
        description=_l("Internal; not shown on the public page."),
        validators=[Length(max=5000)],
    )
    public = BooleanField(
        _l("Show on the public pages (address, opening hours, the office's phone and e-mail)"),
        default=True,
    )
