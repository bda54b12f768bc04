"""Activity form: one page, keyboard-only, sensible defaults."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.activities.models import AGE_BANDS, KINDS
from saas.core.fields import IdSelectField, IdsSelectField, OptionalSelectField, as_choices
from saas.core.forms import VersionedForm

COUNT = [Optional(), NumberRange(min=0, max=10000, message=_l("Enter a number from 0 to 10,000."))]


class ActivityForm(VersionedForm):
    date = DateField(
        _l("Date"),
        description=_l("The day it took place (not the day you enter it)."),
        validators=[DataRequired()],
    )
    office_id = IdSelectField(_l("Office"))
    area_id = OptionalSelectField(
        _l("Area"),
        description=_l("Only if the activity belongs to one area; otherwise leave empty."),
    )
    kind = SelectField(_l("Kind"), choices=as_choices(KINDS))
    offering_id = OptionalSelectField(
        _l("Offering"), description=_l("For group sessions: the offering it was part of.")
    )
    p_0_5 = IntegerField(AGE_BANDS["p_0_5"], validators=COUNT, default=0)
    p_6_13 = IntegerField(AGE_BANDS["p_6_13"], validators=COUNT, default=0)
    p_14_17 = IntegerField(AGE_BANDS["p_14_17"], validators=COUNT, default=0)
    p_18_26 = IntegerField(AGE_BANDS["p_18_26"], validators=COUNT, default=0)
    p_27_64 = IntegerField(AGE_BANDS["p_27_64"], validators=COUNT, default=0)
    p_65_plus = IntegerField(AGE_BANDS["p_65_plus"], validators=COUNT, default=0)
    principle_ids = IdsSelectField(
        _l("Principles addressed"),
        description=_l("Which principles of social-space work the activity followed."),
    )
    carrier_ids = IdsSelectField(_l("Partner carriers"))
    note = TextAreaField(
        _l("Short note"),
        validators=[Length(max=500)],
        description=_l("Anonymous: no names, addresses or birth dates of families."),
    )
