"""Activity form: one page, keyboard-only, sensible defaults."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from saas.activities.models import AGE_BANDS, KINDS
from saas.core.fields import (
    DayField,
    DayRequired,
    IdSelectField,
    IdsSelectField,
    OptionalSelectField,
    as_choices,
    tenant_word,
    worded,
)
from saas.core.forms import VersionedForm


def band_help(band: str) -> Any:
    return _l("Number of people aged %(band)s.", band=AGE_BANDS[band])


COUNT = [Optional(), NumberRange(min=0, max=10000, message=_l("Enter a number from 0 to 10,000."))]


class ActivityForm(VersionedForm):
    date = DayField(
        _l("Date"),
        description=_l("The day it took place (not the day you enter it)."),
        validators=[DayRequired()],
    )
    office_id = IdSelectField(
        tenant_word("office"),
        description=worded(
            _l("Where the activity is counted; the list shows only your own %(offices)s.")
        ),
    )
    area_id = OptionalSelectField(
        tenant_word("area"),
        description=worded(
            _l("Only if the activity belongs to a single %(area)s; otherwise leave empty.")
        ),
    )
    kind = SelectField(
        _l("Kind"),
        description=_l("What kind of work it was, e.g. a group session or a network meeting."),
        choices=as_choices(KINDS),
    )
    offering_id = OptionalSelectField(
        _l("Offering"), description=_l("For group sessions: the offering it was part of.")
    )
    p_0_5 = IntegerField(
        AGE_BANDS["p_0_5"], description=band_help("p_0_5"), validators=COUNT, default=0
    )
    p_6_13 = IntegerField(
        AGE_BANDS["p_6_13"], description=band_help("p_6_13"), validators=COUNT, default=0
    )
    p_14_17 = IntegerField(
        AGE_BANDS["p_14_17"], description=band_help("p_14_17"), validators=COUNT, default=0
    )
    p_18_26 = IntegerField(
        AGE_BANDS["p_18_26"], description=band_help("p_18_26"), validators=COUNT, default=0
    )
    p_27_64 = IntegerField(
        AGE_BANDS["p_27_64"], description=band_help("p_27_64"), validators=COUNT, default=0
    )
    p_65_plus = IntegerField(
        AGE_BANDS["p_65_plus"], description=band_help("p_65_plus"), validators=COUNT, default=0
    )
    principle_ids = IdsSelectField(
        _l("Principles addressed"),
        description=_l("Which principles of social-space work the activity followed."),
    )
    carrier_ids = IdsSelectField(
        _l("Partner carriers"),
        description=_l("Other carriers who ran the activity with you; leave empty if none."),
    )
    note = TextAreaField(
        _l("Short note"),
        validators=[Length(max=500)],
        description=_l("Anonymous: no names, addresses or birth dates of families."),
    )
