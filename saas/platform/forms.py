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


#: help texts the tenant's own settings page repeats (saas/settings/views.py)
MUNICIPALITY_NAME_HELP = _l(
    "The official name, e.g. “Stadt Marl” or “Regionalverband Saarbrücken”."
)
LOCALE_HELP = _l("The language of the pages until a user chooses another one.")
WORD_HELP = {
    "office": _l("As your pages should say it, e.g. “Stadtteilbüro” or “Sozialraumbüro”."),
    "offices": _l("The plural, e.g. “Stadtteilbüros”."),
    "area": _l("As your pages should say it, e.g. “Stadtteil”, “Sozialraum” or “Quartier”."),
    "areas": _l("The plural, e.g. “Stadtteile”."),
}


class TenantBasicsForm(Form):
    name = StringField(
        _l("Name of the municipality"),
        description=MUNICIPALITY_NAME_HELP,
        validators=[DataRequired(), Length(max=200)],
    )
    slug = StringField(
        _l("Web address (slug)"),
        description=_l("Lower-case letters, digits and hyphens, e.g. stadt-beispiel."),
        validators=[DataRequired(), Length(max=63), SLUG],
    )
    default_locale = SelectField(
        _l("Default language"),
        description=LOCALE_HELP,
        choices=as_choices([("de", "Deutsch"), ("en", "English")]),
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
        description=_l("The template suits a new start; a profile repeats an exported set-up."),
        default="template",
    )
    files = MultipleFileField(
        _l("Profile files"),
        description=_l("The YAML files of a profile folder, or the folder as one ZIP archive."),
    )


class VocabularyForm(Form):
    office = StringField(
        _l("Word for one office"),
        description=WORD_HELP["office"],
        validators=[DataRequired(), Length(max=60)],
    )
    offices = StringField(
        _l("Word for several offices"),
        description=WORD_HELP["offices"],
        validators=[DataRequired(), Length(max=60)],
    )
    area = StringField(
        _l("Word for one area"),
        description=WORD_HELP["area"],
        validators=[DataRequired(), Length(max=60)],
    )
    areas = StringField(
        _l("Word for several areas"),
        description=WORD_HELP["areas"],
        validators=[DataRequired(), Length(max=60)],
    )


class AreasCsvForm(Form):
    file = FileField(
        _l("CSV file with areas"),
        description=_l("One row per area with the columns named above; UTF-8."),
    )
    reference_date = DayField(
        _l("Reference date of the population figures"),
        description=_l("The day the figures were counted, e.g. 31.12.2024."),
        validators=[Optional()],
    )


class FirstAdminForm(Form):
    email = EmailField(
        _l("E-mail of the first administrator"),
        description=_l("This person gets an invitation and then invites the other users."),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
