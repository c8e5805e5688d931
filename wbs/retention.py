"""Retention purge: crypto-shredding of cases closed longer than the retention period.

DESIGN.md, "Encryption at rest": a purged case keeps only its plain statistics fields
(agency, category, status, dates, outcome, severity, forwarding, rejection reason,
assignment) and the kinds, dates and statuses of its events. Its data key is destroyed
in both places it is stored (sealed to the unit key, wrapped under the tracking code),
its look-up id is removed so that the tracking code finds nothing, and every encrypted
row (report body, messages, notes, proposals, event notes, attachments and their
chunks) is deleted or cleared. Not even the holder of the unit private key can open
the case again.

Plain Python over SQLAlchemy; no Flask. Batches keep memory flat on a large database
and each transaction short, so the web application keeps serving meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select, text, update
from sqlalchemy.orm import Session

from wbs.audit import record
from wbs.db import Database
from wbs.models import (
    Attachment,
    AttachmentChunk,
    Case,
    CaseEvent,
    CaseNote,
    CaseProposal,
    Message,
)

DEFAULT_BATCH_SIZE = 200
PURGED = "case.purged"


@dataclass(frozen=True)
class PurgeResult:
    cutoff: date
    purged: int
    # False when a reader kept SQLite's write-ahead log busy (see empty_sqlite_log).
    log_emptied: bool = True


def cutoff_date(today: date, retention_days: int) -> date:
    """Cases closed on or before this day are due for the purge."""
    return today - timedelta(days=retention_days)


def _due(cutoff: date) -> ColumnElement[bool]:
    return and_(
        Case.status == "closed",
        Case.closed_on.is_not(None),
        Case.closed_on <= cutoff,
        Case.purged_on.is_(None),
    )


def count_due(session: Session, cutoff: date) -> int:
    return session.scalar(select(func.count()).select_from(Case).where(_due(cutoff))) or 0


def shred_on_delete(session: Session) -> None:
    """Make deleted and overwritten bytes really go away on SQLite.

    SQLite leaves them in the free space of its file, where anyone with a copy of the
    file and the unit private key (or an old officer password) could still find a sealed
    data key or a key wrap. secure_delete overwrites freed content with zeros; it is a
    setting of the connection, so it is set on the one this session uses.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete=ON"))


def empty_sqlite_log(db: Database) -> bool:
    """Copy SQLite's write-ahead log into the database file and truncate it: the log
    still holds earlier page images with the shredded bytes. False when a reader kept
    the log busy (a later checkpoint empties it); always True on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as connection:
        busy = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).scalar()
    return not busy


def purge_batch(
    session: Session,
    case_ids: list[int],
    cutoff: date,
    today: date,
    now: datetime,
    chain_key: bytes,
) -> list[int]:
    """Shred those of ``case_ids`` that are still due, in the caller's transaction, with
    one audit entry each; returns the ids purged.

    The case rows are updated first, on the condition that selected them: that takes
    the write lock (SQLite) or the row locks (PostgreSQL) before anything is deleted,
    so a case a supervisor reopened in the meantime is left whole.
    """
    purged = sorted(
        session.scalars(
            update(Case)
            .where(Case.id.in_(case_ids), _due(cutoff))
            .values(sealed_key=None, reporter_key=None, body=None, lookup_id=None, purged_on=today)
            .returning(Case.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not purged:
        return purged
    attachment_ids = select(Attachment.id).where(Attachment.case_id.in_(purged))
    session.execute(
        delete(AttachmentChunk)
        .where(AttachmentChunk.attachment_id.in_(attachment_ids))
        .execution_options(synchronize_session=False)
    )
    for model in (Attachment, Message, CaseNote, CaseProposal):
        session.execute(
            delete(model)
            .where(model.case_id.in_(purged))
            .execution_options(synchronize_session=False)
        )
    # The events stay: their kinds, dates and statuses are the statistics of the case.
    session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(purged))
        .values(note=None, public_note=None)
        .execution_options(synchronize_session=False)
    )
    for case_id in purged:
        record(session, chain_key, PURGED, at=now, case_id=case_id)
    return purged


def purge_closed_cases(
    db: Database,
    *,
    today: date,
    retention_days: int,
    chain_key: bytes,
    now: Callable[[], datetime],
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> PurgeResult:
    """Purge every due case, ``batch_size`` cases per committed transaction.

    ``on_batch`` gets the running total after each commit. An interruption leaves whole
    batches purged and the others untouched; running the purge again goes on from there.
    """
    cutoff = cutoff_date(today, retention_days)
    total = 0
    while True:
        with db.session() as session:
            shred_on_delete(session)
            case_ids = list(
                session.scalars(
                    select(Case.id).where(_due(cutoff)).order_by(Case.id).limit(batch_size)
                )
            )
            if not case_ids:
                break
            purged = purge_batch(session, case_ids, cutoff, today, now(), chain_key)
        total += len(purged)
        if on_batch is not None:
            on_batch(total)
    log_emptied = empty_sqlite_log(db) if total else True
    return PurgeResult(cutoff, total, log_emptied)
