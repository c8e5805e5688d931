"""`wbs check`: is every case whole? Structure only, no password needed. No Flask import.

Every report, with its keys and files, is written in one transaction (wbs.intake,
wbs.attachments), so a worker killed mid-upload must leave nothing behind. This module
proves it after the fact, and finds what a restore of a partial backup, a hand-edited
row or a bug could leave half-written:

- each case not purged holds its data key sealed to the unit key and wrapped for the
  reporter, its look-up id and its body, as well-formed blobs (version byte, lengths);
  each unit key that cases are sealed to exists and has a recovery wrap; every wrap of
  a unit key and every officer's access key pair is well-formed;
- a purged case holds no key and no encrypted row any more (crypto-shredding,
  wbs.retention); it legitimately has no key wraps;
- each attachment has well-formed metadata and chunks 0..n-1 and nothing else, of the
  sizes the writer makes (full 1 MiB chunks, then one shorter or full final chunk),
  and belongs to a case;
- no chunk, message, note, proposal or event belongs to a row that does not exist;
- the audit chain verifies (wbs.audit.verify, the same walk as `wbs audit verify`).

Without the data keys the final-chunk flag in each chunk's associated data cannot be
read; what can be checked is its structural image: the count, the indexes and that a
chunk shorter than 1 MiB (a final one) comes last.

Repairs only ever remove what can never be opened (an attachment with a missing or
extra chunk, the chunks of no attachment, rows of no case, ciphertext left in a purged
case whose keys are gone: deleted, or for an event of a purged case, its notes cleared)
and record each repair in the audit log. Missing or malformed
keys, a purge that left keys behind and a broken audit chain are reported, never
"repaired": deleting would destroy evidence, and rewriting the chain would hide it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from wbs.attachments import CHUNK_SIZE
from wbs.audit import HEAD_ID, entries_text, record, verify
from wbs.crypto import BLOB_VERSION, KEY_BYTES, NONCE_BYTES
from wbs.db import Database, changed_rows
from wbs.keyring import CODE_SALT
from wbs.models import (
    Attachment,
    AttachmentChunk,
    AuditHead,
    Case,
    CaseEvent,
    CaseNote,
    CaseProposal,
    InstallationValue,
    Message,
    Staff,
    UnitKey,
    UnitKeyWrap,
)
from wbs.retention import shred_on_delete

REPAIRED = "check.repaired"
_TAG_BYTES = 16
# Shapes of the blobs wbs.crypto writes: encrypt() = version ‖ nonce ‖ ciphertext+tag,
# seal() = version ‖ ephemeral public key ‖ nonce ‖ ciphertext+tag.
MIN_BLOB = 1 + NONCE_BYTES + _TAG_BYTES
SEALED_KEY_BYTES = 1 + KEY_BYTES + NONCE_BYTES + KEY_BYTES + _TAG_BYTES
WRAPPED_KEY_BYTES = MIN_BLOB + KEY_BYTES
FULL_CHUNK_BYTES = MIN_BLOB + CHUNK_SIZE
LOOKUP_ID_BYTES = 32
WRAP_SALT_BYTES = 16
# Problems listed per attachment before "...": a broken 25 MB file is one line, not 25.
_LISTED = 5
_VERSION = bytes([BLOB_VERSION])


@dataclass(frozen=True)
class Repair:
    """What `--repair` does for one problem: ``action`` on the row ``target``."""

    # delete_attachment (and its chunks), delete_chunks (of a missing attachment),
    # delete_message, delete_note, delete_proposal, delete_event, clear_event_notes
    action: str
    target: int
    case_id: int | None = None


@dataclass(frozen=True)
class Problem:
    """One inconsistency. ``code`` is stable (for grep and monitoring); ``subject``
    names the rows (``case=5 attachment=12``); ``repair`` is None when only reported."""

    code: str
    subject: str
    detail: str
    repair: Repair | None = None

    def line(self) -> str:
        return f"{self.code} {self.subject}: {self.detail}"


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    cases: int = 0
    purged_cases: int = 0
    attachments: int = 0
    chunks: int = 0
    audit_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def repairable(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.repair is not None]

    def add(self, code: str, subject: str, detail: str, repair: Repair | None = None) -> None:
        self.problems.append(Problem(code, subject, detail, repair))

    def summary(self) -> str:
        return (
            f"{_count(self.cases, 'case')} ({self.purged_cases} purged), "
            f"{_count(self.attachments, 'attachment')} in {_count(self.chunks, 'chunk')}, "
            f"audit log: {entries_text(self.audit_entries)} intact"
        )


def _count(number: int, noun: str) -> str:
    return f"1 {noun}" if number == 1 else f"{number} {noun}s"


def _listed(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:_LISTED])
    return shown + (", ..." if len(numbers) > _LISTED else "")


def _shape(column: Any) -> tuple[Any, Any]:
    """Length and first byte of a blob, computed by the database: bodies and chunks are
    never sent to the client, so checking a large instance moves a few bytes per row."""
    return func.length(column), func.substr(column, 1, 1)


def _blob_fault(length: int | None, head: Any, exact: int | None = None) -> str | None:
    """Why a stored blob cannot be a blob of wbs.crypto, or None when its shape is right."""
    if length is None:
        return "missing"
    if bytes(head or b"") != _VERSION:
        return "unknown version byte"
    if exact is not None and length != exact:
        return f"{length} bytes instead of {exact}"
    if length < MIN_BLOB:
        return f"{length} bytes, shorter than any encrypted value"
    return None


def _stream(session: Session, statement: Any) -> Iterator[Any]:
    yield from session.execute(statement.execution_options(yield_per=2000))


@contextmanager
def snapshot(db: Database, *, write: bool = False) -> Iterator[Session]:
    """A transaction that sees the database as of one instant, committed on success.

    Without it a report filed between two queries would show its attachment as one of
    "no existing case", and --repair would delete it. On SQLite a deferred BEGIN holds
    one read snapshot (WAL); for repairs BEGIN IMMEDIATE also takes the write lock
    first, so nothing changes between the check and the deletes. On PostgreSQL,
    REPEATABLE READ: a concurrent change to a row being repaired aborts the repair.
    """
    with db.sessions() as session:
        if db.engine.dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE" if write else "BEGIN"))
        else:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# --- the checks ---------------------------------------------------------------------------


def check(session: Session, chain_key: bytes) -> CheckReport:
    """Every check, read-only. ``chain_key`` is the audit chain key (server secret)."""
    report = CheckReport()
    _check_cases(session, report)
    _check_unit_keys(session, report)
    _check_attachments(session, report)
    _check_case_rows(session, report)
    _check_audit(session, report, chain_key)
    return report


@dataclass(frozen=True)
class _CaseState:
    """The case a row belongs to, as the checks of its rows need it."""

    purged: bool
    # A purged case whose keys are gone: what is left of it can never be opened.
    shredded: bool


_LIVE, _SHREDDED, _PURGED_WITH_KEYS = (
    _CaseState(False, False),
    _CaseState(True, True),
    _CaseState(True, False),
)


def _case_columns() -> tuple[Any, ...]:
    """Columns of the owning case, for an outer join on ``Case.id``: the checks join in
    the database instead of holding every case in memory (a million on a large site)."""
    shredded = case((and_(Case.sealed_key.is_(None), Case.reporter_key.is_(None)), 1), else_=0)
    return Case.id, Case.purged_on, shredded


def _case_state(case_id: int | None, purged_on: Any, shredded: int) -> _CaseState | None:
    if case_id is None:
        return None
    if purged_on is None:
        return _LIVE
    return _SHREDDED if shredded else _PURGED_WITH_KEYS


def _check_cases(session: Session, report: CheckReport) -> None:
    table = Case.__table__.c
    statement = select(
        table.id,
        table.purged_on,
        table.unit_key_id,
        func.length(table.lookup_id),
        *_shape(table.sealed_key),
        *_shape(table.reporter_key),
        *_shape(table.body),
    ).order_by(table.id)
    for row in _stream(session, statement):
        case_id, purged_on, _unit_key, lookup, *shapes = row
        subject = f"case={case_id}"
        sealed = _blob_fault(shapes[0], shapes[1], SEALED_KEY_BYTES)
        wrapped = _blob_fault(shapes[2], shapes[3], WRAPPED_KEY_BYTES)
        body = _blob_fault(shapes[4], shapes[5])
        report.cases += 1
        if purged_on is not None:
            report.purged_cases += 1
            # Purged: no key wraps is the point (crypto-shredding), not a fault.
            left = [
                name
                for name, length in (
                    ("its sealed data key", shapes[0]),
                    ("its reporter key wrap", shapes[2]),
                    ("its body", shapes[4]),
                    ("its look-up id", lookup),
                )
                if length is not None
            ]
            if left:
                report.add(
                    "case.purge_incomplete",
                    subject,
                    f"purged on {purged_on.isoformat()} but still holds {', '.join(left)} "
                    "(not repaired: check how this happened before anything is deleted)",
                )
            continue
        for code, fault, what in (
            ("case.sealed_key", sealed, "data key sealed to the unit key"),
            ("case.reporter_key", wrapped, "data key wrapped for the reporter"),
            ("case.body", body, "encrypted report"),
        ):
            if fault == "missing":
                report.add(f"{code}_missing", subject, f"the {what} is missing")
            elif fault is not None:
                report.add(f"{code}_malformed", subject, f"the {what} is malformed: {fault}")
        if lookup != LOOKUP_ID_BYTES:
            report.add(
                "case.lookup_id_malformed" if lookup else "case.lookup_id_missing",
                subject,
                "the tracking code cannot find this case (look-up id "
                + (f"of {lookup} bytes)" if lookup else "missing)"),
            )


# Each kind of unit key wrap (wbs.keyring, wbs.access_keys, wbs.key_rotation): the
# blob's exact length, and whether it names an officer with a password salt.
_WRAP_SHAPES = {
    "officer": (WRAPPED_KEY_BYTES, True),
    "recovery": (WRAPPED_KEY_BYTES, False),
    "successor": (WRAPPED_KEY_BYTES, False),
    # Sealed to the officer's access public key until his next login.
    "grant": (SEALED_KEY_BYTES, False),
}


def _check_unit_keys(session: Session, report: CheckReport) -> None:
    """The unit key pairs, their wraps, and each officer's access key pair."""
    keys: dict[int, int | None] = dict(
        session.execute(select(UnitKey.id, func.length(UnitKey.public_key))).all()
    )
    active = list(session.scalars(select(UnitKey.id).where(UnitKey.active.is_(True))))
    if keys and len(active) != 1:
        report.add(
            "unit_key.active_count",
            "unit_key",
            f"{len(active)} unit keys are active; exactly one must be",
        )
    for key_id, length in sorted(keys.items()):
        if length != KEY_BYTES:
            report.add(
                "unit_key.public_key_malformed",
                f"unit_key={key_id}",
                f"the public key has {length} bytes instead of {KEY_BYTES}",
            )
    staff_ids = _check_access_keys(session, report)
    opened_by: dict[int, set[str]] = {}
    wraps = select(
        UnitKeyWrap.id,
        UnitKeyWrap.unit_key_id,
        UnitKeyWrap.kind,
        UnitKeyWrap.staff_id,
        func.length(UnitKeyWrap.salt),
        *_shape(UnitKeyWrap.blob),
    ).order_by(UnitKeyWrap.id)
    for wrap_id, key_id, kind, staff_id, salt, length, head in session.execute(wraps):
        subject = f"unit_key={key_id} wrap={wrap_id}"
        if kind not in _WRAP_SHAPES:
            report.add("unit_key.wrap_malformed", subject, f"unknown kind of wrap {kind!r}")
            continue
        size, salted = _WRAP_SHAPES[kind]
        fault = _blob_fault(length, head, size)
        if fault is None and (staff_id is not None) != (kind in ("officer", "grant")):
            fault = "for an officer" if staff_id is not None else "for no officer"
        if fault is None and staff_id is not None and staff_id not in staff_ids:
            fault = f"for officer {staff_id}, who does not exist"
        if fault is None and salted and salt != WRAP_SALT_BYTES:
            fault = "without its password salt"
        if fault is not None:
            report.add("unit_key.wrap_malformed", subject, f"the {kind} wrap is {fault}")
        elif key_id not in keys:
            report.add("unit_key.wrap_orphan", subject, "wraps a unit key that does not exist")
        else:
            opened_by.setdefault(key_id, set()).add(kind)
    sealed_to = dict(
        session.execute(
            select(Case.unit_key_id, func.count())
            .where(Case.purged_on.is_(None))
            .group_by(Case.unit_key_id)
        ).all()
    )
    for key_id in sorted(set(sealed_to) | set(active)):
        subject, sealed = f"unit_key={key_id}", sealed_to.get(key_id, 0)
        held = f"the {_count(sealed, 'case')} sealed to it" if sealed else "new reports"
        if key_id not in keys:
            report.add(
                "unit_key.missing",
                subject,
                f"{_count(sealed, 'case')} sealed to it, yet it is gone",
            )
        elif not opened_by.get(key_id):
            report.add(
                "unit_key.unopenable",
                subject,
                f"no wrap of any kind opens it: {held} cannot be opened",
            )
        elif "recovery" not in opened_by[key_id]:
            report.add(
                "unit_key.recovery_wrap_missing",
                subject,
                f"no recovery wrap: {held} cannot be opened once no officer remembers his password",
            )
    if keys and session.get(InstallationValue, CODE_SALT) is None:
        report.add(
            "installation.code_salt_missing",
            "installation",
            "the tracking-code salt is missing: no tracking code opens any case",
        )


