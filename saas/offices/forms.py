"""Office form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from saas.carriers.forms import CODE
from saas.core.fields import IdsSelectField, worded
from saas.core.forms import VersionedForm

PHONE_HELP = _l("With the area code; an extension after a hyphen.")


class OfficeForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
    name = StringField(
        _l("Name"),
        description=worded(_l("As the families know it, e.g. “%(office)s Hüls”.")),
        validators=[DataRequired(), Length(max=200)],
    )
    address = StringField(
        _l("Street and number"),
        description=_l("As on a letter, e.g. “Bergstraße 12”."),
        validators=[Length(max=300)],
    )
    postal_code = StringField(
        _l("Postal code"), description=_l("Five digits, e.g. 45768."), validators=[Length(max=10)]
    )
    city = StringField(
        _l("City"),
        description=_l("As in the postal address, e.g. “Marl”."),
        validators=[Length(max=100)],
    )
    opening_hours = TextAreaField(
        _l("Opening hours"),
        description=_l(
            "One line per day or time, e.g. “Mo–Fr 9–12 Uhr”. Shown on the public page."
        ),
        validators=[Length(max=2000)],
    )
    phone = StringField(_l("Phone"), description=PHONE_HELP, validators=[Length(max=60)])
    email = EmailField(
        _l("E-mail"),
        description=_l("Preferably a shared address of the team, not a personal one."),
        validators=[Optional(), Email(), Length(max=254)],
    )
    opened_on = DateField(
        _l("Opened on"),
        description=_l(
            "Needed for the impact analysis: the trend before and after the opening is compared."
        ),
        validators=[Optional()],
    )
    closed_on = DateField(
        _l("Closed on"),
        description=_l("Leave empty while it is open."),
        validators=[Optional()],
    )
    area_ids = IdsSelectField(
        worded(_l("%(areas)s served")),
        description=worded(
            _l("The %(areas)s whose families it serves; its staff see these %(areas)s.")
        ),
    )
    carrier_ids = IdsSelectField(
        _l("Carriers involved"),
        description=_l("Carriers that run it or work in it; leave empty if the Jugendamt runs it."),
    )
    notes = TextAreaField(
        _l("Notes"),
        description=_l("Internal; not shown on the public page."),
        validators=[Length(max=5000)],
    )
    public = BooleanField(
        _l("Show on the public pages (address, opening hours, phone and e-mail)"),
        description=_l("Untick to keep it out of the public directory, e.g. while it is set up."),
        default=True,
    )
