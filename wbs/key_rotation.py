"""Rotating the unit key pair: every case key re-sealed to a new key (`wbs rotate-unit-key`).

Why rotate: an officer who left, or a password or recovery key that may have leaked,
must stop opening cases. After the rotation no wrap of the old key is left (officer,
grant, recovery), every officer session (which holds the old key) has ended, and every
case key is sealed to the new key only. The new key is wrapped for the recovery key
printed at the start and for one supervisor; he grants every other officer access again
from the web application (access_keys.grant), so nobody keeps access by default.

The steps, each safe to interrupt:

1. Start (one transaction): a new key pair, inactive, wrapped for a new recovery key,
   for the supervisor's password, and as a "successor" wrap under a key derived from the
   old private key. The successor wrap lets an interrupted run be resumed with the old
   recovery key, and lets officers whose session holds the old key open cases already
   re-sealed to the new one (open_case_key).
2. Re-seal, in committed batches: open each case key with the old key, seal it to the
   new one. Meanwhile both keys open cases; new reports are still sealed to the old key.
3. Switch (one transaction): the new key becomes active, the old one retired.
4. Finish (one transaction, after a pause for reports being filed at the switch): re-seal
   the stragglers, delete every wrap of the old key and the successor wrap, end all
   officer sessions.

Plain Python over SQLAlchemy; no Flask.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from wbs.audit import record
from wbs.case_crypto import open_sealed_key, seal_data_key
from wbs.crypto import (
    Argon2Params,
    DataKey,
    DecryptionError,
    UnitPrivateKey,
    associated_data,
    decrypt,
    encrypt,
    hkdf,
)
from wbs.db import Database, changed_rows
from wbs.keyring import (
    RECOVERY_WRAP,
    RecoveryKey,
    active_unit_key,
    wrap_for_officer,
    wrap_for_recovery,
)
from wbs.models import Case, Staff, StaffSession, UnitKey, UnitKeyWrap
from wbs.retention import empty_sqlite_log, shred_on_delete
from wbs.staff_accounts import password_hasher

SUCCESSOR_WRAP = "wbs/unit-key-successor-wrap/v1"
SUCCESSOR = "successor"
DEFAULT_BATCH_SIZE = 500
# Reports whose request read the old public key just before the switch are written a
# moment later; the finish waits this long so that they are re-sealed, not lost.
DEFAULT_SETTLE_SECONDS = 10.0
STARTED = "unit_key.rotation_started"
FINISHED = "unit_key.rotation_finished"


class RotationError(Exception):
    """The rotation cannot go on; the message tells the operator why. Nothing changed."""


@dataclass(frozen=True)
class RotationState:
    """Where the installation stands. ``new_id`` is None when no rotation is under way."""

    old_id: int
    new_id: int | None
    # The new key is active already: only the finish is left.
    switched: bool
    started_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.new_id is not None


@dataclass(frozen=True, repr=False)
class Rotation:
    old_id: int
    new_id: int
    old_private: UnitPrivateKey
    new_private: UnitPrivateKey
    # Only when this run started the rotation: shown once, then forgotten.
    new_recovery: RecoveryKey | None
    switched: bool


@dataclass(frozen=True)
class FinishResult:
    stragglers: int
    cases_on_new_key: int
    wraps_removed: int
    sessions_ended: int
    log_emptied: bool


def rotation_state(session: Session) -> RotationState:
    """Raises keyring.NotInitialisedError on an instance without a unit key."""
    active = active_unit_key(session)
    successor = session.scalars(
        select(UnitKeyWrap).where(UnitKeyWrap.kind == SUCCESSOR).order_by(UnitKeyWrap.id.desc())
    ).first()
    if successor is None:
        return RotationState(active.id, None, False, None)
    if successor.unit_key_id != active.id:
        return RotationState(active.id, successor.unit_key_id, False, successor.created_at)
    # Switched but not finished: the old key is the one retired last.
    retired = session.scalars(
        select(UnitKey)
        .where(UnitKey.retired_at.is_not(None))
        .order_by(UnitKey.retired_at.desc(), UnitKey.id.desc())
    ).first()
    if retired is None:
        raise RotationError("The key rotation records are inconsistent: no retired key found.")
    return RotationState(retired.id, active.id, True, successor.created_at)


def _successor_key(old_private: UnitPrivateKey, new_public: bytes) -> bytes:
    # The old private key is 256 bits of secret: HKDF with its own label, salted with
    # both public keys, so this key serves nothing but this one wrap.
    return hkdf(old_private.raw, SUCCESSOR_WRAP, salt=old_private.public_raw + new_public)


def _open_recovery_wrap(
    session: Session, unit_key_id: int, recovery: RecoveryKey
) -> UnitPrivateKey:
    """The private key of ``unit_key_id`` (active or not) from its recovery wrap."""
    for wrap in session.scalars(
        select(UnitKeyWrap).where(
            UnitKeyWrap.unit_key_id == unit_key_id, UnitKeyWrap.kind == "recovery"
        )
    ):
        try:
            raw = decrypt(
                recovery.wrap_key(),
                wrap.blob,
                associated_data(RECOVERY_WRAP, 0, unit_key_id),
                what="recovery wrap",
            )
        except DecryptionError:
            continue
        return UnitPrivateKey.from_raw(raw)
    raise DecryptionError("recovery wrap")


def open_old_key(session: Session, state: RotationState, recovery: RecoveryKey) -> UnitPrivateKey:
    """The key being retired, from the recovery key that was current when the rotation
    started (the only one there is when no rotation is under way)."""
    try:
        return _open_recovery_wrap(session, state.old_id, recovery)
    except DecryptionError:
        if state.pending:
            raise RotationError(
                "This recovery key does not open the unit key. To resume the rotation, enter "
                "the recovery key that was valid when it started (the old one)."
            ) from None
        raise RotationError("This recovery key does not open the unit key.") from None


def check_supervisor(session: Session, username: str, password: str, params: Argon2Params) -> Staff:
    staff = session.scalars(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        raise RotationError("Unknown username or wrong password.")
    try:
        password_hasher(params).verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise RotationError("Unknown username or wrong password.") from None
    if not staff.active:
        raise RotationError(f"The account {username!r} is deactivated.")
    if "supervisor" not in staff.role_set:
        raise RotationError(
            f"The account {username!r} is not a supervisor; choose a supervisor, who can "
            "then grant the other officers access to the new key."
        )
    if staff.must_change_password:
        # Its password was set by an admin's reset: the admin would know it.
        raise RotationError(
            f"The account {username!r} must choose a new password first: log in once, "
            "then run the rotation again."
        )
    return staff


def start_rotation(
    db: Database,
    old_private: UnitPrivateKey,
    supervisor_username: str,
    supervisor_password: str,
    params: Argon2Params,
    now: datetime,
    chain_key: bytes,
) -> Rotation:
    """Step 1, in one transaction. ``old_private`` comes from open_old_key."""
    with db.session() as session:
        state = rotation_state(session)
        if state.pending:
            raise RotationError("A key rotation is already under way; run the command again.")
        old = session.get_one(UnitKey, state.old_id)
        if old.public_key != old_private.public_raw:
            raise RotationError("This key is not the active unit key.")
        supervisor = check_supervisor(session, supervisor_username, supervisor_password, params)
        new_private = UnitPrivateKey.generate()
        new = UnitKey(public_key=new_private.public_raw, active=False, created_at=now)
        session.add(new)
        session.flush()
        recovery = wrap_for_recovery(session, new, new_private, now)
        wrap_for_officer(session, new, new_private, supervisor, supervisor_password, params, now)
        session.add(
            UnitKeyWrap(
                unit_key_id=new.id,
                kind=SUCCESSOR,
                staff_id=None,
                salt=None,
                blob=encrypt(
                    _successor_key(old_private, new.public_key),
                    new_private.raw,
                    associated_data(SUCCESSOR_WRAP, old.id, new.id),
                ),
                created_at=now,
            )
        )
        record(
            session,
            chain_key,
            STARTED,
            at=now,
            staff_id=supervisor.id,
            detail=f"old_key={old.id} new_key={new.id}",
        )
        return Rotation(old.id, new.id, old_private, new_private, recovery, switched=False)


def _open_successor(
    session: Session, old_id: int, new_id: int, old_private: UnitPrivateKey
) -> UnitPrivateKey:
    new = session.get_one(UnitKey, new_id)
    wrap = session.scalars(
        select(UnitKeyWrap).where(UnitKeyWrap.unit_key_id == new_id, UnitKeyWrap.kind == SUCCESSOR)
    ).first()
    if wrap is None:
        raise DecryptionError("successor wrap")
    raw = decrypt(
        _successor_key(old_private, new.public_key),
        wrap.blob,
        associated_data(SUCCESSOR_WRAP, old_id, new_id),
        what="successor wrap",
    )
    private = UnitPrivateKey.from_raw(raw)
    if private.public_raw != new.public_key:
        raise DecryptionError("successor wrap")
    return private


def resume_rotation(db: Database, old_private: UnitPrivateKey) -> Rotation:
    """An interrupted rotation, opened with the old key (from open_old_key)."""
    with db.session() as session:
        state = rotation_state(session)
        if state.new_id is None:
            raise RotationError("No key rotation is under way.")
        try:
            new_private = _open_successor(session, state.old_id, state.new_id, old_private)
        except DecryptionError:
            raise RotationError(
                "The key being rotated in cannot be opened with this recovery key."
            ) from None
        return Rotation(
            state.old_id, state.new_id, old_private, new_private, None, switched=state.switched
        )


def count_cases(db: Database, unit_key_id: int) -> int:
    with db.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Case).where(Case.unit_key_id == unit_key_id)
            )
            or 0
        )


def _reseal(session: Session, rotation: Rotation, limit: int | None) -> int:
    """Move up to ``limit`` cases (all when None) from the old key to the new one."""
    query = select(Case.id, Case.sealed_key).where(Case.unit_key_id == rotation.old_id)
    if limit is not None:
        query = query.order_by(Case.id).limit(limit)
    rows = session.execute(query).all()
    public = rotation.new_private.public_raw
    for case_id, sealed in rows:
        if sealed is None:
            # Purged: nothing left to re-seal, only the reference moves.
            values: dict[str, object] = {"unit_key_id": rotation.new_id}
        else:
            data_key: DataKey = open_sealed_key(
                sealed, case_id, rotation.old_id, rotation.old_private
            )
            values = {
                "unit_key_id": rotation.new_id,
                "sealed_key": seal_data_key(data_key, case_id, rotation.new_id, public),
            }
        # On the condition that selected the row: a case purged in between is not given
        # a sealed key back; it is moved by the next pass.
        session.execute(
            update(Case)
            .where(
                Case.id == case_id,
                Case.unit_key_id == rotation.old_id,
                Case.sealed_key.is_(None) if sealed is None else Case.sealed_key.is_not(None),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return len(rows)


def reseal_cases(
    db: Database,
    rotation: Rotation,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Step 2: re-seal every case still on the old key, ``batch_size`` per committed
    transaction. ``on_batch`` gets the running total after each commit (progress; a
    test makes it raise to simulate a crash). Returns how many cases were moved."""
    total = 0
    while True:
        with db.session() as session:
            shred_on_delete(session)
            moved = _reseal(session, rotation, batch_size)
        if not moved:
            return total
        total += moved
        if on_batch is not None:
            on_batch(total)


