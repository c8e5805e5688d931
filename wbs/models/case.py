"""A report as a case: plain workflow metadata, everything else encrypted.

Plain on purpose (DESIGN.md, "Encryption at rest"): agency, category, status, dates,
assignment. Reporter-side dates are kept at day precision, never a time of day.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base


class Case(Base):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # HMAC(pepper, Argon2id(code, salt)): finds the case from a tracking code.
    lookup_id: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    unit_key_id: Mapped[int] = mapped_column(ForeignKey("unit_key.id"))
    # The data key sealed to the unit public key, and wrapped under the reporter's code key.
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The report itself (JSON), encrypted under the data key.
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CaseEvent(Base):
    """A dated step of the case; the reporter sees it when visible_to_reporter is set."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    visible_to_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Reason or note, encrypted under the case's data key.
    note: Mapped[bytes | None] = mapped_column(LargeBinary)


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
