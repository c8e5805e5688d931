"""Short-lived server-side records that let a browser come back without re-typing a secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base


class SubmissionReceipt(Base):
    """One per submitted report form, so a double click or reload never files twice.

    The tracking code is kept encrypted under a key derived from the form's one-time
    token, which only the submitting browser holds; the row expires within the hour.
    """

    __tablename__ = "submission_receipt"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    code_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ReporterSession(Base):
    """A reporter's open status page: the case id and data key, encrypted under a
    random key that lives only in the reporter's cookie. The row alone opens nothing."""

    __tablename__ = "reporter_session"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
