"""The audit trail: a case's for its supervisors, the whole log for admins (issue 3)."""

from __future__ import annotations

from flask import render_template, request

from case_admin import blueprint
from case_admin.case_context import names, visible_case
from wbs import MAX_ID
from wbs.app_context import db_session
from wbs.audit import entries_for_case, recent_entries
from wbs.case_reference import case_reference
from wbs.staff_auth import Officer, record, requires

PAGE = 50


def _before() -> int | None:
    value = request.args.get("before", "")
    return int(value) if value.isdecimal() and int(value) <= MAX_ID else None


@blueprint.get("/cases/<int:case_id>/audit")
@requires("supervisor")
def case_audit(officer: Officer, case_id: int) -> str:
    case = visible_case(officer, case_id)
    page = entries_for_case(db_session(), case.id, before_seq=_before(), limit=PAGE)
    # Reading who did what is itself recorded (it shows which officers handled a case).
    record("audit.case_read", officer.id, case.id)
    db_session().commit()
    return render_template(
        "case_admin/audit.html",
        page=page,
        names=names(),
        case=case,
        reference=case_reference(case.id, case.received_on),
    )


@blueprint.get("/audit")
@requires("admin")
def audit_log(officer: Officer) -> str:
    page = recent_entries(db_session(), _before(), PAGE)
    record("audit.log_read", officer.id)
    db_session().commit()
    return render_template(
        "case_admin/audit.html",
        page=page,
        names=names(),
        case=None,
        reference=None,
        case_reference=case_reference,
    )
