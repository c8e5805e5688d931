"""What officers do to a case: every action checks the state machine (wbs.workflow),
the actor's role, records an event (who, when, why, whether the reporter sees it),
moves the deadline clocks, writes an audit entry and queues the notifications, all in
the caller's transaction. No Flask import; routes call these and never set a status.

Rejection and conclusion are four-eyes decisions: an officer proposes, and only a
supervisor other than the proposer approves (DESIGN.md, "Case workflow").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs import audit
from wbs.case_crypto import (
    CASE_NOTE,
    EVENT_NOTE,
    EVENT_PUBLIC_NOTE,
    MESSAGE_BODY,
    PROPOSAL,
    encrypt_json,
)
from wbs.case_permissions import Actor, may_be_assigned, may_see
from wbs.case_reading import pending_proposal_row
from wbs.crypto import DataKey
from wbs.deadlines import DeadlineRules, WorkingCalendar
from wbs.holiday_calendar import refresh_due
from wbs.models import Case, CaseEvent, CaseNote, CaseProposal, Message, Staff, StaffConflict
from wbs.workflow import check_move

# Where a case outside the inspectorate's authority goes (DOMAIN.md, telaah: KPK for
# state loss of Rp1 miliar or more, APH, BKPSDM, SP4N-LAPOR!, another APIP).
FORWARD_DESTINATIONS = (
    "kpk",
    "kejaksaan",
    "kepolisian",
    "bkpsdm",
    "apip_lain",
    "sp4n_lapor",
    "ombudsman",
)
# Why a report cannot be followed up, grouped for statistics (SE MenPANRB 08/2012: a
# report needs the party reported, the act and some initial evidence).
REJECTION_REASONS = (
    "incomplete",
    "not_a_violation",
    "no_evidence",
    "duplicate",
    "outside_scope",
    "other",
)
OUTCOMES = ("substantiated", "not_substantiated")
# PP 94/2021: hukuman disiplin ringan, sedang, berat.
SEVERITIES = ("ringan", "sedang", "berat")


class ActionRefused(Exception):
    """The action is not allowed for this actor, case state or input; ``reason`` is a code
    the page turns into a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, repr=False)
class Handling:
    """What every action needs besides the case: time, rules, keys and hooks."""

    actor: Actor
    data_key: DataKey | None
    today: date
    now: datetime
    rules: DeadlineRules
    calendar: WorkingCalendar
    chain_key: bytes
    # notify(kind, case, assignee) queues mail in the same transaction (wbs.notifications).
    notify: Callable[[str, Case, Staff | None], None] = lambda kind, case, assignee: None


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise ActionRefused(reason)


def _key(handling: Handling) -> DataKey:
    _require(handling.data_key is not None, "no_key_access")
    assert handling.data_key is not None
    return handling.data_key


def _audit(session: Session, handling: Handling, case: Case, action: str, detail: str = "") -> None:
    audit.record(
        session,
        handling.chain_key,
        action,
        at=handling.now,
        staff_id=handling.actor.staff_id,
        case_id=case.id,
        detail=detail,
    )


def _event(
    session: Session,
    handling: Handling,
    case: Case,
    kind: str,
    *,
    status_from: str | None = None,
    status_to: str | None = None,
    visible: bool = True,
    note: str = "",
    public_note: str = "",
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        occurred_on=handling.today,
        recorded_at=handling.now,
        kind=kind,
        status_from=status_from,
        status_to=status_to,
        visible_to_reporter=visible,
        staff_id=handling.actor.staff_id,
    )
    session.add(event)
    session.flush()
    if note:
        event.note = encrypt_json(_key(handling), EVENT_NOTE, event.id, note)
    if public_note:
        event.public_note = encrypt_json(_key(handling), EVENT_PUBLIC_NOTE, event.id, public_note)
        if case.first_feedback_on is None:
            case.first_feedback_on = handling.today
    return event


