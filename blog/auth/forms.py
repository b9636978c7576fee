"""Forms of the auth area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length


class LoginForm(FlaskForm):
    """Staff sign-in. ``next`` comes back as typed; the view checks it is a local path."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1024)])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only a CSRF token: signing out is a POST so another site cannot sign people out."""


class ForgotPasswordForm(FlaskForm):
    """The address for "Forgot your password?". The view answers the same whatever is typed."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address."), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice. The strength rules are ``check_password_strength``'s, applied
    by the area function so this form, the CLI and account creation never disagree."""

    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Type a new password."),
            Length(max=1024, message="That password is too long: use at most 1024 characters."),
        ],
    )
    confirm = PasswordField("Type it again", validators=[InputRequired("Type the new password a second time.")])
