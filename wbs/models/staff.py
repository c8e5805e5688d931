"""Staff accounts of the inspectorate and the Pemda."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wbs.models.base import Base

ROLES = ("admin", "intake", "investigator", "supervisor", "leadership", "sakip")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Space-separated subset of ROLES; one person may hold several.
    roles: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Encrypted TOTP secret; empty until the account enrols at its first login.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())