def _move(
    session: Session,
    handling: Handling,
    case: Case,
    target: str,
    *,
    note: str = "",
    public_note: str = "",
) -> CaseEvent:
    current = case.status
    try:
        check_move(current, target)
    except ValueError:
        raise ActionRefused("wrong_state") from None
    case.status = target
    event = _event(
        session,
        handling,
        case,
        "status_change",
        status_from=current,
        status_to=target,
        note=note,
        public_note=public_note,
    )
    _audit(session, handling, case, "case.transition", f"{current}->{target}")
    return event


def _refresh(case: Case, handling: Handling) -> None:
    refresh_due(case, handling.rules, handling.calendar)


def _check_access(case: Case, handling: Handling) -> None:
    _require(may_see(handling.actor, case.agency_id, case.assignee_id), "no_access")
    _require(case.purged_on is None, "purged")


def _assigned_or(case: Case, handling: Handling, *roles: str) -> bool:
    """The actor holds one of ``roles``, or is an investigator assigned to the case."""
    actor = handling.actor
    if actor.has(*roles):
        return True
    return "investigator" in actor.roles and case.assignee_id == actor.staff_id


# --- triage ------------------------------------------------------------------------------


def acknowledge(session: Session, case: Case, handling: Handling) -> None:
    """received → triage: an officer has looked at the report."""
    _check_access(case, handling)
    _require(handling.actor.has("intake", "supervisor"), "role")
    _move(session, handling, case, "triage")
    case.acknowledged_on = case.acknowledged_on or handling.today
    case.triage_started_on = case.triage_started_on or handling.today
    _refresh(case, handling)


def ask_reporter(session: Session, case: Case, handling: Handling, question: str) -> None:
    """triage/investigation → need_info, with the question as a message to the reporter.
    The clocks pause until the case resumes."""
    _check_access(case, handling)
    _require(bool(question.strip()), "question_missing")
    _require(_assigned_or(case, handling, "intake", "supervisor"), "role")
    _move(session, handling, case, "need_info")
    _message(session, case, handling, question)
    case.verified_on = case.verified_on or handling.today
    case.paused_since = handling.today
    _refresh(case, handling)


def resume(session: Session, case: Case, handling: Handling, target: str, note: str = "") -> None:
    """need_info → triage or investigation; the days waited are added to every clock."""
    _check_access(case, handling)
    _require(target in ("triage", "investigation"), "wrong_state")
    _require(_assigned_or(case, handling, "intake", "supervisor"), "role")
    _move(session, handling, case, target, note=note)
    if case.paused_since is not None:
        case.paused_days = (case.paused_days or 0) + (handling.today - case.paused_since).days
        case.paused_since = None
    if target == "investigation":
        case.complete_on = case.complete_on or handling.today
    _refresh(case, handling)


def start_investigation(session: Session, case: Case, handling: Handling, note: str = "") -> None:
    """triage → investigation: the report is complete and within our authority."""
    if case.status == "need_info":
        resume(session, case, handling, "investigation", note)
        return
    _check_access(case, handling)
    _require(_assigned_or(case, handling, "intake", "supervisor"), "role")
    _move(session, handling, case, "investigation", note=note)
    case.verified_on = case.verified_on or handling.today
    case.complete_on = case.complete_on or handling.today
    _refresh(case, handling)


def forward(
    session: Session,
    case: Case,
    handling: Handling,
    destination: str,
    public_note: str,
    note: str = "",
) -> None:
    """triage → forwarded: outside our authority; the destination is recorded."""
    _check_access(case, handling)
    _require(handling.actor.has("intake", "supervisor"), "role")
    _require(destination in FORWARD_DESTINATIONS, "destination_missing")
    _require(bool(public_note.strip()), "public_note_missing")
    _move(session, handling, case, "forwarded", note=note, public_note=public_note)
    case.forwarded_to = destination
    case.outcome = "forwarded"
    case.verified_on = case.verified_on or handling.today
    _refresh(case, handling)


# --- four eyes: propose, approve, decline --------------------------------------------------


