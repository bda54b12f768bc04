"""Onboarding wizard forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from saas.core.fields import DayField, as_choices
from saas.core.forms import Form

SLUG = Regexp(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    message=_l("Use lower-case letters, digits and hyphens, e.g. stadt-beispiel."),
)
RESERVED_SLUGS = {"platform", "api", "static", "healthz", "lang", "login", "logout", "admin"}


class TenantBasicsForm(Form):
    name = StringField(_l("Name of the municipality"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address (slug)"),
        validators=[DataRequired(), Length(max=63), SLUG],
    )
    default_locale = SelectField(
        _l("Default language"), choices=as_choices([("de", "Deutsch"), ("en", "English")])
    )


class ProfileChoiceForm(Form):
    source = RadioField(
        _l("Start from"),
        choices=as_choices(
            [
                ("template", _l("the template for new municipalities")),
                ("upload", _l("an uploaded profile (YAML files or a ZIP archive)")),
            ]
        ),
        default="template",
    )
    files = MultipleFileField(_l("Profile files"))


class VocabularyForm(Form):
    office = StringField(_l("Word for one office"), validators=[DataRequired(), Length(max=60)])
    offices = StringField(
        _l("Word for several offices"), validators=[DataRequired(), Length(max=60)]
    )
    area = StringField(_l("Word for one area"), validators=[DataRequired(), Length(max=60)])
    areas = StringField(_l("Word for several areas"), validators=[DataRequired(), Length(max=60)])


class AreasCsvForm(Form):
    file = FileField(_l("CSV file with areas"))
    reference_date = DayField(
        _l("Reference date of the population figures"), validators=[Optional()]
    )


class FirstAdminForm(Form):
    email = EmailField(
        _l("E-mail of the first administrator"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
