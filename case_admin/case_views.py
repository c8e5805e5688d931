"""The case page and its actions. Thin: every rule is in wbs.case_actions."""

from __future__ import annotations

import itertools
from urllib.parse import quote

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from case_admin import blueprint
from case_admin.case_context import case_key, handling_for, names, today, visible_case
from case_admin.labels import (
    EVENT_LABELS,
    FORWARD_LABELS,
    OUTCOME_LABELS,
    REJECTION_LABELS,
    SEVERITY_LABELS,
    status_label,
)
from wbs import MAX_ID, case_actions
from wbs.app_context import db_session
from wbs.attachments import iter_content, read_meta
from wbs.case_actions import ActionRefused
from wbs.case_labels import HOW_KNOWN_LABELS
from wbs.case_permissions import may_be_assigned
from wbs.case_reading import officer_view, pending_proposal
from wbs.case_reference import case_reference
from wbs.deadlines import open_deadlines
from wbs.holiday_calendar import milestones_of
from wbs.models import Attachment, Case, CaseProposal, Staff, StaffConflict
from wbs.staff_auth import CASE_ROLES, Officer, record, requires
from wbs.workflow import STATES


def refusal_text(reason: str) -> str:
    return {
        "no_access": _("You may not handle this case."),
        "purged": _("This case was purged after its retention period; only statistics remain."),
        "no_key_access": _(
            "Your account has no access to report content yet: a supervisor must grant it."
        ),
        "role": _("Your role does not allow this action."),
        "wrong_state": _("This action is not possible in the case's current status."),
        "question_missing": _("Write the question for the reporter."),
        "message_missing": _("Write the message."),
        "note_missing": _("Write a note explaining why."),
        "public_note_missing": _("Write what the reporter will read."),
        "destination_missing": _("Choose where the case is forwarded."),
        "reason_missing": _("Choose the reason."),
        "outcome_missing": _("Choose whether the report was substantiated."),
        "severity_missing": _("Choose the severity (PP 94/2021)."),
        "recommendation_missing": _("Write the recommendation."),
        "proposal_pending": _("A proposal is already waiting for approval."),
        "no_proposal": _("There is no proposal waiting for a decision."),
        "four_eyes": _("Another supervisor must decide on your own proposal."),
        "assignee": _(
            "This person cannot take the case: no case role, disabled, or a declared conflict "
            "of interest with the agency."
        ),
        "already_assigned": _("The case is already assigned to this person."),
    }.get(reason, _("This action is not possible."))


def _assignable(case: Case) -> list[Staff]:
    session = db_session()
    conflicts: dict[int, set[int]] = {}
    for staff_id, agency_id in session.execute(
        select(StaffConflict.staff_id, StaffConflict.agency_id)
    ):
        conflicts.setdefault(staff_id, set()).add(agency_id)
    return [
        staff
        for staff in session.scalars(
            select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name)
        )
        if may_be_assigned(staff.role_set, conflicts.get(staff.id, set()), case.agency_id)
    ]


@blueprint.get("/cases/<int:case_id>")
@requires(*CASE_ROLES)
def case_page(officer: Officer, case_id: int) -> str:
    case = visible_case(officer, case_id)
    key = case_key(officer, case)
    view = None
    if key is not None:
        view = officer_view(db_session(), case, key)
        record("case.decrypted", officer.id, case.id)
        db_session().commit()
    handling = handling_for(officer, key)
    deadlines = []
    if case.purged_on is None:
        deadlines = open_deadlines(milestones_of(case), handling.rules, handling.calendar)
    return render_template(
        "case_admin/case.html",
        case=case,
        view=view,
        reference=case_reference(case.id, case.received_on),
        names=names(),
        status_label=status_label,
        event_labels=EVENT_LABELS,
        forward_labels=FORWARD_LABELS,
        rejection_labels=REJECTION_LABELS,
        outcome_labels=OUTCOME_LABELS,
        severity_labels=SEVERITY_LABELS,
        how_known_labels=HOW_KNOWN_LABELS,
        successors=STATES[case.status].successors,
        assignable=_assignable(case) if officer.has("supervisor") else [],
        deadlines=deadlines,
        # The stored due date, the one the queue sorts and flags by.
        due=case.due_on,
        today=today(),
    )


@blueprint.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@requires(*CASE_ROLES)
def case_attachment(officer: Officer, case_id: int, attachment_id: int) -> BaseResponse:
    case = visible_case(officer, case_id)
    key = case_key(officer, case)
    session = db_session()
    attachment = session.get(Attachment, attachment_id)
    if key is None or attachment is None or attachment.case_id != case.id:
        return Response(
            render_template("public/error.html", message=_("This file does not exist.")), 404
        )
    meta = read_meta(attachment, key)
    record("case.attachment_downloaded", officer.id, case.id, f"attachment {attachment.id}")
    session.commit()
    chunks = iter_content(session, attachment, key)
    # The first chunk is opened before any header is sent: a damaged file gets the
    # integrity page instead of a download that silently stops.
    first = next(chunks)
    response = Response(
        stream_with_context(itertools.chain([first], chunks)), mimetype=meta.mime_type
    )
    response.headers["Content-Length"] = str(meta.size)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(meta.filename)}"
    return response


