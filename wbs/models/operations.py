"""Audit log, mail outbox and the holiday table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base


class AuditEntry(Base):
    """One staff action, login or decryption, linked to the one before by a keyed hash.

    ``seq`` runs 1, 2, 3... without gaps; ``entry_hash`` = HMAC(audit key, prev_hash ‖
    the entry's fields), so an edited, deleted or inserted entry breaks the chain.
    ``detail`` never holds report content: ids, codes and status names only.
    """

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    staff_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash.

    Appending updates this row first, which serialises writers on every backend, and
    lets `wbs audit verify` notice entries cut off the end of the log.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class OutboxMail(Base):
    """A notification to an officer, written in the same transaction as its event and
    sent later by `wbs send-mail`. Holds a link, never report content."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class Holiday(Base):
    """A national holiday or cuti bersama: not a working day (DOMAIN.md, deadlines)."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
