"""The reporter's tracking code and the keys derived from it (DESIGN.md, "Tracking code").

Sixteen digits from ``secrets``: fifteen random digits and a Damm check digit, so a
typo is told apart from a wrong code before any look-up (10^15 codes stay possible).
The Damm algorithm detects every single-digit error and every adjacent transposition.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from stdnum import damm

from wbs.crypto import Argon2Params, argon2id, hkdf, hmac_sha256

DIGITS = 16
_SEPARATORS = re.compile(r"[\s\-]+")


class CodeFormatError(ValueError):
    """The text is not sixteen digits (after removing spaces and dashes)."""


class MistypedCodeError(ValueError):
    """Sixteen digits whose check digit is wrong: a typo, not some other report's code."""


class TrackingCode:
    __slots__ = ("_digits",)

    def __init__(self, digits: str) -> None:
        if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
            raise CodeFormatError("a tracking code is 16 digits")
        if not damm.is_valid(digits):
            raise MistypedCodeError("the check digit does not match")
        self._digits = digits

    @classmethod
    def generate(cls) -> TrackingCode:
        body = f"{secrets.randbelow(10 ** (DIGITS - 1)):0{DIGITS - 1}d}"
        return cls(body + str(damm.calc_check_digit(body)))

    @classmethod
    def parse(cls, text: str) -> TrackingCode:
        """Accept the code as people type it: spaces or dashes between the groups."""
        return cls(_SEPARATORS.sub("", text or ""))

    @property
    def digits(self) -> str:
        return self._digits

    def grouped(self) -> str:
        return " ".join(self._digits[i : i + 4] for i in range(0, DIGITS, 4))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrackingCode) and secrets.compare_digest(
            self._digits, other._digits
        )

    def __hash__(self) -> int:
        return hash(self._digits)

    # The code is a secret: never let it reach a log line or a traceback by accident.
    def __repr__(self) -> str:
        return "TrackingCode(<secret>)"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class CodeKeys:
    """What one Argon2id run over a tracking code yields."""

    lookup_id: bytes
    wrap_key: bytes

    def __repr__(self) -> str:
        return "CodeKeys(<secret>)"


def derive_code_keys(
    code: TrackingCode, salt: bytes, pepper: bytes, params: Argon2Params
) -> CodeKeys:
    """out = Argon2id(code, installation salt); look-up id = HMAC(pepper, out);
    reporter wrap key = HKDF(out, salt = pepper, "wbs/reporter-wrap/v1").

    Without the pepper (derived from the server secret, never stored in the database)
    a stolen database cannot even test a guess: neither against a look-up id nor by
    trying to open a reporter's key wrap, which is why the wrap key takes the pepper too.
    """
    out = argon2id(code.digits.encode(), salt, params)
    return CodeKeys(
        lookup_id=hmac_sha256(pepper, out),
        wrap_key=hkdf(out, "wbs/reporter-wrap/v1", salt=pepper),
    )