def _form(name: str) -> str:
    return request.form.get(name, "").strip()


def _perform(action: str, case: Case, officer: Officer) -> str:
    """Run one action; the success message."""
    session = db_session()
    key = case_key(officer, case)
    handling = handling_for(officer, key)
    if action == "acknowledge":
        case_actions.acknowledge(session, case, handling)
        return _("The case is now in triage.")
    if action == "ask":
        case_actions.ask_reporter(session, case, handling, _form("question"))
        return _("Your question was sent; the case waits for the reporter.")
    if action == "resume":
        case_actions.resume(session, case, handling, _form("target"), _form("note"))
        return _("Handling resumed.")
    if action == "investigate":
        case_actions.start_investigation(session, case, handling, _form("note"))
        return _("The investigation has started.")
    if action == "forward":
        case_actions.forward(
            session, case, handling, _form("destination"), _form("public_note"), _form("note")
        )
        return _("The case was forwarded.")
    if action == "propose_rejection":
        case_actions.propose_rejection(
            session, case, handling, _form("reason"), _form("public_note"), _form("note")
        )
        return _("Rejection proposed: another supervisor must approve it.")
    if action == "propose_conclusion":
        case_actions.propose_conclusion(
            session,
            case,
            handling,
            outcome=_form("outcome"),
            severity=_form("severity") or None,
            recommendation=_form("recommendation"),
            public_summary=_form("public_note"),
            note=_form("note"),
        )
        return _("Conclusion proposed: another supervisor must approve it.")
    if action in ("approve", "decline"):
        proposal = pending_proposal(session, case.id, key) if key is not None else None
        if proposal is None:
            raise ActionRefused("no_key_access" if key is None else "no_proposal")
        row = session.get_one(CaseProposal, proposal.id)
        case_actions.decide(
            session, case, handling, row, action == "approve", proposal.payload, _form("note")
        )
        return _("Proposal approved.") if action == "approve" else _("Proposal declined.")
    if action == "follow_up":
        case_actions.record_follow_up(session, case, handling, _form("note"), _form("public_note"))
        return _("Follow-up recorded.")
    if action == "follow_up_done":
        case_actions.follow_up_done(session, case, handling, _form("note"))
        return _("Follow-up marked as completed.")
    if action == "close":
        case_actions.close(session, case, handling, _form("note"), _form("public_note"))
        return _("The case is closed.")
    if action == "reopen":
        case_actions.reopen(session, case, handling, _form("note"))
        return _("The case was reopened for triage.")
    if action == "assign":
        assignee_id = _form("assignee")
        assignee = (
            session.get(Staff, int(assignee_id))
            if assignee_id.isdecimal() and int(assignee_id) <= MAX_ID
            else None
        )
        if assignee is None:
            raise ActionRefused("assignee")
        case_actions.assign(session, case, handling, assignee)
        return _("The case was assigned to %(name)s.", name=assignee.display_name)
    if action == "message":
        case_actions.send_message(session, case, handling, _form("message"))
        return _("Your message was sent to the reporter.")
    if action == "note":
        case_actions.add_note(session, case, handling, _form("note"))
        return _("Internal note saved.")
    raise ActionRefused("unknown")


ACTIONS = (
    "acknowledge",
    "ask",
    "resume",
    "investigate",
    "forward",
    "propose_rejection",
    "propose_conclusion",
    "approve",
    "decline",
    "follow_up",
    "follow_up_done",
    "close",
    "reopen",
    "assign",
    "message",
    "note",
)


@blueprint.post("/cases/<int:case_id>/<action>")
@requires(*CASE_ROLES)
def case_action(officer: Officer, case_id: int, action: str) -> BaseResponse | tuple[str, int]:
    if action not in ACTIONS:
        return render_template("public/error.html", message=_("This page does not exist.")), 404
    case = visible_case(officer, case_id)
    session = db_session()
    try:
        message = _perform(action, case, officer)
    except ActionRefused as refused:
        session.rollback()
        # Keep what the officer typed: the page is shown again with his text.
        flash(refusal_text(refused.reason), "error")
        return _redisplay(officer, case_id), 409 if refused.reason == "wrong_state" else 400
    session.commit()
    flash(message, "success")
    return redirect(url_for("admin.case_page", case_id=case_id), code=303)


def _redisplay(officer: Officer, case_id: int) -> str:
    return case_page.__wrapped__(officer, case_id)  # type: ignore[attr-defined]