def _propose(
    session: Session,
    case: Case,
    handling: Handling,
    kind: str,
    payload: dict[str, str],
    **plain: str | None,
) -> CaseProposal:
    _require(pending_proposal_row(session, case.id) is None, "proposal_pending")
    proposal = CaseProposal(
        case_id=case.id,
        kind=kind,
        payload=b"",
        proposed_by=handling.actor.staff_id,
        proposed_at=handling.now,
        **plain,
    )
    session.add(proposal)
    session.flush()
    proposal.payload = encrypt_json(_key(handling), PROPOSAL, proposal.id, payload)
    _event(session, handling, case, f"proposed_{kind}", visible=False, note=payload.get("note", ""))
    _audit(session, handling, case, f"case.proposed_{kind}", f"proposal {proposal.id}")
    return proposal


def propose_rejection(
    session: Session,
    case: Case,
    handling: Handling,
    reason: str,
    public_reason: str,
    note: str = "",
) -> CaseProposal:
    """A report that cannot be followed up, with a reason the reporter will read."""
    _check_access(case, handling)
    _require(_assigned_or(case, handling, "intake", "supervisor"), "role")
    _require(case.status == "triage", "wrong_state")
    _require(reason in REJECTION_REASONS, "reason_missing")
    _require(bool(public_reason.strip()), "public_note_missing")
    return _propose(
        session,
        case,
        handling,
        "reject",
        {"public": public_reason, "note": note},
        rejection_reason=reason,
    )


def propose_conclusion(
    session: Session,
    case: Case,
    handling: Handling,
    *,
    outcome: str,
    severity: str | None,
    recommendation: str,
    public_summary: str,
    note: str = "",
) -> CaseProposal:
    """The finding: substantiated or not, severity per PP 94/2021, recommendation."""
    _check_access(case, handling)
    _require(_assigned_or(case, handling, "supervisor"), "role")
    _require(case.status == "investigation", "wrong_state")
    _require(outcome in OUTCOMES, "outcome_missing")
    if outcome == "substantiated":
        _require(severity in SEVERITIES, "severity_missing")
    else:
        severity = None
    _require(bool(recommendation.strip()), "recommendation_missing")
    _require(bool(public_summary.strip()), "public_note_missing")
    return _propose(
        session,
        case,
        handling,
        "conclude",
        {"recommendation": recommendation, "public": public_summary, "note": note},
        outcome=outcome,
        severity=severity,
    )


def decide(
    session: Session,
    case: Case,
    handling: Handling,
    proposal: CaseProposal,
    approve: bool,
    payload: dict[str, str],
    note: str = "",
) -> None:
    """A second supervisor approves (the move takes effect) or declines (nothing moves)."""
    _check_access(case, handling)
    _require(handling.actor.has("supervisor"), "role")
    _require(proposal.case_id == case.id and proposal.decision is None, "no_proposal")
    _require(proposal.proposed_by != handling.actor.staff_id, "four_eyes")
    proposal.decision = "approved" if approve else "declined"
    proposal.decided_by = handling.actor.staff_id
    proposal.decided_at = handling.now
    _audit(
        session,
        handling,
        case,
        f"case.{proposal.decision}_{proposal.kind}",
        f"proposal {proposal.id}",
    )
    if not approve:
        _event(session, handling, case, f"declined_{proposal.kind}", visible=False, note=note)
        return
    if proposal.kind == "reject":
        _move(session, handling, case, "rejected", note=note, public_note=payload.get("public", ""))
        case.outcome = "rejected"
        case.rejection_reason = proposal.rejection_reason
    else:
        _move(
            session, handling, case, "concluded", note=note, public_note=payload.get("public", "")
        )
        case.outcome = proposal.outcome
        case.severity = proposal.severity
        case.concluded_on = handling.today
    _refresh(case, handling)


# --- after the finding -------------------------------------------------------------------


def record_follow_up(
    session: Session, case: Case, handling: Handling, note: str, public_note: str = ""
) -> None:
    """concluded → follow_up: the agency carries out the recommendation."""
    _check_access(case, handling)
    _require(_assigned_or(case, handling, "supervisor"), "role")
    _require(bool(note.strip()), "note_missing")
    _move(session, handling, case, "follow_up", note=note, public_note=public_note)
    _refresh(case, handling)


