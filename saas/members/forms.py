"""Invitation, membership and acceptance forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from saas.auth.forms import NewPasswordMixin
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


class AcceptNewForm(NewPasswordMixin, Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
