"""Who may see and change what in e-Kinerja (issue 7).

- An ASN (role "asn" with a profile) records and reads his own days only.
- His atasan langsung (the profile's supervisor: any staff account) reviews his days
  and reads his photos.
- Reading an agency's monthly totals: the agency's head (agency_head of that agency)
  and those who read every agency in e-SAKIP (sakip, leadership, supervisor, admin).
- Profiles (agency, tree node, atasan): admins.

Someone else's day or photo answers 404, as if it did not exist.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import exists, select

from wbs.app_context import db_session
from wbs.models import AsnProfile
from wbs.sakip.web.access import READ_ALL_ROLES
from wbs.staff_auth import Officer

PROFILE_ROLES = ("admin",)


def own_profile(officer: Officer) -> AsnProfile | None:
    if not officer.has("asn"):
        return None
    return db_session().get(AsnProfile, officer.id)


def reviews_anyone(officer: Officer) -> bool:
    return bool(db_session().scalar(select(exists().where(AsnProfile.supervisor_id == officer.id))))


def may_review(officer: Officer, profile: AsnProfile) -> bool:
    return profile.supervisor_id == officer.id


def may_read_agency(officer: Officer, agency_id: int) -> bool:
    if officer.has(*READ_ALL_ROLES):
        return True
    return officer.has("agency_head") and officer.staff.agency_id == agency_id


def check_reads_agency(officer: Officer, agency_id: int) -> None:
    if not may_read_agency(officer, agency_id):
        abort(404)


def profile_or_404(staff_id: int) -> AsnProfile:
    found = db_session().get(AsnProfile, staff_id)
    if found is None:
        abort(404)
    return found


def check_sees_person(officer: Officer, profile: AsnProfile) -> None:
    """His own days, his atasan, or a reader of his agency; else 404."""
    if profile.staff_id == officer.id or may_review(officer, profile):
        return
    check_reads_agency(officer, profile.agency_id)
