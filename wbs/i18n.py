"""Language choice: Bahasa Indonesia by default, English on request, remembered in a cookie."""

from __future__ import annotations

from flask import request

from wbs.app_context import settings

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return settings().default_locale


def file_size(size: int) -> str:
    """A file size with the unit and the decimal separator of the user's language
    ("1,5 MB" in Bahasa Indonesia); Jinja's own filesizeformat always writes English."""
    from flask_babel import format_decimal

    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{format_decimal(round(size / factor, 1), format='#,##0.#')} {unit}"
    return f"{format_decimal(size)} B"
