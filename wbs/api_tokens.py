"""Personal API tokens for the statistics API (issue 4). No Flask import.

A token is ``wbs_`` followed by 32 random bytes (``secrets.token_urlsafe``); the prefix
lets secret scanners and people recognise one in a paste or a log. Only its SHA-256 is
stored: 256 random bits need no slow hash, and the unique index finds the row without
comparing secrets in Python. The token is shown once, at creation, and never logged.

A token acts with its owner's roles at the time of each request: disabling the account
or taking a role away stops it at once (the API checks the roles, this module the rest).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.models import ApiToken, Staff

PREFIX = "wbs_"
# A token is meant for a dashboard or a script that one person looks after; a year is
# the longest it may run before someone decides again that it is still needed.
MAX_DAYS_VALID = 365
DEFAULT_DAYS_VALID = 90
MAX_NAME_LENGTH = 80
# Longer than any token we issue: a bigger header value is not worth hashing.
_MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True, repr=False)
class IssuedToken:
    """A token just created: ``secret`` is to be shown once and then forgotten."""

    row: ApiToken
    secret: str

    def __repr__(self) -> str:
        return f"IssuedToken(id={self.row.id}, name={self.row.name!r})"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create_token(
    session: Session, staff: Staff, name: str, today: date, days_valid: int, now: datetime
) -> IssuedToken:
    """A new token of ``staff`` that works from ``today`` until the day before
    ``today + days_valid`` (the row's ``expires_on``). The caller commits."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a token name has 1 to {MAX_NAME_LENGTH} characters")
    if not 1 <= days_valid <= MAX_DAYS_VALID:
        raise ValueError(f"a token is valid for 1 to {MAX_DAYS_VALID} days, not {days_valid}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        staff_id=staff.id,
        name=name,
        token_hash=token_hash(secret),
        created_at=now.replace(tzinfo=None),
        expires_on=today + timedelta(days=days_valid),
    )
    session.add(row)
    session.flush()
    return IssuedToken(row, secret)


def is_usable(row: ApiToken, today: date) -> bool:
    """Neither revoked nor expired (the day ``expires_on`` is the first it no longer works)."""
    return row.revoked_at is None and today < row.expires_on


def verify_token(session: Session, token: str, today: date) -> Staff | None:
    """The active account a token belongs to, or None when the token is unknown,
    revoked or expired, or its account disabled or gone.

    Marks the token used today (one write a day at most, however often it is used).
    The caller commits.
    """
    token = token.strip()
    if not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or not is_usable(row, today):
        return None
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        return None
    if row.last_used_on != today:
        row.last_used_on = today
    return staff


def revoke_token(session: Session, staff: Staff, token_id: int, now: datetime) -> bool:
    """Revoke one of ``staff``'s own tokens; False when he has no such token or it is
    already revoked. The caller commits."""
    row = session.get(ApiToken, token_id)
    if row is None or row.staff_id != staff.id or row.revoked_at is not None:
        return False
    row.revoked_at = now.replace(tzinfo=None)
    return True


def list_tokens(session: Session, staff: Staff) -> list[ApiToken]:
    """Every token of ``staff``, revoked and expired ones included, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.staff_id == staff.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
