"""Invitation, membership and acceptance forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from saas.core.fields import IdsSelectField, as_choices
from saas.core.forms import Form
from saas.core.labels import ROLE_LABELS


def role_choices() -> list[SelectChoice]:
    return as_choices(ROLE_LABELS)


class ScopeMixin:
    office_ids = IdsSelectField(
        _l("Limited to offices"),
        description=_l("Leave empty for the whole municipality."),
    )
    area_ids = IdsSelectField(_l("Limited to areas"))


class InviteForm(Form, ScopeMixin):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices)


class MembershipForm(Form, ScopeMixin):
    role = SelectField(_l("Role"), choices=role_choices)


class AcceptNewForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Choose a password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class AcceptExistingForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
