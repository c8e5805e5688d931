"""What a reporter can do with his tracking code: read his case, reply, add evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.attachments import AttachmentMeta, EvidenceFile, read_meta, store_attachment
from wbs.case_crypto import (
    CASE_BODY,
    EVENT_PUBLIC_NOTE,
    MESSAGE_BODY,
    decrypt_json,
    encrypt_json,
    open_reporter_wrap,
)
from wbs.crypto import DataKey
from wbs.intake import IntakeKeys, ReportContent
from wbs.models import Attachment, Case, CaseEvent, Message
from wbs.tracking_code import CodeKeys, TrackingCode


@dataclass(frozen=True, repr=False)
class ReporterAccess:
    case_id: int
    data_key: DataKey


@dataclass(frozen=True)
class ReporterEvent:
    occurred_on: date
    kind: str
    status_to: str | None
    note: str


@dataclass(frozen=True)
class ReporterMessage:
    sent_on: date
    author: str
    text: str


@dataclass(frozen=True)
class ReporterView:
    status: str
    received_on: date
    report: ReportContent
    events: list[ReporterEvent]
    messages: list[ReporterMessage]
    attachments: list[AttachmentMeta]
    # Where a forwarded report went (a code of case_actions.FORWARD_DESTINATIONS).
    forwarded_to: str | None = None


def run_directly(derive: Callable[[TrackingCode], CodeKeys], code: TrackingCode) -> CodeKeys:
    return derive(code)


def open_with_code(
    session: Session,
    keys: IntakeKeys,
    code: TrackingCode,
    run: Callable[[Callable[[TrackingCode], CodeKeys], TrackingCode], CodeKeys] = run_directly,
) -> ReporterAccess | None:
    """One Argon2id run; None when no case has this code (whatever the reason).

    ``run`` computes it: in this thread, or in another (wbs/lookup_priority.py).
    """
    derived = run(keys.derive, code)
    case = session.scalar(select(Case).where(Case.lookup_id == derived.lookup_id))
    if case is None:
        return None
    # Found by its lookup id: not purged, so its key is there (wbs/retention.py clears both).
    assert case.reporter_key is not None
    return ReporterAccess(case.id, open_reporter_wrap(case.reporter_key, case.id, derived.wrap_key))


def reporter_view(session: Session, access: ReporterAccess) -> ReporterView:
    case = session.get_one(Case, access.case_id)
    key = access.data_key
    events = [
        ReporterEvent(
            event.occurred_on,
            event.kind,
            event.status_to,
            decrypt_json(key, EVENT_PUBLIC_NOTE, event.id, event.public_note)
            if event.public_note
            else "",
        )
        for event in session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.visible_to_reporter.is_(True))
            .order_by(CaseEvent.occurred_on, CaseEvent.id)
        )
    ]
    messages = [
        ReporterMessage(
            message.sent_on,
            message.author,
            decrypt_json(key, MESSAGE_BODY, message.id, message.body),
        )
        for message in session.scalars(
            select(Message).where(Message.case_id == case.id).order_by(Message.id)
        )
    ]
    attachments = [
        read_meta(attachment, key)
        for attachment in session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        )
    ]
    # The reporter got in with the code, so the case is not purged (wbs/retention.py).
    assert case.body is not None
    report = ReportContent.from_json(decrypt_json(key, CASE_BODY, case.id, case.body))
    return ReporterView(
        case.status, case.received_on, report, events, messages, attachments, case.forwarded_to
    )


def attachment_for(
    session: Session, access: ReporterAccess, attachment_id: int
) -> Attachment | None:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != access.case_id:
        return None
    return attachment


def add_reply(
    session: Session,
    access: ReporterAccess,
    text: str,
    files: Sequence[EvidenceFile],
    today: date,
    max_image_pixels: int,
) -> None:
    """The reporter answers or adds evidence; officers see it on the case."""
    if text:
        message = Message(case_id=access.case_id, sent_on=today, author="reporter", body=b"")
        session.add(message)
        session.flush()
        message.body = encrypt_json(access.data_key, MESSAGE_BODY, message.id, text)
    for evidence in files:
        store_attachment(
            session, access.case_id, access.data_key, evidence, today, max_image_pixels
        )
    session.add(
        CaseEvent(
            case_id=access.case_id,
            occurred_on=today,
            kind="reporter_reply" if text else "reporter_evidence",
            visible_to_reporter=True,
        )
    )
