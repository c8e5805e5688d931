"""e-Kinerja (issue 7): civil servants' daily activity reports with photo evidence.

An ASN (staff account with the "asn" role) has a profile: his agency, optionally the
node of the agency's performance tree he works on, and his atasan langsung (direct
supervisor), who reviews each day's entries. Field work carries photos that keep their
EXIF (capture time and GPS) on purpose: they are the ASN's own evidence, unlike the
anonymous reports' attachments (wbs/kinerja/photo_evidence.py explains the flags).

Quantities are NUMERIC (outputs add up exactly); coordinates are NUMERIC(9, 6),
about 0.1 m, more than any phone's GPS gives.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base

OUTPUT = Numeric(14, 2)
COORDINATE = Numeric(9, 6)
# The state of one ASN's day (wbs/kinerja/monthly.py): entered and waiting for the
# supervisor, approved, or returned with a comment to be corrected.
DAY_STATES = ("submitted", "approved", "returned")


class AsnProfile(Base):
    __tablename__ = "asn_profile"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    # The part of the agency's performance tree he works on; None: the whole agency.
    node_id: Mapped[int | None] = mapped_column(ForeignKey("performance_node.id"))
    # Atasan langsung: the account that reviews his days.
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # NIP: 18 digits (PP 11/2017); optional, shown to his supervisor only.
    nip: Mapped[str] = mapped_column(String(18), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    # Field officers (procurement officers, project supervisors) report with photos.
    field_officer: Mapped[bool] = mapped_column(Boolean, default=False)


class ActivityPlan(Base):
    """The planned output of one ASN for a month, per target and unit."""

    __tablename__ = "activity_plan"
    __table_args__ = (UniqueConstraint("staff_id", "year", "month", "target_key", "unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    # "ind:<indicator id>", "node:<performance node id>" or "" (no link).
    target_key: Mapped[str] = mapped_column(String(30), default="")
    unit: Mapped[str] = mapped_column(String(60))
    planned: Mapped[Decimal] = mapped_column(OUTPUT)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ActivityDay(Base):
    """One ASN's day: its review state, the supervisor's comment."""

    __tablename__ = "activity_day"
    __table_args__ = (
        PrimaryKeyConstraint("staff_id", "day"),
        Index("ix_activity_day_agency_month", "agency_id", "day"),
    )

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    # The agency at the time (a transfer does not move past days to the new agency).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    state: Mapped[str] = mapped_column(String(10), default="submitted")
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ActivityEntry(Base):
    __tablename__ = "activity_entry"
    __table_args__ = (
        Index("ix_activity_entry_staff_day", "staff_id", "day"),
        Index("ix_activity_entry_agency_day", "agency_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    # The agency of its ActivityDay (always the same): an agency's month reads its
    # entries by (agency_id, day) without a pass over every entry of every month.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    activity: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(OUTPUT)
    unit: Mapped[str] = mapped_column(String(60))
    target_key: Mapped[str] = mapped_column(String(30), default="")
    # Field work: where and when, as the ASN states it (typed, or from the device).
    place: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    longitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    started_at: Mapped[str] = mapped_column(String(5), default="")  # "HH:MM", local time
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ActivityPhoto(Base):
    """A photo as uploaded (EXIF kept), its facts and the flags the server found."""

    __tablename__ = "activity_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("activity_entry.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC
    latitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    longitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    # 64-bit dHash, stored signed (BIGINT); compared masked to 64 bits.
    fingerprint: Mapped[int] = mapped_column(BigInteger)
    # JSON list of the flags (kind and details), computed at upload.
    flags: Mapped[str] = mapped_column(Text, default="[]")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)


class ActivityPhotoChunk(Base):
    """At most 256 KiB of a photo: uploads are copied in chunks, never held whole."""

    __tablename__ = "activity_photo_chunk"
    __table_args__ = (PrimaryKeyConstraint("photo_id", "chunk_index"),)

    photo_id: Mapped[int] = mapped_column(ForeignKey("activity_photo.id"))
    chunk_index: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
