"""Numbers as Indonesian users type them into e-SAKIP forms and spreadsheets.

Indonesian writes "1.234,5" (a comma before the decimals, dots between thousands);
spreadsheets and English-speaking users write "1234.5" or "1,234.5". One rule reads
all of these without ever guessing, and it is the same everywhere a number is typed
(forms, imports):

1. Optional sign ("-", "+" or "−") then digits with at most two kinds of separator,
   "," and "."; surrounding spaces are ignored, spaces inside are not allowed.
2. Both "," and "." present: the LAST one is the decimal separator and the other
   groups thousands ("1.234,5" and "1,234.5" are both 1234.5).
3. Only ",": the comma is the decimal separator ("6,5" is 6.5, "1,234" is 1.234);
   two commas are refused.
4. Only ".": Indonesian style, the dot groups thousands, when every group after a dot
   has exactly three digits and the first group is a valid leading group (1-3 digits,
   not starting with 0): "1.234" is 1234, "12.500.000" is 12500000. Otherwise a single
   dot is a decimal point, as spreadsheets write it: "1234.5", "6.5", "0.125",
   "1234.567". Several dots that do not group thousands are refused ("1.2.3").
5. Thousands groups must have exactly three digits after the first group of one to
   three digits ("1.23,4" and "12,34.5" are refused), and a decimal separator needs
   digits on both sides (",5" and "5," are refused).

So "1.234" means one thousand two hundred thirty-four, as an Indonesian reads it; to
write one point two three four, type "1,234". ``format_number_input`` writes numbers
back into form fields without grouping and with a decimal comma ("1234,5"), which
this rule always reads back to the same value.

No Flask here: callers turn the ``NumberError.reason`` into a message in the user's
language.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SIGNS = {"-": "-", "−": "-", "+": ""}
_DIGITS = re.compile(r"[0-9]+")
_LEADING_GROUP = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")


class NumberError(ValueError):
    """Why a typed number was refused. ``reason`` is one of:

    - ``"empty"``: nothing typed;
    - ``"format"``: not a number by the rule above;
    - ``"places"``: more decimal places than the field keeps;
    - ``"size"``: more digits before the decimal separator than the field keeps.
    """

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason


def _grouped(text: str, separator: str) -> str | None:
    """The digits of ``text`` whose thousands are grouped by ``separator``, or None
    when the groups are not a leading group of 1-3 digits then groups of 3."""
    first, *rest = text.split(separator)
    if not _LEADING_GROUP.fullmatch(first) or not all(_GROUP.fullmatch(g) for g in rest):
        return None
    return first + "".join(rest)


def _integer_part(text: str, separator: str | None) -> str | None:
    if separator is None or separator not in text:
        return text if _DIGITS.fullmatch(text) else None
    return _grouped(text, separator)


def _canonical(text: str) -> str | None:
    """``text`` (without sign) as "1234.5", or None when it breaks the rule."""
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        whole, _sep, fraction = text.rpartition(decimal_sep)
        if decimal_sep in whole:
            return None
        integer = _grouped(whole, group_sep)
    elif "," in text:
        whole, _sep, fraction = text.partition(",")
        if "," in fraction:
            return None
        integer = _integer_part(whole, None)
    elif "." in text:
        grouped = _grouped(text, ".")
        if grouped is not None:
            return grouped
        whole, _sep, fraction = text.partition(".")
        if "." in fraction:
            return None
        integer = _integer_part(whole, None)
    else:
        return text if _DIGITS.fullmatch(text) else None
    if integer is None or not _DIGITS.fullmatch(fraction):
        return None
    return f"{integer}.{fraction}"


def parse_number(
    text: str, *, places: int | None = None, integer_digits: int | None = None
) -> Decimal:
    """The number ``text`` means by the rule in this module's docstring.

    ``places`` and ``integer_digits`` (optional) are what the column keeps, for example
    NUMERIC(20, 4) keeps 4 places and 16 integer digits: a longer number is refused
    rather than silently rounded. Raises ``NumberError`` (a ValueError).
    """
    stripped = text.strip()
    if not stripped:
        raise NumberError("empty", text)
    sign = ""
    if stripped[0] in _SIGNS:
        sign, stripped = _SIGNS[stripped[0]], stripped[1:]
    canonical = _canonical(stripped)
    if canonical is None:
        raise NumberError("format", text)
    try:
        value = Decimal(sign + canonical)
    except InvalidOperation as error:  # pragma: no cover - _canonical only lets digits through
        raise NumberError("format", text) from error
    whole, _sep, fraction = canonical.partition(".")
    if places is not None and len(fraction.rstrip("0")) > places:
        raise NumberError("places", text)
    if integer_digits is not None and len(whole.lstrip("0")) > integer_digits:
        raise NumberError("size", text)
    if value == 0:
        value = abs(value)  # "-0" is 0
    return value


def format_number_input(value: Decimal | None) -> str:
    """``value`` as a form field shows it: decimal comma, no grouping, no trailing
    zeros ("1234,5", "7", "-0,25"); None as "". ``parse_number`` reads it back."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")
