"""Forms of the comparison pages: a ring (platform) and the choice of indicators and years."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from saas.core.fields import as_choices
from saas.core.forms import VersionedForm
from saas.indicators.definitions import INDICATORS


class RingForm(VersionedForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=60),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use small letters, digits and -.")),
        ],
        description=_l(
            "A short key in the ring's address: small letters, digits, -, e.g. nrw-staedte."
        ),
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("What the members see, e.g. “NRW-Städte 50.000–100.000 Einwohner”."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=2000)],
        description=_l("Who may join and what the ring compares; shown to the municipalities."),
    )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ComparisonQueryForm(FlaskForm):
    """Read from the query string (GET): no CSRF token, invalid choices are ignored."""

    class Meta:
        csrf = False

    indicators = CheckboxesField(
        _l("Indicators"),
        choices=[],
        description=_l("The key figures to compare; each gets its own table and chart."),
    )
    year_from = SelectField(
        _l("From"),
        choices=[],
        validate_choice=False,
        description=_l("The first year shown; only approved, complete years are published."),
    )
    year_to = SelectField(
        _l("To"),
        choices=[],
        validate_choice=False,
        description=_l("The last year shown."),
    )
    counts = SelectField(
        _l("Counts"),
        description=_l("Rates make municipalities of different size comparable."),
        choices=as_choices(
            [
                ("per_1000", _l("per 1,000 under-21-year-olds")),
                ("absolute", _l("absolute numbers")),
            ]
        ),
        default="per_1000",
    )


def indicator_label(code: str) -> str:
    indicator = INDICATORS[code]
    return indicator.label_en if str(get_locale() or "de") == "en" else indicator.label_de
