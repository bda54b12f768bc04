"""Area level, area and population forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FloatField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.carriers.forms import CODE
from saas.core.fields import IdSelectField, OptionalSelectField
from saas.core.forms import Form, VersionedForm

AREA_CODE = [DataRequired(), Length(max=60)]


class AreaLevelForm(VersionedForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), CODE])
    name = StringField(
        _l("Name (singular)"),
        description=_l("The name of one area of this level, e.g. “Sozialraum”."),
        validators=[DataRequired(), Length(max=120)],
    )
    plural = StringField(
        _l("Name (plural)"),
        description=_l("Used in headings and menus, e.g. “Sozialräume”."),
        validators=[Length(max=120)],
    )
    hierarchy = StringField(
        _l("Hierarchy"),
        default="main",
        validators=[DataRequired(), Length(max=60), CODE],
        description=_l("Levels with the same hierarchy form one tree, e.g. political or planning."),
    )
    position = IntegerField(
        _l("Depth (0 = top)"), default=0, validators=[NumberRange(min=0, max=20)]
    )


class AreaForm(VersionedForm):
    code = StringField(_l("Code"), validators=AREA_CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    level_id = IdSelectField(
        _l("Level"), description=_l("Which kind of area this is (e.g. Stadtteil, Quartier).")
    )
    parent_id = OptionalSelectField(
        _l("Part of"),
        description=_l("The larger area this one lies in; leave empty for a top area."),
    )
    area_km2 = FloatField(_l("Area in km²"), validators=[Optional(), NumberRange(min=0)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    streets = TextAreaField(
        _l("Streets (one per line; for the public search by street)"),
        validators=[Length(max=50000)],
    )


class PopulationForm(Form):
    reference_date = DateField(
        _l("Reference date"),
        description=_l("The date the population count refers to (usually 31 December)."),
        validators=[DataRequired()],
    )
    total = IntegerField(_l("Inhabitants"), validators=[Optional(), NumberRange(min=0)])
    under_18 = IntegerField(_l("Under 18"), validators=[Optional(), NumberRange(min=0)])
    under_21 = IntegerField(_l("Under 21"), validators=[Optional(), NumberRange(min=0)])
    source = StringField(
        _l("Source"),
        description=_l("Where the numbers come from, e.g. “Einwohnermeldeamt”."),
        validators=[Length(max=200)],
    )
