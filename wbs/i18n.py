"""Language choice: Bahasa Indonesia by default, English on request, remembered in a cookie."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.numbers import NumberPattern, parse_pattern
from flask import request
from flask_babel import get_locale

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


@functools.lru_cache(maxsize=32)
def _number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def decimal_text(value: Decimal | float | int, pattern: str) -> str:
    """``flask_babel.format_decimal(value, format=pattern)``, the pattern parsed once:
    Babel parses it again on every call, and a table of scores formats hundreds."""
    return _number_pattern(pattern).apply(value, get_locale())
