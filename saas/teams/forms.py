"""Team and staff forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from saas.carriers.forms import CODE
from saas.core.fields import OptionalSelectField, as_choices, tenant_word
from saas.core.forms import VersionedForm
from saas.teams.models import STAFF_ROLES


class TeamForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
    name = StringField(
        _l("Name"),
        description=_l("e.g. “Team Hüls” or “Aufsuchende Arbeit”."),
        validators=[DataRequired(), Length(max=200)],
    )
    office_id = OptionalSelectField(
        tenant_word("office"), description=_l("Where the team works from, if it has a fixed place.")
    )
    notes = TextAreaField(
        _l("Notes"),
        description=_l("Internal, e.g. contact person or meeting times."),
        validators=[Length(max=5000)],
    )


class StaffMemberForm(VersionedForm):
    name = StringField(
        _l("Name"),
        description=_l("First and last name, e.g. “Anna Schmidt”."),
        validators=[DataRequired(), Length(max=200)],
    )
    role = SelectField(
        _l("Role in the social-space work"),
        description=_l("The person's main task, e.g. district coordination."),
        choices=as_choices(STAFF_ROLES),
    )
    team_id = OptionalSelectField(
        _l("Team"), description=_l("The team the person belongs to, if any.")
    )
    carrier_id = OptionalSelectField(
        _l("Employed by carrier"),
        description=_l("Leave empty if the person is employed by the Jugendamt."),
    )
    fte = FloatField(
        _l("Full-time equivalent"),
        description=_l("1 = full time, 0.5 = half time."),
        validators=[Optional(), NumberRange(0, 1.5)],
    )
    email = EmailField(
        _l("E-mail"),
        description=_l("The work address, not a private one."),
        validators=[Optional(), Email(), Length(max=254)],
    )
