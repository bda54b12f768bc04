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
    code = StringField(
        _l("Code"),
        description=_l("A short key for imports and exports: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=60), CODE],
    )
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
        _l("Depth (0 = top)"),
        description=_l(
            "0 for the top level (e.g. the whole city), 1 for the level below, and so on."
        ),
        default=0,
        validators=[NumberRange(min=0, max=20)],
    )


class AreaForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l(
            "A short key for imports and exports, e.g. the statistical district number “03”."
        ),
        validators=AREA_CODE,
    )
    name = StringField(
        _l("Name"),
        description=_l("The name people in the city use, e.g. “Hüls”."),
        validators=[DataRequired(), Length(max=200)],
    )
    level_id = IdSelectField(
        _l("Level"), description=_l("Which kind of area this is (e.g. Stadtteil, Quartier).")
    )
    parent_id = OptionalSelectField(
        _l("Part of"),
        description=_l("The larger area this one lies in; leave empty for a top area."),
    )
    area_km2 = FloatField(
        _l("Area in km²"),
        description=_l("The surface in square kilometres; leave empty if unknown."),
        validators=[Optional(), NumberRange(min=0)],
    )
    notes = TextAreaField(
        _l("Notes"),
        description=_l("Internal notes for planning; not shown on the public pages."),
        validators=[Length(max=5000)],
    )
    streets = TextAreaField(
        _l("Streets (one per line; for the public search by street)"),
        description=_l("Street names as in a postal address, e.g. “Bergstraße”."),
        validators=[Length(max=50000)],
    )


class PopulationForm(Form):
    reference_date = DateField(
        _l("Reference date"),
        description=_l("The date the population count refers to (usually 31 December)."),
        validators=[DataRequired()],
    )
    total = IntegerField(
        _l("Inhabitants"),
        description=_l("Everybody living there on the reference date, as a whole number."),
        validators=[Optional(), NumberRange(min=0)],
    )
    under_18 = IntegerField(
        _l("Under 18"),
        description=_l("Inhabitants younger than 18 on the reference date."),
        validators=[Optional(), NumberRange(min=0)],
    )
    under_21 = IntegerField(
        _l("Under 21"),
        description=_l("Inhabitants younger than 21; the HzE rate is counted per 1,000 of them."),
        validators=[Optional(), NumberRange(min=0)],
    )
    source = StringField(
        _l("Source"),
        description=_l("Where the numbers come from, e.g. “Einwohnermeldeamt”."),
        validators=[Length(max=200)],
    )
