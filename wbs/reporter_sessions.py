"""A reporter's open status page, kept server-side without the tracking code.

After one successful look-up, the case id and data key are stored encrypted under a
random key that lives only in the reporter's cookie; the database row alone opens
nothing, and the cookie alone names nothing. The code itself is never kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from wbs.crypto import DataKey, DecryptionError, decrypt, encrypt
from wbs.models import ReporterSession
from wbs.reporter_access import ReporterAccess

_PURPOSE = b"wbs/reporter-session/v1"
# Expiry times are rounded up to this step, so that no row holds the exact time of a
# reporter's request (DESIGN.md, "Anonymity rules"). Sessions last lifetime..+step.
EXPIRY_STEP = timedelta(minutes=15)


def _expiry(now: datetime, lifetime: timedelta) -> datetime:
    exact = now + lifetime
    floor = exact.replace(minute=0, second=0, microsecond=0)
    steps = -(-(exact - floor) // EXPIRY_STEP)  # ceiling division
    return floor + steps * EXPIRY_STEP


def _split(token: str) -> tuple[bytes, bytes] | None:
    try:
        raw = base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4))
    except ValueError:
        return None
    if len(raw) != 48:
        return None
    return hashlib.sha256(raw[:16]).digest(), raw[16:]


def open_session(
    session: Session, access: ReporterAccess, lifetime: timedelta, now: datetime
) -> str:
    session_id, key = os.urandom(16), os.urandom(32)
    id_hash = hashlib.sha256(session_id).digest()
    payload = json.dumps({"case": access.case_id, "key": access.data_key.raw.hex()}).encode()
    session.add(
        ReporterSession(
            id_hash=id_hash,
            blob=encrypt(key, payload, _PURPOSE + id_hash),
            expires_at=_expiry(now, lifetime),
        )
    )
    return base64.urlsafe_b64encode(session_id + key).decode().rstrip("=")


def resume(
    session: Session, token: str, lifetime: timedelta, now: datetime
) -> ReporterAccess | None:
    """The access behind a cookie token, sliding its expiry; None once expired or ended."""
    session.execute(delete(ReporterSession).where(ReporterSession.expires_at < now))
    parts = _split(token)
    if parts is None:
        return None
    id_hash, key = parts
    row = session.get(ReporterSession, id_hash)
    if row is None:
        return None
    try:
        payload = json.loads(decrypt(key, row.blob, _PURPOSE + id_hash))
    except DecryptionError:
        return None
    row.expires_at = _expiry(now, lifetime)
    return ReporterAccess(int(payload["case"]), DataKey(bytes.fromhex(payload["key"])))


def end_session(session: Session, token: str) -> None:
    parts = _split(token)
    if parts is not None:
        session.execute(delete(ReporterSession).where(ReporterSession.id_hash == parts[0]))