def follow_up_done(session: Session, case: Case, handling: Handling, note: str) -> None:
    """The sanction or recovery was carried out (counts in the follow-up rate)."""
    _check_access(case, handling)
    _require(_assigned_or(case, handling, "supervisor"), "role")
    _require(case.status == "follow_up" and case.follow_up_done_on is None, "wrong_state")
    _require(bool(note.strip()), "note_missing")
    case.follow_up_done_on = handling.today
    _event(session, handling, case, "follow_up_done", visible=False, note=note)
    _audit(session, handling, case, "case.follow_up_done")


def close(
    session: Session, case: Case, handling: Handling, note: str = "", public_note: str = ""
) -> None:
    _check_access(case, handling)
    _require(handling.actor.has("supervisor"), "role")
    _move(session, handling, case, "closed", note=note, public_note=public_note)
    case.closed_on = handling.today
    _refresh(case, handling)


def reopen(session: Session, case: Case, handling: Handling, note: str) -> None:
    """closed → triage, by a supervisor, with a reason; the handling starts over."""
    _check_access(case, handling)
    _require(handling.actor.has("supervisor"), "role")
    _require(bool(note.strip()), "note_missing")
    _move(session, handling, case, "triage", note=note)
    for field in (
        "closed_on",
        "concluded_on",
        "complete_on",
        "verified_on",
        "outcome",
        "severity",
        "forwarded_to",
        "rejection_reason",
        "follow_up_done_on",
        "paused_since",
    ):
        setattr(case, field, None)
    case.triage_started_on = handling.today
    _refresh(case, handling)


# --- assignment, conversation, notes ------------------------------------------------------


def assign(session: Session, case: Case, handling: Handling, assignee: Staff) -> None:
    """Assign or reassign (supervisor). Never to someone with a conflict on the agency."""
    _check_access(case, handling)
    _require(handling.actor.has("supervisor"), "role")
    _require(case.status != "closed", "wrong_state")
    conflicts = session.scalars(
        select(StaffConflict.agency_id).where(StaffConflict.staff_id == assignee.id)
    )
    _require(
        assignee.active and may_be_assigned(assignee.role_set, conflicts, case.agency_id),
        "assignee",
    )
    _require(case.assignee_id != assignee.id, "already_assigned")
    previous = case.assignee_id
    case.assignee_id = assignee.id
    _event(session, handling, case, "assigned", visible=False)
    _audit(session, handling, case, "case.assigned", f"staff {previous}->{assignee.id}")
    handling.notify("assigned", case, assignee)


def _message(session: Session, case: Case, handling: Handling, text: str) -> Message:
    message = Message(
        case_id=case.id,
        sent_on=handling.today,
        author="officer",
        staff_id=handling.actor.staff_id,
        body=b"",
    )
    session.add(message)
    session.flush()
    message.body = encrypt_json(_key(handling), MESSAGE_BODY, message.id, text)
    if case.first_feedback_on is None:
        case.first_feedback_on = handling.today
    _audit(session, handling, case, "case.message_sent", f"message {message.id}")
    return message


def send_message(session: Session, case: Case, handling: Handling, text: str) -> None:
    """A message the reporter reads on his status page (no status change)."""
    _check_access(case, handling)
    _require(bool(text.strip()), "message_missing")
    _require(case.status != "closed", "wrong_state")
    _message(session, case, handling, text)
    _refresh(case, handling)


def add_note(session: Session, case: Case, handling: Handling, text: str) -> CaseNote:
    """An internal note: never shown to the reporter."""
    _check_access(case, handling)
    _require(bool(text.strip()), "note_missing")
    note = CaseNote(
        case_id=case.id, staff_id=handling.actor.staff_id, created_at=handling.now, body=b""
    )
    session.add(note)
    session.flush()
    note.body = encrypt_json(_key(handling), CASE_NOTE, note.id, text)
    _audit(session, handling, case, "case.note_added", f"note {note.id}")
    return note
