"""Officers' sessions, kept server-side (DESIGN.md, "Officer sessions"). No Flask.

The cookie holds a random session id and a random key. The row, found by a hash of the
id, holds the unit private key (and a TOTP secret being enrolled) encrypted under that
key: the server store alone opens nothing, and any worker serves any request.
Sessions end after ``idle`` without a request, after ``maximum`` in any case, and at
logout.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from wbs.crypto import DecryptionError, UnitPrivateKey, decrypt, encrypt
from wbs.models import StaffSession

_UNIT_KEY = b"wbs/staff-session-unit-key/v1"
_PENDING_TOTP = b"wbs/staff-session-totp/v1"
STAGES = ("totp", "enrol", "password", "active")


@dataclass(frozen=True, repr=False)
class SessionToken:
    session_id: bytes
    key: bytes

    @property
    def id_hash(self) -> bytes:
        return hashlib.sha256(self.session_id).digest()

    def encode(self) -> str:
        return base64.urlsafe_b64encode(self.session_id + self.key).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> SessionToken | None:
        try:
            raw = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
        except ValueError:
            return None
        if len(raw) != 48:
            return None
        return cls(raw[:16], raw[16:])

    @classmethod
    def generate(cls) -> SessionToken:
        return cls(os.urandom(16), os.urandom(32))


@dataclass(frozen=True, repr=False)
class OpenSession:
    token: SessionToken
    row: StaffSession

    @property
    def staff_id(self) -> int:
        return self.row.staff_id

    @property
    def stage(self) -> str:
        return self.row.stage

    def unit_key(self) -> UnitPrivateKey | None:
        if self.row.unit_key is None:
            return None
        return UnitPrivateKey.from_raw(
            decrypt(self.token.key, self.row.unit_key, _UNIT_KEY + self.token.id_hash)
        )

    def pending_totp(self) -> str | None:
        if self.row.pending_totp is None:
            return None
        return decrypt(
            self.token.key, self.row.pending_totp, _PENDING_TOTP + self.token.id_hash
        ).decode()

    def set_pending_totp(self, secret: str | None) -> None:
        self.row.pending_totp = (
            None
            if secret is None
            else encrypt(self.token.key, secret.encode(), _PENDING_TOTP + self.token.id_hash)
        )

    def set_unit_key(self, private: UnitPrivateKey | None) -> None:
        self.row.unit_key = (
            None
            if private is None
            else encrypt(self.token.key, private.raw, _UNIT_KEY + self.token.id_hash)
        )


def start(
    session: Session,
    staff_id: int,
    stage: str,
    private: UnitPrivateKey | None,
    now: datetime,
    idle: timedelta,
) -> OpenSession:
    token = SessionToken.generate()
    row = StaffSession(
        id_hash=token.id_hash,
        staff_id=staff_id,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=now + idle,
    )
    session.add(row)
    opened = OpenSession(token, row)
    opened.set_unit_key(private)
    return opened


# The idle expiry slides forward at most this often: a page read within it is not also
# a write to the database (and a commit to wait for). The session therefore ends between
# ``idle`` minus this and ``idle`` after the last request.
SLIDE_STEP = timedelta(seconds=30)


def resume(
    session: Session, cookie: str, now: datetime, idle: timedelta, maximum: timedelta
) -> OpenSession | None:
    """The session behind a cookie, its idle expiry slid forward (at most once per
    SLIDE_STEP); None once ended."""
    token = SessionToken.decode(cookie)
    if token is None:
        return None
    row = session.get(StaffSession, token.id_hash)
    if row is None:
        return None
    if row.expires_at <= now or row.created_at + maximum <= now:
        session.delete(row)
        return None
    opened = OpenSession(token, row)
    try:
        opened.unit_key()
    except DecryptionError:
        return None
    if now - row.last_seen_at >= SLIDE_STEP:
        row.last_seen_at = now
        row.expires_at = min(now + idle, row.created_at + maximum)
    return opened


def end(session: Session, cookie: str) -> None:
    token = SessionToken.decode(cookie)
    if token is not None:
        session.execute(delete(StaffSession).where(StaffSession.id_hash == token.id_hash))


def end_all_for(session: Session, staff_id: int, keep: bytes | None = None) -> None:
    """Log an account out everywhere (disabled, reset), or everywhere but ``keep``."""
    query = delete(StaffSession).where(StaffSession.staff_id == staff_id)
    if keep is not None:
        query = query.where(StaffSession.id_hash != keep)
    session.execute(query)


def delete_expired(session: Session, now: datetime) -> None:
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
