"""Team and staff forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from saas.carriers.forms import CODE
from saas.core.fields import OptionalSelectField, as_choices
from saas.core.forms import VersionedForm
from saas.teams.models import STAFF_ROLES


class TeamForm(VersionedForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    office_id = OptionalSelectField(
        _l("Office"), description=_l("The office this team works from, if any.")
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])


class StaffMemberForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role in the social-space work"), choices=as_choices(STAFF_ROLES))
    team_id = OptionalSelectField(_l("Team"))
    carrier_id = OptionalSelectField(_l("Employed by carrier"))
    fte = FloatField(
        _l("Full-time equivalent"),
        description=_l("1 = full time, 0.5 = half time."),
        validators=[Optional(), NumberRange(0, 1.5)],
    )
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
