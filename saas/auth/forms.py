"""Login, second-factor, password and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from saas.core.forms import Form
from saas.core.passwords import MAX_LENGTH, password_problem


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"),
        description=_l("The address your account was created with."),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("Upper and lower case count."),
        validators=[DataRequired(), Length(max=200)],
    )
    remember = BooleanField(
        _l("Stay signed in on this device"),
        description=_l("Only on a device nobody else uses."),
    )
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
        description=_l("The new password once more, to rule out a typing mistake."),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", email=self.policy_email)
        if problem:
            raise ValidationError(problem)


class SecondFactorForm(Form):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        description=_l(
            "The 6 digits the app shows right now, or one of your printed recovery codes."
        ),
        validators=[DataRequired(), Length(max=20)],
    )


class EnrolForm(Form):
    code = StringField(
        _l("Code shown by the app"),
        description=_l("The 6 digits the app shows after scanning the QR code."),
        validators=[DataRequired(), Length(min=6, max=8)],
    )


def current_password() -> PasswordField:
    """The password the user signs in with, asked to confirm it is them."""
    return PasswordField(
        _l("Current password"),
        description=_l("The password you sign in with now, to confirm it is you."),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
    )


class ChangePasswordForm(NewPasswordMixin, Form):
    current = current_password()


class ConfirmPasswordForm(Form):
    current = current_password()


class ResetRequestForm(Form):
    email = EmailField(
        _l("E-mail"),
        description=_l("The address of your account; a link to set a new password goes there."),
        validators=[DataRequired(), Email(), Length(max=254)],
    )


class ResetForm(NewPasswordMixin, Form):
    pass
