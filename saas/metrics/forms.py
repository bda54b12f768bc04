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
    code = StringField(
        _l("Code"),
        description=_l(
            "Capital letters, digits and _, e.g. HZE_RUN; imports and report templates use it."
        ),
        validators=[DataRequired(), Length(max=60), METRIC_CODE],
    )
    label_de = StringField(
        _l("German label"),
        description=_l("Shown on German pages and in German reports."),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"lang": "de"},
    )
    label_en = StringField(
        _l("English label"),
        description=_l("Shown on English pages and in English reports."),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"lang": "en"},
    )
    unit = StringField(
        _l("Unit"),
        description=_l("What is counted, e.g. cases, persons or EUR."),
        default="count",
        validators=[DataRequired(), Length(max=30)],
    )
    kind = SelectField(
        _l("Kind"),
        description=_l(
            "A stock is counted on a day (cases running), a flow over a period (new cases)."
        ),
        choices=as_choices(KINDS),
    )
    time_aggregation = SelectField(
        _l("Aggregation over time"),
        description=_l("How months make a year: the last value for a stock, the sum for a flow."),
        choices=as_choices(TIME_AGGREGATIONS),
    )
    area_aggregation = SelectField(
        _l("Aggregation over areas"),
        description=_l("Whether the values of areas add up to the city's; rates do not."),
        choices=as_choices(AREA_AGGREGATIONS),
    )
    periodicity = SelectField(
        _l("Periodicity"),
        description=_l("How often municipalities enter the figure."),
        choices=as_choices(PERIODICITIES),
    )
    includes_eb = BooleanField(
        _l("Includes family counselling (§ 28)"),
        description=_l("Tick if the figure also counts Erziehungsberatung (§ 28 SGB VIII)."),
    )
    includes_35a = BooleanField(
        _l("Includes integration help (§ 35a)"),
        description=_l("Tick if the figure also counts Eingliederungshilfe (§ 35a SGB VIII)."),
    )
    part_of = StringField(
        _l("Part of (code of the total)"),
        description=_l("e.g. HZE_RUN for one help type of the running cases; empty for a total."),
        validators=[Optional(), Length(max=60), METRIC_CODE],
    )
    help_type = StringField(
        _l("Help type (§)"),
        description=_l("The section of SGB VIII without “§”, e.g. 29 or 35a; empty if none."),
        validators=[Optional(), Length(max=20)],
    )
    group = StringField(
        _l("Group"),
        description=_l("Metrics of one group stand together, e.g. hze, population or costs."),
        default="other",
        validators=[Length(max=40)],
    )
    position = IntegerField(
        _l("Position"),
        description=_l("Order within the group; smaller numbers come first (0 to 9,999)."),
        default=0,
        validators=[NumberRange(0, 9999)],
    )
    min_value = IntegerField(
        _l("Smallest allowed value"),
        description=_l("Smaller entries are refused; usually 0."),
        default=0,
        validators=[Optional()],
    )
    integer = BooleanField(
        _l("Whole numbers only"),
        description=_l("For counts such as cases; untick for costs or rates."),
        default=True,
    )
    warn_factor = IntegerField(
        _l("Warn when a value is this many times last year's"),
        description=_l("Catches typing mistakes such as an extra zero; a number from 2 to 100."),
        default=3,
        validators=[Optional(), NumberRange(2, 100)],
    )
    description = TextAreaField(
        _l("Definition and notes"),
        description=_l("What exactly is counted and what is not, with the legal basis."),
        validators=[Length(max=5000)],
    )
