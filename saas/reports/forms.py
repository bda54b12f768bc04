"""Forms for editing report templates (tenant-local variants and shared versions)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from saas.carriers.forms import CODE
from saas.core.fields import NoControlCharacters
from saas.core.forms import Form
from saas.reports.definition import parse_json, validate_definition


class TemplateForm(Form):
    """Title, description and the JSON definition; ``stamp`` guards against lost updates."""

    title_de = StringField(
        _l("Title (German)"),
        description=_l("The heading of German reports, e.g. “Jahresbericht Sozialraumarbeit”."),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"lang": "de"},
    )
    title_en = StringField(
        _l("Title (English)"),
        description=_l("The heading of English reports, e.g. “Annual report”."),
        validators=[Optional(), Length(max=200)],
        render_kw={"lang": "en"},
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What the report shows and for whom, in one or two sentences."),
        validators=[Length(max=5000)],
    )
    definition = TextAreaField(
        _l("Definition (JSON)"),
        description=_l(
            'JSON with a list "sections". Each section has a "type" (kpis, timeseries, bars, '
            'table, activities or text), "title_de", "title_en" and optionally "text_de", '
            '"text_en". Data sections name their "indicators", "by" (total or level), optionally '
            'an area "level" code and "years" (range or last); activity sections count "by" '
            "office, kind, offering or principle. {office} and {area} in titles become your own "
            "words."
        ),
        validators=[
            DataRequired(),
            Length(max=200_000),
            NoControlCharacters(multiline=True, tabs=True),  # JSON may be indented with tabs
        ],
    )
    stamp = HiddenField()

    def parsed_definition(self, locale: str) -> Any:
        """The definition as data, or None after adding the problems as field errors."""
        data, errors = parse_json(self.definition.data or "", locale)
        if not errors:
            errors = validate_definition(data, locale)
        if errors:
            self.definition.errors = [*self.definition.errors, *errors]
            return None
        return data


class NewTemplateForm(TemplateForm):
    code = StringField(
        _l("Code"),
        description=_l("A short key, e.g. jahresbericht: lower-case letters, digits, - _ ."),
        validators=[DataRequired(), Length(max=80), CODE],
    )
