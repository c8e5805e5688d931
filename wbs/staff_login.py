"""Staff login: password with slow-down and lockout, then TOTP. Plain Python, no Flask.

Failed attempts (wrong password or wrong TOTP code) count per account: after the
second failure each next attempt must wait a little longer (5 s, 10 s, 20 s ...), and
at ``lockout_attempts`` the account locks for ``lockout_minutes`` (OWASP Authentication
Cheat Sheet, "Account lockout"). An admin unlocks by re-enabling the account.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.crypto import Argon2Params, associated_data, decrypt, encrypt
from wbs.models import Staff
from wbs.staff_accounts import password_hasher

TOTP_PURPOSE = "wbs/totp-secret/v1"
ISSUER = "WBS"


@functools.cache
def _dummy_hash(params: Argon2Params) -> str:
    """A hash verified when the username is unknown, so that the answer takes as long
    as for a known one (no username enumeration by timing)."""
    return password_hasher(params).hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class LoginPolicy:
    lockout_attempts: int
    lockout_minutes: int


@dataclass(frozen=True)
class PasswordCheck:
    # "ok", "wrong" (unknown user or wrong password), "wait" (slow-down), "locked",
    # "disabled"
    outcome: str
    staff: Staff | None = None
    until: datetime | None = None


def _register_failure(staff: Staff, policy: LoginPolicy, now: datetime) -> None:
    staff.failed_logins += 1
    if staff.failed_logins >= policy.lockout_attempts:
        staff.locked_until = now + timedelta(minutes=policy.lockout_minutes)
    elif staff.failed_logins >= 2:
        staff.locked_until = now + timedelta(seconds=5 * 2 ** (staff.failed_logins - 2))


def _blocked(staff: Staff, policy: LoginPolicy, now: datetime) -> PasswordCheck | None:
    if staff.locked_until is not None and staff.locked_until > now:
        kind = "locked" if staff.failed_logins >= policy.lockout_attempts else "wait"
        return PasswordCheck(kind, staff, staff.locked_until)
    return None


def check_password(
    session: Session,
    username: str,
    password: str,
    params: Argon2Params,
    policy: LoginPolicy,
    now: datetime,
) -> PasswordCheck:
    hasher = password_hasher(params)
    staff = session.scalar(select(Staff).where(Staff.username == username.strip()))
    if staff is None:
        try:
            hasher.verify(_dummy_hash(params), password)
        except VerificationError:
            pass
        return PasswordCheck("wrong")
    blocked = _blocked(staff, policy, now)
    try:
        hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        if blocked is not None:
            # A wrong password while locked gets the answer an unknown username gets, so
            # the lock tells no one that the account exists; it does not count again.
            return PasswordCheck("wrong", staff)
        _register_failure(staff, policy, now)
        return PasswordCheck("wrong", staff)
    if blocked is not None:
        # Only someone who knows the password learns that the account is locked.
        return blocked
    if not staff.active:
        return PasswordCheck("disabled", staff)
    if hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hasher.hash(password)
    return PasswordCheck("ok", staff)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, organisation: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=username, issuer_name=f"{ISSUER} {organisation}"
    )


def encrypt_totp_secret(key: bytes, staff_id: int, secret: str) -> bytes:
    return encrypt(key, secret.encode(), associated_data(TOTP_PURPOSE, staff_id))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to, allowing one step of clock drift either way."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(staff: Staff, secret: str, code: str, key: bytes, now: datetime) -> bool:
    step = _matching_step(secret, code, now)
    if step is None:
        return False
    staff.totp_secret = encrypt_totp_secret(key, staff.id, secret)
    staff.totp_last_step = step
    return True


def check_totp(
    staff: Staff, code: str, key: bytes, policy: LoginPolicy, now: datetime
) -> PasswordCheck:
    """The second factor. A code already used (same or earlier step) is refused."""
    blocked = _blocked(staff, policy, now)
    if blocked is not None:
        return blocked
    if staff.totp_secret is None:
        return PasswordCheck("wrong", staff)
    secret = decrypt(
        key, staff.totp_secret, associated_data(TOTP_PURPOSE, staff.id), what="TOTP secret"
    ).decode()
    step = _matching_step(secret, code, now)
    if step is None or (staff.totp_last_step is not None and step <= staff.totp_last_step):
        _register_failure(staff, policy, now)
        return PasswordCheck("wrong", staff)
    staff.totp_last_step = step
    return PasswordCheck("ok", staff)


def login_succeeded(staff: Staff, now: datetime) -> None:
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = now