def _check_access_keys(session: Session, report: CheckReport) -> set[int]:
    """Each officer's access key pair (wbs.access_keys) is whole or absent; the ids of
    every account."""
    staff_ids: set[int] = set()
    statement = select(
        Staff.id,
        func.length(Staff.access_public_key),
        func.length(Staff.access_salt),
        *_shape(Staff.access_private_key),
    ).order_by(Staff.id)
    for staff_id, public, salt, length, head in session.execute(statement):
        staff_ids.add(staff_id)
        if public is None and salt is None and length is None:
            continue
        fault = _blob_fault(length, head, WRAPPED_KEY_BYTES)
        if fault is None and (public, salt) != (KEY_BYTES, WRAP_SALT_BYTES):
            fault = "without a well-formed public key or salt"
        if fault is not None:
            report.add(
                "staff.access_key_malformed",
                f"staff={staff_id}",
                f"the access key pair is {fault} (grants to this account cannot be opened)",
            )
    return staff_ids


def _check_attachments(session: Session, report: CheckReport) -> None:
    """Each attachment against its case and its chunks, one row per attachment: the
    chunks are summarised by the database, and only a faulty attachment's chunks are
    listed."""
    chunk = AttachmentChunk.__table__.c
    # Lengths only: SQLite reads a blob's length from the row header, while its first
    # byte would mean reading every attachment whole. store_attachment fills every
    # chunk but the final one: a short chunk before the last is a final chunk that is
    # not the last.
    length = func.length(chunk.data)
    bad = or_(
        length.is_(None),
        length < MIN_BLOB,
        length > FULL_CHUNK_BYTES,
        and_(length < FULL_CHUNK_BYTES, chunk.chunk_index < Attachment.chunk_count - 1),
    )
    stats = (
        select(
            chunk.attachment_id,
            func.count().label("chunks"),
            func.min(chunk.chunk_index).label("low"),
            func.max(chunk.chunk_index).label("high"),
            func.sum(case((bad, 1), else_=0)).label("bad"),
        )
        .join(Attachment, Attachment.id == chunk.attachment_id)
        .group_by(chunk.attachment_id)
        .subquery()
    )
    statement = (
        select(
            Attachment.id,
            Attachment.case_id,
            Attachment.chunk_count,
            *_shape(Attachment.meta),
            *_case_columns(),
            stats.c.chunks,
            stats.c.low,
            stats.c.high,
            stats.c.bad,
        )
        .outerjoin(Case, Case.id == Attachment.case_id)
        .outerjoin(stats, stats.c.attachment_id == Attachment.id)
        .order_by(Attachment.id)
    )
    for row in _stream(session, statement):
        attachment_id, case_id, count, meta_length, meta_head = row[:5]
        state = _case_state(*row[5:8])
        chunks, low, high, faulty = row[8:]
        report.attachments += 1
        report.chunks += chunks or 0
        subject = f"case={case_id} attachment={attachment_id}"
        remove = Repair("delete_attachment", attachment_id, case_id)
        if state is None:
            report.add("attachment.orphan", subject, "belongs to no existing case", remove)
        elif state.purged:
            _purged_leftover(report, subject, state, "attachment", remove)
        elif count < 1 or not meta_length:
            report.add(
                "attachment.incomplete",
                subject,
                "never finished: no chunk count or no metadata (it cannot be opened)",
                remove,
            )
        else:
            fault = _blob_fault(meta_length, meta_head)
            if fault is not None:
                report.add("attachment.meta_malformed", subject, f"the metadata is {fault}", remove)
            if (chunks, low, high, faulty) != (count, 0, count - 1, 0):
                _check_chunks(session, report, subject, remove, count)

    orphans = (
        select(chunk.attachment_id, func.count())
        .where(~select(Attachment.id).where(Attachment.id == chunk.attachment_id).exists())
        .group_by(chunk.attachment_id)
        .order_by(chunk.attachment_id)
    )
    for attachment_id, number in session.execute(orphans):
        report.chunks += number
        report.add(
            "attachment_chunk.orphan",
            f"attachment={attachment_id}",
            f"{_count(number, 'chunk')} of an attachment that does not exist",
            Repair("delete_chunks", attachment_id),
        )


