"""Forms of the staff pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), [InputRequired(_l("Enter your username."))])
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password."))])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        [InputRequired(_l("Enter the six-digit code.")), Length(max=20)],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), [InputRequired(_l("Enter your current password."))]
    )
    new = PasswordField(_l("New password"), [InputRequired(_l("Enter a new password."))])
    repeat = PasswordField(
        _l("New password again"),
        [
            InputRequired(_l("Enter the new password a second time.")),
            EqualTo("new", _l("The two new passwords are not the same.")),
        ],
    )
