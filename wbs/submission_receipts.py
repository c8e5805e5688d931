"""Idempotent submission: one report per form, whatever the browser re-sends.

Each report form carries a random one-time token. Filing writes a receipt keyed by an
HMAC of the token, in the same transaction as the case, holding the tracking code
encrypted under a key derived from the token. A double click, a reload or the back
button re-sends the same token: the receipt exists, so no second case is filed and
the same code is shown again. Only the browser that holds the form can open it, and
the receipt is deleted within about two hours.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from wbs.crypto import DecryptionError, decrypt, encrypt, hkdf, hmac_sha256
from wbs.models import SubmissionReceipt
from wbs.tracking_code import TrackingCode

_PURPOSE = "wbs/submission-receipt-code/v1"
LIFETIME = timedelta(hours=1)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _hash(receipt_key: bytes, token: str) -> bytes:
    return hmac_sha256(receipt_key, token.encode())


def _expiry(now: datetime) -> datetime:
    # Rounded up to the hour: the row must not tell when a report was filed.
    return now.replace(minute=0, second=0, microsecond=0) + LIFETIME + timedelta(hours=1)


def record(
    session: Session, receipt_key: bytes, token: str, code: TrackingCode, now: datetime
) -> None:
    """Insert the receipt first in the filing transaction; a duplicate raises IntegrityError."""
    session.execute(delete(SubmissionReceipt).where(SubmissionReceipt.expires_at < now))
    token_hash = _hash(receipt_key, token)
    blob = encrypt(hkdf(token.encode(), _PURPOSE), code.digits.encode(), token_hash)
    session.execute(
        insert(SubmissionReceipt).values(
            token_hash=token_hash, code_blob=blob, expires_at=_expiry(now)
        )
    )


def recall(session: Session, receipt_key: bytes, token: str) -> TrackingCode | None:
    """The code filed with this form's token, if that form was already submitted."""
    token_hash = _hash(receipt_key, token)
    row = session.get(SubmissionReceipt, token_hash)
    if row is None or row.code_blob is None:
        return None
    try:
        digits = decrypt(hkdf(token.encode(), _PURPOSE), row.code_blob, token_hash)
    except DecryptionError:
        return None
    return TrackingCode(digits.decode())