def _check_chunks(
    session: Session, report: CheckReport, subject: str, remove: Repair, count: int
) -> None:
    """Name what is wrong with the chunks of one attachment that is known to be faulty."""
    chunk = AttachmentChunk.__table__.c
    rows = session.execute(
        select(chunk.chunk_index, func.length(chunk.data))
        .where(chunk.attachment_id == remove.target)
        .order_by(chunk.chunk_index)
    ).all()
    indexes = {index for index, _length in rows}
    missing = sorted(set(range(count)) - indexes)
    extra = sorted(indexes - set(range(count)))
    if missing:
        report.add(
            "attachment.chunks_missing",
            subject,
            f"chunk(s) {_listed(missing)} of 0..{count - 1} missing (it cannot be opened)",
            remove,
        )
    if extra:
        report.add(
            "attachment.chunks_extra",
            subject,
            f"chunk(s) {_listed(extra)} beyond the final chunk {count - 1} "
            "(cut off or not finished; it cannot be opened)",
            remove,
        )
    faults = []
    for index, length in rows:
        fault = None
        if length < MIN_BLOB:
            fault = f"{length} bytes, shorter than any encrypted value"
        elif length > FULL_CHUNK_BYTES:
            fault = f"{length} bytes, more than a 1 MiB chunk"
        elif length < FULL_CHUNK_BYTES and index < count - 1:
            fault = "shorter than 1 MiB, so it is a final chunk, yet it is not the last"
        if fault is not None:
            faults.append(f"chunk {index} {fault}")
    if faults:
        report.add(
            "attachment.chunk_malformed",
            subject,
            "; ".join(faults[:_LISTED]) + ("; ..." if len(faults) > _LISTED else ""),
            remove,
        )


