"""Login, second-factor, password and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from saas.core.forms import Form
from saas.core.passwords import MAX_LENGTH, password_problem


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Stay signed in on this device"))
    next = HiddenField()


class NewPasswordMixin:
    """A new password with confirmation, checked against the one policy."""

    #: the account's address, so the policy can refuse passwords containing it
    policy_email: str | None = None

    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters; common or leaked passwords are refused."),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", email=self.policy_email)
        if problem:
            raise ValidationError(problem)


class SecondFactorForm(Form):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
    )


class EnrolForm(Form):
    code = StringField(
        _l("Code shown by the app"), validators=[DataRequired(), Length(min=6, max=8)]
    )


class ChangePasswordForm(NewPasswordMixin, Form):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class ConfirmPasswordForm(Form):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetForm(NewPasswordMixin, Form):
    pass
