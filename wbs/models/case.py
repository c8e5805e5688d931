"""A report as a case: plain workflow metadata, everything else encrypted.

Plain on purpose (DESIGN.md, "Encryption at rest"): agency, category, status, dates,
severity, outcome, assignment. Reporter-side dates are kept at day precision, never a
time of day. After the retention purge only these plain fields remain.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base


class Case(Base):
    __tablename__ = "case_file"
    __table_args__ = (
        # Keyset pagination of the queue: (filter column, due_on, id) for each filter.
        Index("ix_case_file_due_on_id", "due_on", "id"),
        Index("ix_case_file_status_due_on_id", "status", "due_on", "id"),
        Index("ix_case_file_agency_id_due_on_id", "agency_id", "due_on", "id"),
        Index("ix_case_file_category_id_due_on_id", "category_id", "due_on", "id"),
        Index("ix_case_file_assignee_id_due_on_id", "assignee_id", "due_on", "id"),
        Index("ix_case_file_received_on_id", "received_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # HMAC(pepper, Argon2id(code, salt)): finds the case from a tracking code.
    # NULL once purged, so the code opens nothing.
    lookup_id: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    received_on: Mapped[date] = mapped_column(Date)
    unit_key_id: Mapped[int] = mapped_column(ForeignKey("unit_key.id"), index=True)
    # The data key sealed to the unit public key, and wrapped under the reporter's code
    # key. Both NULL after the retention purge (crypto-shredding).
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The report itself (JSON), encrypted under the data key.
    body: Mapped[bytes | None] = mapped_column(LargeBinary)

    # --- handling (plain workflow metadata) ---
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Due date of the earliest open deadline; NULL when no clock runs (closed...).
    due_on: Mapped[date | None] = mapped_column(Date)
    # The due date a deadline warning was last mailed for, so it is mailed once.
    due_warned_on: Mapped[date | None] = mapped_column(Date)
    # Milestones, for deadlines and the statistics of issue 4.
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    triage_started_on: Mapped[date | None] = mapped_column(Date)
    verified_on: Mapped[date | None] = mapped_column(Date)
    # The file is complete (DOMAIN.md: completion counts from here): investigation began.
    complete_on: Mapped[date | None] = mapped_column(Date)
    first_feedback_on: Mapped[date | None] = mapped_column(Date)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Waiting for the reporter pauses every clock: days paused so far, and since when.
    paused_since: Mapped[date | None] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    # Outcome: substantiated, not_substantiated, forwarded, rejected.
    outcome: Mapped[str | None] = mapped_column(String(30))
    # PP 94/2021: ringan, sedang, berat.
    severity: Mapped[str | None] = mapped_column(String(10))
    # Forwarded: the destination (KPK, APH, another APIP, ...), a code from a fixed list.
    forwarded_to: Mapped[str | None] = mapped_column(String(30))
    # Rejected: the reason group, for statistics; the reporter reads the full reason.
    rejection_reason: Mapped[str | None] = mapped_column(String(30))
    follow_up_done_on: Mapped[date | None] = mapped_column(Date)
    purged_on: Mapped[date | None] = mapped_column(Date)


class CaseEvent(Base):
    """A step of the case; the reporter sees it when visible_to_reporter is set.

    ``note`` is the officer's internal why; ``public_note`` is what the reporter reads.
    Both are encrypted under the case's data key. Staff events also keep the exact
    time in ``recorded_at``; reporter events keep only the day.
    """

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(30))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    visible_to_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    public_note: Mapped[bytes | None] = mapped_column(LargeBinary)


class Message(Base):
    """The conversation between the reporter and the officers, encrypted."""

    __tablename__ = "case_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)
    # "reporter" or "officer"
    author: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CaseNote(Base):
    """An officer's internal note: never shown to the reporter. Encrypted."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CaseProposal(Base):
    """A rejection or conclusion waiting for a second supervisor (four eyes).

    Plain fields are what statistics need once approved; ``payload`` (encrypted JSON)
    holds the reason the reporter will read, the recommendation and the internal why.
    """

    __tablename__ = "case_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    # "reject" or "conclude"
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    severity: Mapped[str | None] = mapped_column(String(10))
    rejection_reason: Mapped[str | None] = mapped_column(String(30))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    # NULL while pending; then "approved" or "declined".
    decision: Mapped[str | None] = mapped_column(String(20))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


class Attachment(Base):
    """An evidence file. Name, type and size live in the encrypted ``meta``."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    added_on: Mapped[date] = mapped_column(Date)
    meta: Mapped[bytes] = mapped_column(LargeBinary)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)


class AttachmentChunk(Base):
    """At most 1 MiB of an attachment, encrypted with its index and a final flag in the AAD."""

    __tablename__ = "attachment_chunk"
    __table_args__ = (PrimaryKeyConstraint("attachment_id", "chunk_index"),)

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"))
    chunk_index: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
