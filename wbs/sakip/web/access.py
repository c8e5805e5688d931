"""Who may see and change what in e-SAKIP (DESIGN.md, "Who uses it"; issue 5).

- SAKIP officers maintain everything: agencies' trees, indicators, targets,
  realisations, monitoring, evaluations and risk registers.
- Leadership, supervisors (the Inspektorat) and admins read every agency.
- An agency account (agency_staff, agency_head) reaches its own agency only: agency
  staff enter its realisations, monitoring figures and risk register; the head reads
  its whole picture. Another agency's pages answer 404, as if they did not exist.

No SAKIP page shows report content; the integrity link uses anonymous aggregates only.
"""

from __future__ import annotations

from typing import overload

from flask import abort

from wbs.app_context import db_session
from wbs.models import Agency
from wbs.staff_auth import Officer

READ_ALL_ROLES = frozenset({"sakip", "leadership", "supervisor", "admin"})
AGENCY_ROLES = frozenset({"agency_staff", "agency_head"})
SAKIP_ROLES = tuple(sorted(READ_ALL_ROLES | AGENCY_ROLES))
# Structure, targets and evaluations: SAKIP officers only.
MAINTAIN_ROLES = ("sakip",)
# Realisations, monitoring figures and risk registers: also the agency's own staff.
ENTRY_ROLES = ("sakip", "agency_staff")


def reads_every_agency(officer: Officer) -> bool:
    return officer.has(*READ_ALL_ROLES)


def own_agency(officer: Officer) -> int | None:
    """The one agency an agency account is limited to, or None for the others."""
    if reads_every_agency(officer):
        return None
    return officer.staff.agency_id


def check_reads(officer: Officer, agency_id: int | None) -> None:
    """404 unless the officer may read this agency (None: the Pemda's own pages)."""
    if reads_every_agency(officer):
        return
    if agency_id is None or officer.staff.agency_id != agency_id:
        abort(404)


def may_enter(officer: Officer, agency_id: int | None) -> bool:
    """Realisations, monitoring figures, risks: SAKIP officers, and the agency's own staff."""
    if officer.has("sakip"):
        return True
    return (
        agency_id is not None
        and officer.has("agency_staff")
        and officer.staff.agency_id == agency_id
    )


def check_enters(officer: Officer, agency_id: int | None) -> None:
    check_reads(officer, agency_id)
    if not may_enter(officer, agency_id):
        abort(403)


def may_maintain(officer: Officer) -> bool:
    return officer.has(*MAINTAIN_ROLES)


@overload
def agency_or_404(agency_id: int) -> Agency: ...
@overload
def agency_or_404(agency_id: None) -> None: ...
def agency_or_404(agency_id: int | None) -> Agency | None:
    """The agency (None for the Pemda's own pages), or 404 when there is no such agency."""
    if agency_id is None:
        return None
    found = db_session().get(Agency, agency_id)
    if found is None:
        abort(404)
    return found
