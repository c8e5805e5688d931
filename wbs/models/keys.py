"""The unit key pair, its wraps, and installation-wide values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base


class UnitKey(Base):
    """One version of the inspectorate's X25519 key pair. The public half is plain."""

    __tablename__ = "unit_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Exactly one key is active. During `wbs rotate-unit-key` the new key waits inactive
    # with no retired_at; once every case is re-sealed the old one gets retired_at.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class UnitKeyWrap(Base):
    """The unit private key wrapped under an officer's password or the recovery key."""

    __tablename__ = "unit_key_wrap"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_key_id: Mapped[int] = mapped_column(ForeignKey("unit_key.id"), index=True)
    # "officer" (staff_id set, salt for Argon2id of the password), "recovery", or
    # "successor" (a key being rotated in, wrapped under the old private key until the
    # rotation finishes).
    kind: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class InstallationValue(Base):
    """Installation-wide values such as the Argon2 salt for tracking codes."""

    __tablename__ = "installation_value"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
