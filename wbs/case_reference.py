"""The reference officers use for a case: WBS-<year received>-<id, six digits>.

Derived from plain metadata, so it names a case without revealing anything of it; it
is what notification mails and the queue show, never the tracking code.
"""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"^\s*WBS-(\d{4})-(\d{6,})\s*$", re.IGNORECASE)


def case_reference(case_id: int, received_on: date) -> str:
    return f"WBS-{received_on.year}-{case_id:06d}"


# Case ids are 32-bit INTEGER columns on every backend.
_MAX_ID = 2**31 - 1


def case_id_from_reference(text: str) -> int | None:
    """The case id a reference (or a bare number) names, or None."""
    text = text.strip()
    if text.isdecimal():
        number = int(text)
    else:
        match = _PATTERN.match(text)
        if not match:
            return None
        number = int(match.group(2))
    return number if number <= _MAX_ID else None
