"""Invitation, membership and acceptance forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from saas.auth.forms import NewPasswordMixin
from saas.core.fields import IdsSelectField, as_choices, worded
from saas.core.forms import Form
from saas.core.labels import ROLE_LABELS

ROLE_HELP = _l(
    "What the person may do: from reading only (Viewer) to managing users and settings "
    "(Tenant administrator)."
)


def role_choices() -> list[SelectChoice]:
    return as_choices(ROLE_LABELS)


class ScopeMixin:
    office_ids = IdsSelectField(
        worded(_l("Limited to %(offices)s")),
        description=worded(
            _l("The %(offices)s this person works for; leave empty for the whole municipality.")
        ),
    )
    area_ids = IdsSelectField(
        worded(_l("Limited to %(areas)s")),
        description=worded(_l("Only these %(areas)s and their figures; leave empty for all.")),
    )


class InviteForm(Form, ScopeMixin):
    email = EmailField(
        _l("E-mail"),
        description=_l("The invitation link goes to this address; it is valid for 14 days."),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    role = SelectField(_l("Role"), description=ROLE_HELP, choices=role_choices)


class MembershipForm(Form, ScopeMixin):
    role = SelectField(_l("Role"), description=ROLE_HELP, choices=role_choices)


class AcceptNewForm(NewPasswordMixin, Form):
    name = StringField(
        _l("Your name"),
        description=_l("First and last name, as your colleagues see it, e.g. “Anna Schmidt”."),
        validators=[DataRequired(), Length(max=200)],
    )
