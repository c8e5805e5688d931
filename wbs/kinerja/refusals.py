"""Typed values the e-Kinerja rules refuse (issue 7): an entry or a plan line
(wbs/kinerja/entries.py, plans.py), an ASN profile (people.py). Each broken rule is a
``FieldProblem``; all of them come back at once in ``FieldsRefused`` so that the form
can mark every field. The web layer phrases the reason codes. No Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: ``field`` is the form field's name, ``reason`` a
    code the web layer phrases (each service lists its codes)."""

    field: str
    reason: str


class FieldsRefused(ValueError):
    """The typed values break one or more rules; nothing was changed."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(", ".join(f"{p.field}: {p.reason}" for p in self.problems))
