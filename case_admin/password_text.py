"""Why a password was refused, in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _

from wbs.password_policy import MIN_LENGTH


def password_problem_text(reason: str) -> str:
    return {
        "too_short": _("Use at least %(count)d characters.", count=MIN_LENGTH),
        "too_long": _("Use at most 200 characters."),
        "contains_username": _("The password must not contain your username."),
        "guessable": _(
            "This password is too easy to guess: it is common, appears in leaked password "
            "lists or follows a simple pattern. Try a few unrelated words together."
        ),
    }[reason]
