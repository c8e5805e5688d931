"""An officer's view of one case: the report, timeline, conversation, internal notes,
attachments and any pending proposal, decrypted with the case's data key. No Flask.

Opening a case key is a decryption of case content: the caller writes an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.attachments import AttachmentMeta, read_meta
from wbs.case_crypto import (
    CASE_BODY,
    CASE_NOTE,
    EVENT_NOTE,
    EVENT_PUBLIC_NOTE,
    MESSAGE_BODY,
    PROPOSAL,
    decrypt_json,
    open_sealed_key,
)
from wbs.crypto import DataKey, UnitPrivateKey
from wbs.intake import ReportContent
from wbs.models import Attachment, Case, CaseEvent, CaseNote, CaseProposal, Message


@dataclass(frozen=True)
class TimelineEntry:
    occurred_on: date
    recorded_at: datetime | None
    kind: str
    status_from: str | None
    status_to: str | None
    visible_to_reporter: bool
    staff_id: int | None
    note: str
    public_note: str


@dataclass(frozen=True)
class ConversationEntry:
    sent_on: date
    author: str
    staff_id: int | None
    text: str


@dataclass(frozen=True)
class InternalNote:
    created_at: datetime
    staff_id: int
    text: str


@dataclass(frozen=True)
class Proposal:
    id: int
    kind: str
    outcome: str | None
    severity: str | None
    rejection_reason: str | None
    proposed_by: int
    proposed_at: datetime
    payload: dict[str, str]


@dataclass(frozen=True)
class OfficerView:
    report: ReportContent
    timeline: list[TimelineEntry]
    conversation: list[ConversationEntry]
    notes: list[InternalNote]
    attachments: list[AttachmentMeta]
    proposal: Proposal | None
    # The approved conclusion or rejection: its recommendation guides the follow-up.
    decided: Proposal | None = None


def open_case_key(case: Case, private: UnitPrivateKey) -> DataKey:
    assert case.sealed_key is not None, "a purged case has no key"
    return open_sealed_key(case.sealed_key, case.id, case.unit_key_id, private)


def _text(key: DataKey, purpose: str, row_id: int, blob: bytes | None) -> str:
    return decrypt_json(key, purpose, row_id, blob) if blob else ""


def _proposal(row: CaseProposal | None, key: DataKey) -> Proposal | None:
    if row is None:
        return None
    return Proposal(
        row.id,
        row.kind,
        row.outcome,
        row.severity,
        row.rejection_reason,
        row.proposed_by,
        row.proposed_at,
        decrypt_json(key, PROPOSAL, row.id, row.payload),
    )


def pending_proposal_row(session: Session, case_id: int) -> CaseProposal | None:
    """The proposal waiting for a second supervisor, if any (at most one per case)."""
    return session.scalars(
        select(CaseProposal).where(CaseProposal.case_id == case_id, CaseProposal.decision.is_(None))
    ).first()


def pending_proposal(session: Session, case_id: int, key: DataKey) -> Proposal | None:
    return _proposal(pending_proposal_row(session, case_id), key)


def approved_proposal(session: Session, case_id: int, key: DataKey) -> Proposal | None:
    """The latest approved proposal (a reopened case may have had an earlier one)."""
    row = session.scalars(
        select(CaseProposal)
        .where(CaseProposal.case_id == case_id, CaseProposal.decision == "approved")
        .order_by(CaseProposal.id.desc())
    ).first()
    return _proposal(row, key)


def officer_view(session: Session, case: Case, key: DataKey) -> OfficerView:
    assert case.body is not None, "a purged case has no content"
    report = ReportContent.from_json(decrypt_json(key, CASE_BODY, case.id, case.body))
    timeline = [
        TimelineEntry(
            event.occurred_on,
            event.recorded_at,
            event.kind,
            event.status_from,
            event.status_to,
            event.visible_to_reporter,
            event.staff_id,
            _text(key, EVENT_NOTE, event.id, event.note),
            _text(key, EVENT_PUBLIC_NOTE, event.id, event.public_note),
        )
        for event in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    ]
    conversation = [
        ConversationEntry(
            message.sent_on,
            message.author,
            message.staff_id,
            decrypt_json(key, MESSAGE_BODY, message.id, message.body),
        )
        for message in session.scalars(
            select(Message).where(Message.case_id == case.id).order_by(Message.id)
        )
    ]
    notes = [
        InternalNote(
            note.created_at, note.staff_id, decrypt_json(key, CASE_NOTE, note.id, note.body)
        )
        for note in session.scalars(
            select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)
        )
    ]
    attachments = [
        read_meta(attachment, key)
        for attachment in session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        )
    ]
    return OfficerView(
        report,
        timeline,
        conversation,
        notes,
        attachments,
        pending_proposal(session, case.id, key),
        approved_proposal(session, case.id, key),
    )
