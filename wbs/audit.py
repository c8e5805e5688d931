"""The audit log as a keyed hash chain (DESIGN.md, "Audit"). No Flask import.

Every staff action, every login and failure and every decryption of case content
appends one entry in the same transaction as the action. Each entry's hash covers the
hash before it, so `wbs audit verify` finds the first entry that was edited, deleted,
inserted or cut off the end. The chain is keyed (HMAC with a purpose key of the server
secret), so rewriting it whole needs the server secret as well as database access.

``detail`` holds ids, codes and status names only, never report content.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wbs.models import AuditEntry, AuditHead

HEAD_ID = 1
# The hash before entry 1, as the migration writes it into audit_head.
GENESIS_HASH = bytes(32)
# Rows fetched per round trip while verifying: a million entries never sit in memory.
VERIFY_BATCH_SIZE = 5000
# Entries read past the first broken one to tell an edit from an insertion or a swap.
_LOOKAHEAD = 2
# Built once: json.dumps with options builds a new encoder on every call, and verify
# hashes a million entries. Same output as json.dumps(..., ensure_ascii=False,
# separators=(",", ":")).
_FIELDS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


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
    fields = _FIELDS_ENCODER.encode(
        [seq, at.isoformat(timespec="microseconds"), staff_id, action, case_id, detail]
    ).encode()
    # HMAC-SHA256 as wbs.crypto.hmac_sha256 computes it; the one-shot form is a third
    # faster, which counts when `wbs audit verify` walks a million entries.
    return hmac.digest(chain_key, prev_hash + fields, "sha256")


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


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """What `wbs audit verify` found.

    ``entries`` counts the entries checked and found intact: all of them when ``ok``,
    those before the first broken link otherwise. ``problem`` says in plain English what
    happened at ``first_broken_seq`` (empty when ``ok``). ``last_hash`` is the hash of the
    last intact entry: noted outside the server, it lets a later run prove that nothing
    was cut off before it (see ``anchor`` in `verify`).
    """

    ok: bool
    entries: int
    first_broken_seq: int | None
    problem: str = ""
    last_hash: bytes | None = None


def _row_hash(chain_key: bytes, row: Any, seq: int | None = None) -> bytes:
    """The hash the application would have written for this row (as entry ``seq``)."""
    return entry_hash(
        chain_key,
        bytes(row.prev_hash),
        seq=row.seq if seq is None else seq,
        at=row.at,
        staff_id=row.staff_id,
        action=row.action,
        case_id=row.case_id,
        detail=row.detail,
    )


def _stream(session: Session, batch_size: int) -> Iterator[Any]:
    """Every entry in seq order, fetched batch by batch (a server-side cursor on
    PostgreSQL), as plain rows: ORM objects would cost more than the HMAC itself."""
    table = AuditEntry.__table__
    statement = (
        select(
            table.c.seq,
            table.c.at,
            table.c.staff_id,
            table.c.action,
            table.c.case_id,
            table.c.detail,
            table.c.prev_hash,
            table.c.entry_hash,
        )
        .order_by(table.c.seq)
        .execution_options(yield_per=batch_size)
    )
    for batch in session.execute(statement).partitions(batch_size):
        yield from batch


def entries_text(count: int) -> str:
    """'1 entry', '2 entries': for messages to operators."""
    return "1 entry" if count == 1 else f"{count} entries"


def verify(
    session: Session,
    chain_key: bytes,
    *,
    anchor: tuple[int, bytes] | None = None,
    batch_size: int = VERIFY_BATCH_SIZE,
) -> VerifyResult:
    """Walk the chain from entry 1 and report the first broken link.

    Each entry must carry the next sequence number, hold the hash of the entry before
    it, and hash (HMAC under ``chain_key``) to its stored value; the last one must be
    the one audit_head names. ``anchor`` (seq, hash), noted from an earlier run, must
    still be in the chain: without it, someone with database access could cut entries
    off the end and rewrite the head to match, since the head is not keyed.

    The head is read before the entries on purpose: an entry and the head move in one
    transaction, so every entry up to the head is visible to the later read, and
    entries appended meanwhile simply come after it (checked like the others).
    """
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
    ).one_or_none()
    if head is None:
        return VerifyResult(False, 0, None, "the chain head (table audit_head) is missing")
    head_seq, head_hash = head.last_seq, bytes(head.last_hash)
    rows = _stream(session, batch_size)
    prev_hash, expected = GENESIS_HASH, 1
    for row in rows:
        # Unpacked, not read by attribute: this loop runs a million times. Both drivers
        # (sqlite3, psycopg) hand back bytes for the two hashes.
        seq, at, staff_id, action, case_id, detail, prev, stored = row
        if (
            seq == expected
            and prev == prev_hash
            and entry_hash(
                chain_key,
                prev,
                seq=seq,
                at=at,
                staff_id=staff_id,
                action=action,
                case_id=case_id,
                detail=detail,
            )
            == stored
        ):
            if seq == head_seq and stored != head_hash:
                return VerifyResult(
                    False,
                    expected,
                    expected + 1,
                    f"entries after {expected} were cut off, or the chain head was edited "
                    f"(its hash does not match entry {expected})",
                    stored,
                )
            if anchor is not None and seq == anchor[0] and stored != anchor[1]:
                return VerifyResult(
                    False,
                    expected - 1,
                    expected,
                    f"entry {expected} is not the one noted earlier: the anchor is wrong, "
                    "or the log was rewritten from there with the chain key",
                    prev_hash,
                )
            prev_hash, expected = stored, expected + 1
            continue
        intact = expected - 1
        seq, problem = _diagnose(chain_key, row, rows, expected, prev_hash, head_seq)
        return VerifyResult(False, intact, seq, problem, prev_hash if intact else None)
    last = expected - 1
    last_hash = prev_hash if last else None
    if last < head_seq:
        if last == 0:
            problem = f"every entry was deleted (the log had {entries_text(head_seq)})"
        else:
            problem = f"entries after {last} were cut off"
        return VerifyResult(False, last, last + 1, problem, last_hash)
    if last > head_seq:
        # Entries appended while we read are fine, but then the head has moved on too.
        head_seq = (
            session.execute(
                select(AuditHead.last_seq).where(AuditHead.id == HEAD_ID)
            ).scalar_one_or_none()
            or 0
        )
        if head_seq < last:
            return VerifyResult(
                False,
                last,
                None,
                f"the chain head was edited: it names entry {head_seq}, but the log goes on "
                f"to entry {last}",
                last_hash,
            )
    if anchor is not None and last < anchor[0]:
        return VerifyResult(
            False,
            last,
            last + 1,
            f"entries after {last} were cut off (the entry noted earlier, {anchor[0]}, is gone)",
            last_hash,
        )
    return VerifyResult(True, last, None, "", last_hash)


def _diagnose(
    chain_key: bytes,
    row: Any,
    rows: Iterator[Any],
    expected: int,
    prev_hash: bytes,
    head_seq: int,
) -> tuple[int, str]:
    """(first broken seq, what happened) for the first row that does not fit the chain.

    Only the row, the previous intact entry's hash and the next few rows are looked at,
    so a broken million-entry log is diagnosed as fast as an intact one is checked.
    """
    if row.seq < expected:
        return row.seq, f"an entry numbered {row.seq} was inserted before entry 1"
    if row.seq > expected:
        if row.seq == expected + 1:
            return expected, f"entry {expected} is missing (deleted)"
        return expected, f"entries {expected} to {row.seq - 1} are missing (deleted)"
    seq = expected
    following = list(islice(rows, _LOOKAHEAD))
    after = following[0] if following and following[0].seq == seq + 1 else None
    stored = bytes(row.entry_hash)
    own_ok = _row_hash(chain_key, row) == stored
    linked = bytes(row.prev_hash) == prev_hash
    if own_ok:
        # Written by the application, but after some other entry than the one before it.
        where = "does not start the chain" if seq == 1 else f"does not follow entry {seq - 1}"
        return seq, (
            f"entry {seq} {where}: it was written after another entry, so entries were "
            "replaced or spliced in from elsewhere"
        )
    if _row_hash(chain_key, row, seq + 1) == stored:
        if after is not None and _row_hash(chain_key, after, seq) == bytes(after.entry_hash):
            return seq, f"entries {seq} and {seq + 1} were swapped"
        return seq, f"entry {seq} is missing (deleted), and the entries after it were renumbered"
    if expected == 1 and _wrong_key(chain_key, [row, *following]):
        return seq, (
            "the chain key does not match: this server's secret (WBS_SECRET_KEY) is not "
            "the one that wrote the log"
        )
    if after is not None and bytes(after.prev_hash) == prev_hash:
        # The next entry was written right after the previous intact one: this one was
        # pushed in between.
        if _row_hash(chain_key, after, seq) == bytes(after.entry_hash):
            return seq, (
                f"an entry was inserted before {seq}: entry {seq} is forged and the "
                "entries after it were renumbered"
            )
        return seq, f"an entry was inserted before {seq + 1}: entry {seq} is forged"
    if seq > head_seq and after is None:
        return seq, (
            f"entry {seq} was added after the last recorded entry ({head_seq}) "
            "without the chain key (forged)"
        )
    if expected == 1 and not following:
        return seq, "entry 1 was edited, or the chain key does not match"
    if linked or (after is not None and bytes(after.prev_hash) == stored):
        return seq, f"entry {seq} was edited"
    return seq, f"entry {seq} was edited or replaced"


def _wrong_key(chain_key: bytes, rows: list[Any]) -> bool:
    """True when the first few entries link to each other yet none hashes under this key:
    an edit breaks one entry's own hash, a wrong key breaks every one of them."""
    if len(rows) < 2:
        return False
    for before, row in zip(rows, rows[1:], strict=False):
        if bytes(row.prev_hash) != bytes(before.entry_hash):
            return False
    return all(_row_hash(chain_key, row) != bytes(row.entry_hash) for row in rows)


# --- reading the trail --------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    """Entries newest first; ``next_before_seq`` fetches the next (older) page, None at
    the start of the log."""

    entries: list[AuditEntry]
    next_before_seq: int | None


def _page(session: Session, statement: Any, before_seq: int | None, limit: int) -> AuditPage:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if before_seq is not None:
        statement = statement.where(AuditEntry.seq < before_seq)
    # Keyset on the primary key: page 5,000 costs what page 1 costs.
    entries = list(session.scalars(statement.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
    more = len(entries) > limit
    entries = entries[:limit]
    return AuditPage(entries, entries[-1].seq if more else None)


def recent_entries(session: Session, before_seq: int | None, limit: int = 50) -> AuditPage:
    """The whole trail, newest first, ``limit`` entries older than ``before_seq``."""
    return _page(session, select(AuditEntry), before_seq, limit)


def entries_for_case(
    session: Session, case_id: int, *, before_seq: int | None = None, limit: int = 50
) -> AuditPage:
    """One case's trail, newest first (uses the index on audit_entry.case_id)."""
    return _page(
        session, select(AuditEntry).where(AuditEntry.case_id == case_id), before_seq, limit
    )
