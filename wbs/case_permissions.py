"""Who may see a case and who may do what to it (DESIGN.md, "Who uses it"). Plain Python.

- A conflict of interest with the case's agency hides the case from that officer,
  whatever his roles.
- Intake officers and supervisors see every other case; an investigator sees the
  cases assigned to him. Leadership, SAKIP officers and admins see no case at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CASE_ROLES = frozenset({"intake", "investigator", "supervisor"})


@dataclass(frozen=True)
class Actor:
    """The officer acting: id, roles and the agencies he declared a conflict with."""

    staff_id: int
    roles: frozenset[str]
    conflicts: frozenset[int] = frozenset()

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def may_see(actor: Actor, agency_id: int, assignee_id: int | None) -> bool:
    if agency_id in actor.conflicts:
        return False
    if actor.has("intake", "supervisor"):
        return True
    return "investigator" in actor.roles and assignee_id == actor.staff_id


def may_be_assigned(roles: Iterable[str], conflicts: Iterable[int], agency_id: int) -> bool:
    """Who can take a case: a case role and no conflict with its agency."""
    return bool(set(roles) & CASE_ROLES) and agency_id not in set(conflicts)
