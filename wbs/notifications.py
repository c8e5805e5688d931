"""Officers' notification mails, queued in the outbox with the event that causes them.

Each function adds outbox rows to the caller's session, so a mail exists exactly when
its event was committed (`wbs send-mail` sends it later). Who is told:

- a new case: intake officers and supervisors;
- an assignment: the assignee;
- a reporter's reply: the assignee, or intake officers and supervisors when nobody
  (eligible) holds the case;
- an approaching deadline: the assignee, or the supervisors when nobody (eligible)
  holds the case; once per due date.

Only active officers with an email address are mailed, and never about a case against
an agency they declared a conflict with (DESIGN.md, "Who uses it"). A mail holds the case
reference, a link and one sentence of what happened; never report content, agency,
category or anything the reporter wrote, never a tracking code (DESIGN.md, "Anonymity
rules": mail leaves our hands in plain text). Reporters are never mailed.

Needs the app context: the text comes from templates/email/ in the default locale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import render_template
from flask_babel import force_locale, format_date
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wbs.case_reference import case_reference
from wbs.models import Case, Staff, StaffConflict
from wbs.outbox import queue_mail
from wbs.settings import Settings

# Who hears of a case nobody holds yet.
TRIAGE_ROLES = frozenset({"intake", "supervisor"})
SUPERVISOR_ROLES = frozenset({"supervisor"})


def _address(staff: Staff) -> str | None:
    """The officer's address if it can be mailed: one address, no header tricks."""
    email = (staff.email or "").strip()
    if not email or "@" not in email or any(char.isspace() for char in email):
        return None
    return email


def _conflicted(session: Session, agency_id: int) -> set[int]:
    return set(
        session.scalars(select(StaffConflict.staff_id).where(StaffConflict.agency_id == agency_id))
    )


def _may_mail(session: Session, staff: Staff, agency_id: int) -> bool:
    return (
        staff.active
        and _address(staff) is not None
        and staff.id not in _conflicted(session, agency_id)
    )


def _officers_with(session: Session, roles: frozenset[str], agency_id: int) -> list[Staff]:
    """Active officers holding one of ``roles``, with an address and no conflict."""
    # One query (it runs in every filing transaction): conflicts as a sub-select.
    conflicted = select(StaffConflict.staff_id).where(StaffConflict.agency_id == agency_id)
    candidates = session.scalars(
        select(Staff)
        .where(Staff.active.is_(True), Staff.email.is_not(None), Staff.id.not_in(conflicted))
        .order_by(Staff.id)
    )
    return [
        staff
        for staff in candidates
        # Roles are a space-separated string: compared as sets, not with LIKE.
        if staff.role_set & roles and _address(staff)
    ]


def _holder_or(session: Session, case: Case, fallback: frozenset[str]) -> list[Staff]:
    """The assignee if he can be mailed, else the officers of ``fallback``, so that a
    case whose assignee left or has no address is still noticed."""
    assignee = session.get(Staff, case.assignee_id) if case.assignee_id is not None else None
    if assignee is not None and _may_mail(session, assignee, case.agency_id):
        return [assignee]
    return _officers_with(session, fallback, case.agency_id)


def _link(settings: Settings, case: Case) -> str:
    return f"{settings.base_url.rstrip('/')}/admin/cases/{case.id}"


def _queue(
    session: Session,
    recipients: Iterable[Staff],
    kind: str,
    case: Case,
    settings: Settings,
    now: datetime,
    **context: object,
) -> int:
    """Render the ``kind`` mail once and queue one copy per distinct address."""
    addresses = sorted({address for staff in recipients if (address := _address(staff))})
    if not addresses:
        return 0
    with force_locale(settings.default_locale):
        values = {
            "reference": case_reference(case.id, case.received_on),
            "link": _link(settings, case),
            **context,
        }
        if isinstance(values.get("due_on"), date):
            values["due_date"] = format_date(values["due_on"], "long")
        # Subjects are one header line: collapse any whitespace the template left.
        subject = " ".join(render_template(f"email/{kind}.subject.txt", **values).split())
        body = render_template(f"email/{kind}.body.txt", **values).strip() + "\n"
    for address in addresses:
        queue_mail(session, recipient=address, subject=subject, body=body, now=now)
    return len(addresses)


def notify_new_case(session: Session, case: Case, settings: Settings, now: datetime) -> int:
    """A report was filed: tell the intake officers and supervisors."""
    recipients = _officers_with(session, TRIAGE_ROLES, case.agency_id)
    return _queue(session, recipients, "new_case", case, settings, now)


def notify_assigned(
    session: Session, case: Case, assignee: Staff, settings: Settings, now: datetime
) -> int:
    """The case was assigned to ``assignee``: tell him."""
    if not _may_mail(session, assignee, case.agency_id):
        return 0
    return _queue(session, [assignee], "assigned", case, settings, now)


def notify_reporter_reply(session: Session, case: Case, settings: Settings, now: datetime) -> int:
    """The reporter wrote (an answer or new evidence): tell whoever holds the case."""
    recipients = _holder_or(session, case, TRIAGE_ROLES)
    return _queue(session, recipients, "reporter_reply", case, settings, now)


def notify_due_soon(session: Session, today: date, settings: Settings, now: datetime) -> int:
    """Warn about open cases due within ``deadline_warning_days``; returns the number of
    cases warned. Each due date is warned once: a new due date is warned again."""
    horizon = today + timedelta(days=settings.deadline_warning_days)
    cases = session.scalars(
        select(Case)
        .where(
            Case.due_on.is_not(None),
            Case.due_on <= horizon,
            Case.status != "closed",
            Case.purged_on.is_(None),
            Case.due_warned_on.is_distinct_from(Case.due_on),
        )
        .order_by(Case.due_on, Case.id)
    ).all()
    warned = 0
    for case in cases:
        # Mark first, conditionally: of two concurrent runs only one updates the row
        # (the other's UPDATE matches nothing once the first commits), so one warning.
        marked = session.execute(
            update(Case)
            .where(
                Case.id == case.id,
                Case.due_on == case.due_on,
                Case.due_warned_on.is_distinct_from(Case.due_on),
            )
            .values(due_warned_on=Case.due_on)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
            continue
        session.expire(case, ["due_warned_on"])
        recipients = _holder_or(session, case, SUPERVISOR_ROLES)
        overdue = case.due_on is not None and case.due_on < today
        if _queue(
            session,
            recipients,
            "due_soon",
            case,
            settings,
            now,
            due_on=case.due_on,
            overdue=overdue,
        ):
            warned += 1
    return warned
