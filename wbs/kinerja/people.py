"""ASN profiles (issue 7): which agency a civil servant works for, the part of its
performance tree he works on, and his atasan langsung (direct supervisor), who reviews
his days. An account with the "asn" role records nothing until it has a profile.

Admins keep the profiles (wbs/kinerja/web/people_views.py). The rules live here,
without Flask: the caller passes the session and a draft, and gets every problem at
once (``FieldsRefused``) so that the form can mark each field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from wbs.kinerja.refusals import FieldProblem, FieldsRefused
from wbs.models import ActivityDay, ActivityEntry, Agency, AsnProfile, PerformanceNode, Staff

# PP 11/2017 (Manajemen PNS): the NIP has 18 digits (birth date, TMT CPNS year and
# month, sex, serial number). Only the shape is checked: the digits' meaning is the
# BKN's business, and a typo there is for the person to correct.
NIP_DIGITS: Final = 18
POSITION_MAX_CHARS: Final = 200  # AsnProfile.position

# The fields a problem is about (the form's field names).
FIELD_STAFF: Final = "staff"
FIELD_AGENCY: Final = "agency"
FIELD_NODE: Final = "node"
FIELD_SUPERVISOR: Final = "supervisor"
FIELD_NIP: Final = "nip"
FIELD_POSITION: Final = "position"

# Reasons of a profile's FieldProblem, for the web layer to phrase.
NOT_ASN: Final = "not_asn"  # a new profile for an account without the "asn" role
AGENCY_MISSING: Final = "agency_missing"
AGENCY_INACTIVE: Final = "agency_inactive"  # no such agency, or deactivated
NODE_NOT_IN_TREE: Final = "node_not_in_tree"
NODE_INACTIVE: Final = "node_inactive"
SUPERVISOR_UNKNOWN: Final = "supervisor_unknown"  # no such account, or disabled
SUPERVISOR_SELF: Final = "supervisor_self"
SUPERVISOR_CYCLE: Final = "supervisor_cycle"
NIP_FORMAT: Final = "nip_format"
POSITION_TOO_LONG: Final = "position_too_long"


@dataclass(frozen=True)
class ProfileDraft:
    """A profile as the admin typed it. ``nip`` may hold spaces ("19800101 200501 1 001",
    as it is printed on the SK); they are dropped."""

    agency_id: int | None
    node_id: int | None = None
    supervisor_id: int | None = None
    nip: str = ""
    position: str = ""
    field_officer: bool = False


class ProfileInUse(Exception):
    """The profile has recorded days: removing it would orphan them from their agency's
    picture. Disabling the account is the way to stop someone recording."""

    def __init__(self, staff_id: int, entries: int) -> None:
        super().__init__(f"staff {staff_id} has {entries} activity entries")
        self.staff_id = staff_id
        self.entries = entries


@dataclass(frozen=True)
class ProfileSaved:
    profile: AsnProfile
    created: bool
    # The names of the fields that changed (all of them for a new profile).
    changed: tuple[str, ...]


def normalised_nip(text: str) -> str:
    """The NIP without the spaces it is often printed with."""
    return "".join(text.split())


def supervisor_chain_reaches(session: Session, start: int | None, staff_id: int) -> bool:
    """True when following atasan links upward from ``start`` reaches ``staff_id``
    (``start`` itself included). A cycle already in the data ends the walk."""
    seen: set[int] = set()
    current = start
    while current is not None and current not in seen:
        if current == staff_id:
            return True
        seen.add(current)
        current = session.scalar(
            select(AsnProfile.supervisor_id).where(AsnProfile.staff_id == current)
        )
    return False


def profile_problems(session: Session, staff: Staff, draft: ProfileDraft) -> list[FieldProblem]:
    """Every rule ``draft`` breaks for ``staff``'s profile, in the form's order."""
    problems: list[FieldProblem] = []
    current = session.get(AsnProfile, staff.id)
    if current is None and "asn" not in staff.role_set:
        problems.append(FieldProblem(FIELD_STAFF, NOT_ASN))
    if draft.agency_id is None:
        problems.append(FieldProblem(FIELD_AGENCY, AGENCY_MISSING))
    else:
        agency = session.get(Agency, draft.agency_id)
        if agency is None or not agency.active:
            problems.append(FieldProblem(FIELD_AGENCY, AGENCY_INACTIVE))
    if draft.node_id is not None:
        node = session.get(PerformanceNode, draft.node_id)
        if node is None or node.agency_id is None or node.agency_id != draft.agency_id:
            problems.append(FieldProblem(FIELD_NODE, NODE_NOT_IN_TREE))
        elif not node.active:
            problems.append(FieldProblem(FIELD_NODE, NODE_INACTIVE))
    if draft.supervisor_id is not None:
        supervisor = session.get(Staff, draft.supervisor_id)
        if draft.supervisor_id == staff.id:
            problems.append(FieldProblem(FIELD_SUPERVISOR, SUPERVISOR_SELF))
        elif supervisor is None or not supervisor.active:
            problems.append(FieldProblem(FIELD_SUPERVISOR, SUPERVISOR_UNKNOWN))
        elif supervisor_chain_reaches(session, draft.supervisor_id, staff.id):
            # A supervises B supervises A: each would approve the other's days.
            problems.append(FieldProblem(FIELD_SUPERVISOR, SUPERVISOR_CYCLE))
    nip = normalised_nip(draft.nip)
    if nip and not (len(nip) == NIP_DIGITS and nip.isascii() and nip.isdigit()):
        problems.append(FieldProblem(FIELD_NIP, NIP_FORMAT))
    if len(draft.position.strip()) > POSITION_MAX_CHARS:
        problems.append(FieldProblem(FIELD_POSITION, POSITION_TOO_LONG))
    return problems


def save_profile(session: Session, staff: Staff, draft: ProfileDraft) -> ProfileSaved:
    """Create or update ``staff``'s profile (flushed, not committed). Raises
    FieldsRefused with every problem when the draft breaks a rule."""
    problems = profile_problems(session, staff, draft)
    if problems:
        raise FieldsRefused(problems)
    assert draft.agency_id is not None  # profile_problems refuses a missing agency
    profile = session.get(AsnProfile, staff.id)
    created = profile is None
    if profile is None:
        profile = AsnProfile(staff_id=staff.id)
        session.add(profile)
    wanted = {
        "agency_id": draft.agency_id,
        "node_id": draft.node_id,
        "supervisor_id": draft.supervisor_id,
        "nip": normalised_nip(draft.nip),
        "position": draft.position.strip(),
        "field_officer": draft.field_officer,
    }
    changed = []
    for name, value in wanted.items():
        if created or getattr(profile, name) != value:
            setattr(profile, name, value)
            changed.append(name)
    session.flush()
    return ProfileSaved(profile, created, tuple(changed))


def entry_count(session: Session, staff_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.staff_id == staff_id)
        )
        or 0
    )


def remove_profile(session: Session, staff_id: int) -> bool:
    """Remove a profile made by mistake (flushed, not committed). False when there is
    none. Raises ProfileInUse when he has recorded anything: his days stay in his
    agency's monthly picture, so the account is disabled instead."""
    profile = session.get(AsnProfile, staff_id)
    if profile is None:
        return False
    entries = entry_count(session, staff_id)
    has_days = session.scalar(select(exists().where(ActivityDay.staff_id == staff_id)))
    if entries or has_days:
        raise ProfileInUse(staff_id, entries)
    session.delete(profile)
    session.flush()
    return True
