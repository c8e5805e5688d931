"""What a staff password must be (issue 3): at least 12 characters, not common, not
breached-looking. Plain Python, no Flask.

zxcvbn (Dropbox's estimator) knows the most common leaked passwords, dictionary words,
names, keyboard patterns, dates, repeats and l33t substitutions; a password it scores
below 3 ("safely unguessable: moderate protection from offline attacks") is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_SCORE = 3
# Words an attacker would try first against this installation.
LOCAL_WORDS = ("wbs", "inspektorat", "pemda", "kabupaten", "kota", "whistle", "laporan")


@dataclass(frozen=True)
class PasswordProblem:
    # "too_short", "too_long", "contains_username" or "guessable"
    reason: str


def password_problem(password: str, username: str = "") -> PasswordProblem | None:
    if len(password) < MIN_LENGTH:
        return PasswordProblem("too_short")
    if len(password) > MAX_LENGTH:
        return PasswordProblem("too_long")
    if username and username.lower() in password.lower():
        return PasswordProblem("contains_username")
    # zxcvbn's cost grows with length; the first 100 characters decide the score.
    result = zxcvbn(password[:100], user_inputs=[username, *LOCAL_WORDS])
    if result["score"] < MIN_SCORE:
        return PasswordProblem("guessable")
    return None
