"""The audit log as a keyed hash chain (DESIGN.md, "Audit"). No Flask import.

Every staff action, every login and failure and every decryption of case content
appends one entry in the same transaction as the action. Each entry's hash covers the
hash before it, so `wbs audit verify` finds the first entry that was edited, deleted,
inserted or cut off the end. The chain is keyed (HMAC with a purpose key of the server
secret), so rewriting it whole needs the server secret as well as database access.

``detail`` holds ids, codes and status names only, never report content.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from wbs.crypto import hmac_sha256
from wbs.models import AuditEntry, AuditHead

HEAD_ID = 1


def entry_hash(
    chain_key: bytes,
    prev_hash: bytes,
    *,
    seq: int,
    at: datetime,
    staff_id: int | None,
    action: str,
    case_id: int | None,
    detail: str,
) -> bytes:
    fields = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), staff_id, action, case_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return hmac_sha256(chain_key, prev_hash + fields)


def record(
    session: Session,
    chain_key: bytes,
    action: str,
    *,
    at: datetime,
    staff_id: int | None = None,
    case_id: int | None = None,
    detail: str = "",
) -> AuditEntry:
    """Append one entry. Updating the head row first takes its lock (PostgreSQL) or the
    write lock (SQLite), so concurrent writers line up instead of forking the chain."""
    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
        .execution_options(synchronize_session=False)
    ).one()
    seq, prev_hash = head.last_seq, bytes(head.last_hash)
    at = at.replace(tzinfo=None)
    digest = entry_hash(
        chain_key,
        prev_hash,
        seq=seq,
        at=at,
        staff_id=staff_id,
        action=action,
        case_id=case_id,
        detail=detail,
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        staff_id=staff_id,
        action=action,
        case_id=case_id,
        detail=detail,
        prev_hash=prev_hash,
        entry_hash=digest,
    )
    session.add(entry)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_hash=digest)
        .execution_options(synchronize_session=False)
    )
    return entry