def switch_keys(db: Database, rotation: Rotation, now: datetime) -> None:
    """Step 3: in one transaction the new key becomes the active one."""
    if rotation.switched:
        return
    with db.session() as session:
        session.execute(
            update(UnitKey)
            .where(UnitKey.id == rotation.old_id)
            .values(active=False, retired_at=now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(UnitKey)
            .where(UnitKey.id == rotation.new_id)
            .values(active=True, retired_at=None)
            .execution_options(synchronize_session=False)
        )


def finish_rotation(
    db: Database,
    rotation: Rotation,
    *,
    now: Callable[[], datetime],
    chain_key: bytes,
    batch_size: int = DEFAULT_BATCH_SIZE,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> FinishResult:
    """Steps 3 and 4: switch, re-seal the stragglers, remove the old key."""
    switch_keys(db, rotation, now())
    stragglers = reseal_cases(db, rotation, batch_size=batch_size)
    if settle_seconds > 0:
        sleep(settle_seconds)
    with db.session() as session:
        shred_on_delete(session)
        # Lock the old key's row (PostgreSQL): a report still being filed with it holds
        # a key-share lock through its foreign key, so this waits for it to commit and
        # the pass below sees it. Deleting the wraps first takes SQLite's write lock, so
        # no report can be written between that pass and the commit.
        session.execute(select(UnitKey.id).where(UnitKey.id == rotation.old_id).with_for_update())
        wraps_removed = changed_rows(
            session,
            delete(UnitKeyWrap)
            .where(UnitKeyWrap.unit_key_id == rotation.old_id)
            .execution_options(synchronize_session=False),
        )
        stragglers += _reseal(session, rotation, None)
        wraps_removed += changed_rows(
            session,
            delete(UnitKeyWrap)
            .where(UnitKeyWrap.unit_key_id == rotation.new_id, UnitKeyWrap.kind == SUCCESSOR)
            .execution_options(synchronize_session=False),
        )
        # Every session holds the old private key (DESIGN.md, "Officer sessions").
        sessions_ended = changed_rows(
            session, delete(StaffSession).execution_options(synchronize_session=False)
        )
        on_new_key = (
            session.scalar(
                select(func.count()).select_from(Case).where(Case.unit_key_id == rotation.new_id)
            )
            or 0
        )
        record(
            session,
            chain_key,
            FINISHED,
            at=now(),
            detail=(
                f"old_key={rotation.old_id} new_key={rotation.new_id} cases={on_new_key} "
                f"stragglers={stragglers} wraps_removed={wraps_removed} "
                f"sessions_ended={sessions_ended}"
            ),
        )
    return FinishResult(stragglers, on_new_key, wraps_removed, sessions_ended, empty_sqlite_log(db))


def open_case_key(session: Session, case: Case, private: UnitPrivateKey) -> DataKey:
    """The data key of a case, with the unit private key an officer's session holds.

    While a rotation is under way a case may already be sealed to the key being rotated
    in; a session that holds the old key opens it through the successor wrap. Raises
    DecryptionError when this key cannot open the case, ValueError for a purged case.
    """
    if case.sealed_key is None:
        raise ValueError("this case was purged: nothing of it can be opened")
    holder = session.scalar(select(UnitKey.id).where(UnitKey.public_key == private.public_raw))
    if holder is None or holder == case.unit_key_id:
        return open_sealed_key(case.sealed_key, case.id, case.unit_key_id, private)
    successor = _open_successor(session, holder, case.unit_key_id, private)
    return open_sealed_key(case.sealed_key, case.id, case.unit_key_id, successor)
