"""Language choice: Bahasa Indonesia by default, English on request, remembered in a cookie."""

from __future__ import annotations

import functools
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from babel.dates import format_date
from babel.numbers import NumberPattern, get_decimal_symbol, get_group_symbol, parse_pattern
from flask import request
from flask_babel import get_locale

from wbs.app_context import settings

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
COOKIE = "lang"
HUNDREDTH = Decimal("0.01")


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


@functools.lru_cache(maxsize=1024)
def _date_text(day: date, format: str, locale: str) -> str:
    return format_date(day, format, locale=locale)


def date_text(day: date, format: str = "medium") -> str:
    """``flask_babel.format_date(day, format)`` for a calendar date, remembered: a long
    table repeats the same few days (Babel rebuilds the pattern on every call)."""
    return _date_text(day, format, str(get_locale()))


def amount_text(value: Decimal) -> str:
    """An amount with grouped thousands and at most two decimals (pattern ``#,##0.##``)
    in the user's locale ("1.250.000,5" in Bahasa Indonesia), for long tables of Rupiah:
    Python groups the digits, Babel gives the locale's symbols. Same text as
    ``decimal_text(value, "#,##0.##")`` (tests/test_i18n.py compares them)."""
    text = f"{value.quantize(HUNDREDTH, rounding=ROUND_HALF_EVEN):,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    locale = get_locale()
    symbols: dict[str, str | int | None] = {
        ",": get_group_symbol(locale),
        ".": get_decimal_symbol(locale),
    }
    return text.translate(str.maketrans(symbols))
