"""Staff accounts of the inspectorate and the Pemda, their conflicts and their sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base

# DESIGN.md, "Who uses it": intake officer (verifikator), investigator (pemeriksa),
# supervisor (Inspektur / Irban), leadership (pimpinan), sakip officer, admin.
# Issue 5 adds the agencies' own accounts: agency staff (operator OPD) enter their
# agency's realisations; the agency head (kepala OPD) reads its whole picture. Both
# need ``agency_id`` and reach that agency only. Issue 7 adds "asn": a civil servant who
# records his daily activities in e-Kinerja (his agency is in asn_profile).
ROLES = (
    "admin",
    "intake",
    "investigator",
    "supervisor",
    "leadership",
    "sakip",
    "agency_staff",
    "agency_head",
    "asn",
)
AGENCY_ROLES = frozenset({"agency_staff", "agency_head"})


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Where notifications go (links only, never report content); optional.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Space-separated subset of ROLES; one person may hold several.
    roles: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # TOTP secret encrypted under a server purpose key; empty until the account enrols
    # at its first login (and again after a password reset).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last accepted TOTP time step, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # The officer's own X25519 key pair, so that a supervisor can grant him the unit key
    # while he is away: the grant is sealed to the public half; the private half is
    # wrapped under his password (Argon2id with access_salt) and opened at his login.
    access_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set by an admin's reset: the next login must choose a new password.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The agency of an agency account (AGENCY_ROLES); None for everyone else.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())


class StaffConflict(Base):
    """An agency an officer declared a conflict of interest with: he is never shown,
    assigned or notified about cases against it."""

    __tablename__ = "staff_conflict"
    __table_args__ = (PrimaryKeyConstraint("staff_id", "agency_id"),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    declared_at: Mapped[datetime] = mapped_column(DateTime)


class StaffSession(Base):
    """A logged-in officer, kept server-side so that any worker serves any request.

    ``unit_key`` holds the unit private key encrypted under a random key that lives only
    in the officer's cookie (DESIGN.md, "Officer sessions"): this row alone opens nothing.
    ``stage`` is "totp" until the second factor is given, "enrol" while a first TOTP
    enrolment is pending, "password" while a reset password must be changed, then "active".
    """

    __tablename__ = "staff_session"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    unit_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A TOTP secret being enrolled, encrypted like unit_key.
    pending_totp: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ApiToken(Base):
    """A personal token for the statistics API (issue 4), sent as ``Authorization: Bearer``.

    Only SHA-256 of the token is kept (the token is 32 random bytes, so no slow hash is
    needed); it is shown once at creation. It acts with its owner's roles at the time of
    each request, so disabling the account or removing a role stops it at once.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_on: Mapped[date] = mapped_column(Date)
    last_used_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
