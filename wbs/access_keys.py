"""Granting case access to an officer who is not there (issue 3, "Key access").

Each account has its own X25519 "access" key pair: the public half is plain, the
private half is wrapped under the account's password. A supervisor who holds the unit
private key in his session grants access by sealing that key to the officer's access
public key (a "grant" wrap). At the officer's next login his password opens his access
key, which opens the grant; the unit key is then wrapped under his password like any
officer wrap and the grant is deleted. The recovery key can grant the same way
(`wbs grant-access`). No password ever leaves its owner.

Plain Python over SQLAlchemy; no Flask.
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wbs.crypto import (
    Argon2Params,
    UnitPrivateKey,
    argon2id,
    associated_data,
    decrypt,
    encrypt,
    seal,
    unseal,
)
from wbs.keyring import active_unit_key, wrap_for_officer
from wbs.models import Staff, UnitKeyWrap

ACCESS_KEY_WRAP = "wbs/staff-access-key/v1"
GRANT = "wbs/unit-key-grant/v1"


def set_access_key(staff: Staff, password: str, params: Argon2Params) -> None:
    """A new access key pair for this account, wrapped under ``password``.

    Called when an account is created or its password is reset: grants sealed to an
    older pair can no longer be opened, so the caller deletes them."""
    private = UnitPrivateKey.generate()
    salt = os.urandom(16)
    staff.access_salt = salt
    staff.access_public_key = private.public_raw
    staff.access_private_key = encrypt(
        argon2id(password.encode(), salt, params),
        private.raw,
        associated_data(ACCESS_KEY_WRAP, staff.id),
    )


def rewrap_access_key(
    staff: Staff, old_password: str, new_password: str, params: Argon2Params
) -> None:
    """Keep the same access key pair under a new password (pending grants stay valid)."""
    if staff.access_private_key is None or staff.access_salt is None:
        set_access_key(staff, new_password, params)
        return
    raw = _open_access_key(staff, old_password, params).raw
    salt = os.urandom(16)
    staff.access_salt = salt
    staff.access_private_key = encrypt(
        argon2id(new_password.encode(), salt, params),
        raw,
        associated_data(ACCESS_KEY_WRAP, staff.id),
    )


def _open_access_key(staff: Staff, password: str, params: Argon2Params) -> UnitPrivateKey:
    assert staff.access_private_key is not None and staff.access_salt is not None
    raw = decrypt(
        argon2id(password.encode(), staff.access_salt, params),
        staff.access_private_key,
        associated_data(ACCESS_KEY_WRAP, staff.id),
        what="access key",
    )
    return UnitPrivateKey.from_raw(raw)


def grant(session: Session, officer: Staff, private: UnitPrivateKey, now: datetime) -> UnitKeyWrap:
    """Seal the active unit private key to the officer's access key."""
    if officer.access_public_key is None:
        raise ValueError("this account has no access key yet; it gets one at its next login")
    unit_key = active_unit_key(session)
    session.execute(
        delete(UnitKeyWrap).where(
            UnitKeyWrap.kind == "grant",
            UnitKeyWrap.staff_id == officer.id,
            UnitKeyWrap.unit_key_id == unit_key.id,
        )
    )
    wrap = UnitKeyWrap(
        unit_key_id=unit_key.id,
        kind="grant",
        staff_id=officer.id,
        salt=None,
        blob=seal(
            officer.access_public_key,
            private.raw,
            GRANT,
            associated_data(GRANT, officer.id, unit_key.id),
        ),
        created_at=now,
    )
    session.add(wrap)
    return wrap


def has_key_access(session: Session, officer: Staff) -> bool:
    """An officer wrap or a pending grant of the active key exists for this account."""
    unit_key = active_unit_key(session)
    return (
        session.scalar(
            select(UnitKeyWrap.id).where(
                UnitKeyWrap.unit_key_id == unit_key.id,
                UnitKeyWrap.staff_id == officer.id,
                UnitKeyWrap.kind.in_(("officer", "grant")),
            )
        )
        is not None
    )


def redeem_grant(
    session: Session, officer: Staff, password: str, params: Argon2Params, now: datetime
) -> UnitPrivateKey | None:
    """Turn a pending grant into an officer wrap; None when there is no grant."""
    unit_key = active_unit_key(session)
    wrap = session.scalars(
        select(UnitKeyWrap).where(
            UnitKeyWrap.unit_key_id == unit_key.id,
            UnitKeyWrap.kind == "grant",
            UnitKeyWrap.staff_id == officer.id,
        )
    ).first()
    if wrap is None or officer.access_public_key is None:
        return None
    access = _open_access_key(officer, password, params)
    private = UnitPrivateKey.from_raw(
        unseal(
            access, wrap.blob, GRANT, associated_data(GRANT, officer.id, unit_key.id), what="grant"
        )
    )
    revoke_officer_wraps(session, officer, kinds=("officer",))
    wrap_for_officer(session, unit_key, private, officer, password, params, now)
    session.delete(wrap)
    return private


def revoke_officer_wraps(
    session: Session, officer: Staff, kinds: tuple[str, ...] = ("officer", "grant")
) -> None:
    session.execute(
        delete(UnitKeyWrap).where(UnitKeyWrap.staff_id == officer.id, UnitKeyWrap.kind.in_(kinds))
    )


def rewrap_officer_key(
    session: Session,
    officer: Staff,
    private: UnitPrivateKey,
    new_password: str,
    params: Argon2Params,
    now: datetime,
) -> None:
    """After a password change: the unit key wrapped under the new password only."""
    revoke_officer_wraps(session, officer, kinds=("officer",))
    wrap_for_officer(session, active_unit_key(session), private, officer, new_password, params, now)
