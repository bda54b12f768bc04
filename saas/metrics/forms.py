"""Metric form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from saas.core.fields import as_choices
from saas.core.forms import VersionedForm
from saas.metrics.models import AREA_AGGREGATIONS, KINDS, PERIODICITIES, TIME_AGGREGATIONS

METRIC_CODE = Regexp(r"^[A-Z][A-Z0-9_]*$", message=_l("Use capital letters, digits and _."))


class MetricForm(VersionedForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), METRIC_CODE])
    label_de = StringField(
        _l("German label"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"lang": "de"},
    )
    label_en = StringField(
        _l("English label"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"lang": "en"},
    )
    unit = StringField(_l("Unit"), default="count", validators=[DataRequired(), Length(max=30)])
    kind = SelectField(_l("Kind"), choices=as_choices(KINDS))
    time_aggregation = SelectField(
        _l("Aggregation over time"), choices=as_choices(TIME_AGGREGATIONS)
    )
    area_aggregation = SelectField(
        _l("Aggregation over areas"), choices=as_choices(AREA_AGGREGATIONS)
    )
    periodicity = SelectField(_l("Periodicity"), choices=as_choices(PERIODICITIES))
    includes_eb = BooleanField(_l("Includes family counselling (§ 28)"))
    includes_35a = BooleanField(_l("Includes integration help (§ 35a)"))
    part_of = StringField(
        _l("Part of (code of the total)"), validators=[Optional(), Length(max=60), METRIC_CODE]
    )
    help_type = StringField(_l("Help type (§)"), validators=[Optional(), Length(max=20)])
    group = StringField(_l("Group"), default="other", validators=[Length(max=40)])
    position = IntegerField(_l("Position"), default=0, validators=[NumberRange(0, 9999)])
    min_value = IntegerField(_l("Smallest allowed value"), default=0, validators=[Optional()])
    integer = BooleanField(_l("Whole numbers only"), default=True)
    warn_factor = IntegerField(
        _l("Warn when a value is this many times last year's"),
        default=3,
        validators=[Optional(), NumberRange(2, 100)],
    )
    description = TextAreaField(_l("Definition and notes"), validators=[Length(max=5000)])
