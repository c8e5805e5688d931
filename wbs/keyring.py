"""The unit key pair and its wraps (DESIGN.md, "Encryption at rest").

The private key is never stored in plain: once per officer with case access under a
key derived from that officer's password, and once under the recovery key.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.crypto import (
    Argon2Params,
    DecryptionError,
    UnitPrivateKey,
    argon2id,
    associated_data,
    decrypt,
    encrypt,
    hkdf,
)
from wbs.models import InstallationValue, Staff, UnitKey, UnitKeyWrap

OFFICER_WRAP = "wbs/unit-key-officer-wrap/v1"
RECOVERY_WRAP = "wbs/unit-key-recovery-wrap/v1"
CODE_SALT = "tracking_code_salt"


class NotInitialisedError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("This instance has no unit key yet: run `wbs init` first.")


class RecoveryKey:
    """32 random bytes shown once as base32 in groups of four."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise ValueError("a recovery key is 32 bytes")
        self._raw = raw

    @classmethod
    def generate(cls) -> RecoveryKey:
        return cls(os.urandom(32))

    @classmethod
    def parse(cls, text: str) -> RecoveryKey:
        compact = "".join(text.split()).replace("-", "").upper()
        padded = compact + "=" * (-len(compact) % 8)
        try:
            return cls(base64.b32decode(padded))
        except ValueError:
            raise ValueError("not a recovery key") from None

    def display(self) -> str:
        compact = base64.b32encode(self._raw).decode().rstrip("=")
        return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))

    def wrap_key(self) -> bytes:
        # The recovery key is already 256 bits of entropy: HKDF, not a password hash.
        return hkdf(self._raw, RECOVERY_WRAP)

    def __repr__(self) -> str:
        return "RecoveryKey(<secret>)"


def active_unit_key(session: Session) -> UnitKey:
    key = session.scalars(
        select(UnitKey).where(UnitKey.active.is_(True)).order_by(UnitKey.id.desc())
    ).first()
    if key is None:
        raise NotInitialisedError()
    return key


def is_initialised(session: Session) -> bool:
    return session.scalar(select(UnitKey.id).limit(1)) is not None


def code_salt(session: Session) -> bytes:
    value = session.get(InstallationValue, CODE_SALT)
    if value is None:
        raise NotInitialisedError()
    return value.value


def create_unit_key(session: Session, now: datetime) -> tuple[UnitKey, UnitPrivateKey]:
    private = UnitPrivateKey.generate()
    unit_key = UnitKey(public_key=private.public_raw, active=True, created_at=now)
    session.add(unit_key)
    if session.get(InstallationValue, CODE_SALT) is None:
        session.add(InstallationValue(name=CODE_SALT, value=os.urandom(16)))
    session.flush()
    return unit_key, private


def wrap_for_officer(
    session: Session,
    unit_key: UnitKey,
    private: UnitPrivateKey,
    staff: Staff,
    password: str,
    params: Argon2Params,
    now: datetime,
) -> UnitKeyWrap:
    salt = os.urandom(16)
    key = argon2id(password.encode(), salt, params)
    wrap = UnitKeyWrap(
        unit_key_id=unit_key.id,
        kind="officer",
        staff_id=staff.id,
        salt=salt,
        blob=encrypt(key, private.raw, associated_data(OFFICER_WRAP, staff.id, unit_key.id)),
        created_at=now,
    )
    session.add(wrap)
    return wrap


def wrap_for_recovery(
    session: Session, unit_key: UnitKey, private: UnitPrivateKey, now: datetime
) -> RecoveryKey:
    recovery = RecoveryKey.generate()
    session.add(
        UnitKeyWrap(
            unit_key_id=unit_key.id,
            kind="recovery",
            staff_id=None,
            salt=None,
            blob=encrypt(
                recovery.wrap_key(), private.raw, associated_data(RECOVERY_WRAP, 0, unit_key.id)
            ),
            created_at=now,
        )
    )
    return recovery


def unwrap_for_officer(
    session: Session, staff: Staff, password: str, params: Argon2Params
) -> UnitPrivateKey | None:
    """The unit private key, or None when this officer holds no wrap of the active key."""
    unit_key = active_unit_key(session)
    wrap = session.scalars(
        select(UnitKeyWrap).where(
            UnitKeyWrap.unit_key_id == unit_key.id,
            UnitKeyWrap.kind == "officer",
            UnitKeyWrap.staff_id == staff.id,
        )
    ).first()
    if wrap is None or wrap.salt is None:
        return None
    key = argon2id(password.encode(), wrap.salt, params)
    raw = decrypt(
        key, wrap.blob, associated_data(OFFICER_WRAP, staff.id, unit_key.id), what="unit key wrap"
    )
    return UnitPrivateKey.from_raw(raw)


def unwrap_with_recovery(session: Session, recovery: RecoveryKey) -> UnitPrivateKey:
    unit_key = active_unit_key(session)
    for wrap in session.scalars(
        select(UnitKeyWrap).where(
            UnitKeyWrap.unit_key_id == unit_key.id, UnitKeyWrap.kind == "recovery"
        )
    ):
        try:
            raw = decrypt(
                recovery.wrap_key(),
                wrap.blob,
                associated_data(RECOVERY_WRAP, 0, unit_key.id),
                what="recovery wrap",
            )
        except DecryptionError:
            continue
        return UnitPrivateKey.from_raw(raw)
    raise DecryptionError("recovery wrap")
