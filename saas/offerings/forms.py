"""Offering form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.carriers.forms import CODE
from saas.core.fields import IdsSelectField, OptionalSelectField, tenant_word, worded
from saas.core.forms import VersionedForm
from saas.offerings.schedule import ScheduleField


class OfferingForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
    name = StringField(
        _l("Name"),
        description=_l("As families know it, e.g. “Babyclub” or “Hausaufgabenhilfe”."),
        validators=[DataRequired(), Length(max=200)],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l(
            "What happens there, in words the families understand. Shown on the public page."
        ),
        validators=[Length(max=5000)],
    )
    target_groups = StringField(
        _l("Target groups"),
        description=_l("Who it is for, e.g. “Eltern mit Kindern unter 3 Jahren”."),
        validators=[Length(max=300)],
    )
    age_min = IntegerField(
        _l("Age from"),
        description=_l("Youngest participants in years; leave empty if open to all ages."),
        validators=[Optional(), NumberRange(0, 120)],
    )
    age_max = IntegerField(
        _l("Age to"),
        description=_l("Oldest participants in years; leave empty if there is no upper limit."),
        validators=[Optional(), NumberRange(0, 120)],
    )
    schedule = ScheduleField(_l("Weekly schedule"))
    dates = TextAreaField(
        _l("Other dates (not weekly), one per line"),
        description=_l("Holiday programmes or single events, e.g. “12.08.2025 10–14 Uhr”."),
        validators=[Length(max=2000)],
    )
    place = StringField(
        worded(_l("Place, if not at the %(office)s")),
        description=_l("Address or room, e.g. “Turnhalle der Grundschule, Bergstraße 5”."),
        validators=[Length(max=300)],
    )
    costs = StringField(
        _l("Costs (e.g. free of charge)"),
        description=_l("What families pay, e.g. “kostenlos” or “2 € pro Termin”."),
        validators=[Length(max=300)],
    )
    office_id = OptionalSelectField(
        tenant_word("office"),
        description=worded(_l("Run by this %(office)s; its staff log the sessions.")),
    )
    carrier_id = OptionalSelectField(
        _l("Carrier"),
        description=_l("The carrier responsible for it, if not the Jugendamt itself."),
    )
    principle_ids = IdsSelectField(
        _l("Principles"),
        description=_l("The principles of social-space work the offering follows."),
    )
    public = BooleanField(
        _l("Show on the public pages and in the open data"),
        description=_l("Leave unticked while the offering is still being planned."),
        default=False,
    )