def _purged_leftover(
    report: CheckReport, subject: str, state: _CaseState, what: str, repair: Repair
) -> None:
    if state.shredded:
        report.add(
            "case.purged_leftover",
            subject,
            f"a {what} left in a purged case (its keys are gone: it can never be opened)",
            repair,
        )
    else:
        # The keys are still there (case.purge_incomplete): deleting would finish a purge
        # that may never have been asked for.
        report.add("case.purged_leftover", subject, f"a {what} left in a purged case")


_CASE_ROWS: tuple[tuple[Any, str, str, tuple[str, ...]], ...] = (
    (Message, "message", "delete_message", ("body",)),
    (CaseNote, "note", "delete_note", ("body",)),
    (CaseProposal, "proposal", "delete_proposal", ("payload",)),
    (CaseEvent, "event", "delete_event", ("note", "public_note")),
)


def _check_case_rows(session: Session, report: CheckReport) -> None:
    """Messages, notes, proposals and events: of an existing case, with well-formed blobs.

    A purged case keeps its events (statistics) but not their notes."""
    for model, noun, action, blobs in _CASE_ROWS:
        table = model.__table__.c
        shapes = [part for name in blobs for part in _shape(table[name])]
        statement = (
            select(table.id, table.case_id, *_case_columns(), *shapes)
            .outerjoin(Case, Case.id == table.case_id)
            .order_by(table.id)
        )
        for row_id, case_id, *values in _stream(session, statement):
            state = _case_state(*values[:3])
            lengths, heads = values[3::2], values[4::2]
            subject = f"case={case_id} {noun}={row_id}"
            if state is None:
                report.add(
                    f"{noun}.orphan",
                    subject,
                    f"a {noun} of a case that does not exist",
                    Repair(action, row_id, case_id),
                )
            elif state.purged and model is CaseEvent:
                if any(length is not None for length in lengths):
                    fix = Repair("clear_event_notes", row_id, case_id)
                    _purged_leftover(report, subject, state, "note of an event", fix)
            elif state.purged:
                _purged_leftover(report, subject, state, noun, Repair(action, row_id, case_id))
            else:
                for name, length, head in zip(blobs, lengths, heads, strict=True):
                    if length is None and model is CaseEvent:
                        continue  # an event without a note
                    fault = _blob_fault(length, head)
                    if fault is not None:
                        report.add(f"{noun}.blob_malformed", subject, f"the {name} is {fault}")


