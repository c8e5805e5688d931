"""The mail outbox: officers' notifications are queued with their event, sent later.

A notification is a row of ``mail_outbox`` written in the same transaction as the case
event that caused it, so the mail exists exactly when the event does. `wbs send-mail`
delivers the rows later, one transaction per mail: a mail server that is down only
delays mail, and a crash loses nothing and re-sends at most the one mail in flight.

Plain Python (no Flask): the caller passes the function that actually sends a mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from wbs.db import Database
from wbs.models import OutboxMail

# Retry after 1, 2, 4, 8... minutes, at most an hour apart; mail is never dropped.
MAX_BACKOFF = timedelta(hours=1)
# A claimed mail is not picked again for this long. A run that crashes between sending
# and recording the result therefore re-sends that one mail once the lease ends; it
# outlasts the SMTP timeout of the sender by far.
LEASE = timedelta(minutes=10)
MAX_ERROR_LENGTH = 200


class StopDelivery(Exception):
    """Raised by a send function: this mail failed and the others would fail alike.

    The mail is recorded as failed (it retries later) and the run stops, so that a mail
    server that is down costs one connection attempt per run, not one per mail.
    """


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    # Unsent mails left in the outbox after the run (due now or backing off).
    waiting: int
    # Why the run stopped early, if it did.
    stopped: StopDelivery | None = None


def queue_mail(
    session: Session, *, recipient: str, subject: str, body: str, now: datetime
) -> OutboxMail:
    """Add a mail to the caller's session; the caller's transaction commits it."""
    # A header injection guard: addresses and subjects become SMTP headers.
    if any(char in recipient + subject for char in "\r\n") or "@" not in recipient:
        raise ValueError("a mail recipient is one address and a subject is one line")
    mail = OutboxMail(
        created_at=now,
        recipient=recipient,
        subject=subject,
        body=body,
        attempts=0,
        next_attempt_at=now,
        last_error=None,
        sent_at=None,
    )
    session.add(mail)
    return mail


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4... minutes, max 1 h."""
    if attempts >= 7:  # 2**6 minutes already exceeds the cap
        return MAX_BACKOFF
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def describe_error(error: BaseException) -> str:
    """A short, one-line reason for the operator: the error's class and first line.

    SMTP errors carry the server's reply, never our credentials; the length bound keeps
    a chatty server (or a long traceback text) out of the table.
    """
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    reason = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return reason[:MAX_ERROR_LENGTH]


def _sessions(db: Database | sessionmaker[Session]) -> sessionmaker[Session]:
    return db.sessions if isinstance(db, Database) else db


def _claim(sessions: sessionmaker[Session], now: datetime) -> OutboxMail | None:
    """Take the oldest due unsent mail for this run, in a transaction of its own.

    The claim pushes ``next_attempt_at`` past the lease in one UPDATE, so no other run
    picks the mail while it is being sent. On PostgreSQL the inner SELECT uses FOR UPDATE
    SKIP LOCKED: two concurrent runs take different mails instead of waiting on the
    same one. SQLite serialises writers, so the single UPDATE is already atomic there.
    """
    with sessions() as session:
        due = (
            select(OutboxMail.id)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = session.scalar(
            update(OutboxMail)
            .where(OutboxMail.id == due.scalar_subquery())
            .values(next_attempt_at=now + LEASE)
            .returning(OutboxMail.id)
            .execution_options(synchronize_session=False)
        )
        if claimed is None:
            session.rollback()
            return None
        mail = session.get_one(OutboxMail, claimed)
        # Detached before the commit, so its fields stay readable while it is sent.
        session.expunge(mail)
        session.commit()
        return mail


def _record(sessions: sessionmaker[Session], mail_id: int, **values: object) -> None:
    with sessions() as session:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _record_failure(
    sessions: sessionmaker[Session], mail: OutboxMail, error: BaseException, now: datetime
) -> None:
    attempts = mail.attempts + 1
    _record(
        sessions,
        mail.id,
        attempts=attempts,
        last_error=describe_error(error),
        next_attempt_at=now + backoff(attempts),
    )


def count_waiting(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None))
        return session.scalar(query) or 0


def deliver_pending(
    db: Database | sessionmaker[Session],
    send: Callable[[OutboxMail], None],
    now: datetime,
    limit: int,
) -> DeliveryReport:
    """Send up to ``limit`` due mails, oldest first, committing each result on its own."""
    sessions = _sessions(db)
    sent = failed = 0
    stopped: StopDelivery | None = None
    for _ in range(limit):
        mail = _claim(sessions, now)
        if mail is None:
            break
        try:
            send(mail)
        except StopDelivery as error:
            _record_failure(sessions, mail, error.__cause__ or error, now)
            failed += 1
            stopped = error
            break
        # Any failure of one mail must leave it queued for a retry, whatever its kind.
        except Exception as error:
            _record_failure(sessions, mail, error, now)
            failed += 1
            continue
        _record(sessions, mail.id, sent_at=now, last_error=None)
        sent += 1
    return DeliveryReport(sent, failed, count_waiting(sessions), stopped)
