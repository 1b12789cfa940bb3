"""The sign-in form. CSRFProtect checks the token for every POST, so the form leaves it alone."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    class Meta:
        csrf = False  # already checked app-wide by CSRFProtect, before the view runs

    email = EmailField(
        "Email address", validators=[DataRequired("Enter your email address"), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=1000)]
    )
    next = HiddenField()

    def first_error(self) -> str | None:
        for field in (self.email, self.password):
            if field.errors:
                return field.errors[0]
        return None