def _check_audit(session: Session, report: CheckReport, chain_key: bytes) -> None:
    result = verify(session, chain_key)
    report.audit_entries = result.entries
    if result.ok:
        return
    where = f"entry={result.first_broken_seq}" if result.first_broken_seq else "head"
    report.add(
        "audit.broken",
        where,
        f"{result.problem} (never repaired: `wbs audit verify` tells more)",
    )


# --- repairs ------------------------------------------------------------------------------

_DELETE_BY_ID: dict[str, Any] = {
    "delete_message": Message,
    "delete_note": CaseNote,
    "delete_proposal": CaseProposal,
    "delete_event": CaseEvent,
}


def _apply(session: Session, repair: Repair) -> int:
    """Carry out one repair; the number of rows it changed (0: already gone)."""
    if repair.action in ("delete_attachment", "delete_chunks"):
        changed = changed_rows(
            session, delete(AttachmentChunk).where(AttachmentChunk.attachment_id == repair.target)
        )
        if repair.action == "delete_attachment":
            changed += changed_rows(
                session, delete(Attachment).where(Attachment.id == repair.target)
            )
        return changed
    if repair.action == "clear_event_notes":
        return changed_rows(
            session,
            update(CaseEvent)
            .where(CaseEvent.id == repair.target)
            .values(note=None, public_note=None),
        )
    model = _DELETE_BY_ID[repair.action]
    return changed_rows(session, delete(model).where(model.id == repair.target))


def can_record_repairs(session: Session) -> bool:
    """Repairs are recorded in the audit log, which needs its head row."""
    return session.get(AuditHead, HEAD_ID) is not None


def repair(
    session: Session, problems: list[Problem], chain_key: bytes, now: Callable[[], datetime]
) -> list[Problem]:
    """Apply every repair of ``problems`` in the caller's transaction, each once, with one
    audit entry each; returns the problems actually repaired.

    Only rows named by a problem are touched: a consistent row never is."""
    shred_on_delete(session)
    changed: dict[Repair, int] = {}
    repaired: list[Problem] = []
    for problem in problems:
        if problem.repair is None:
            continue
        if problem.repair not in changed:
            # Several problems of one attachment share one repair: it runs once.
            changed[problem.repair] = _apply(session, problem.repair)
        if not changed[problem.repair]:
            continue  # gone meanwhile (a purge, another repair): nothing was done
        record(
            session,
            chain_key,
            REPAIRED,
            at=now(),
            case_id=problem.repair.case_id,
            detail=f"{problem.code} {problem.subject}",
        )
        repaired.append(problem)
    return repaired
