"""The case queue: filters, sorting by due date, keyset pagination."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from sqlalchemy import select

from case_admin import blueprint
from case_admin.case_context import actor_of, names, today
from case_admin.labels import status_label
from wbs import MAX_ID
from wbs.app_context import db_session
from wbs.case_queue import OPEN, QueueFilters, load_page
from wbs.case_reference import case_id_from_reference, case_reference
from wbs.models import Agency, Category, Staff
from wbs.staff_auth import CASE_ROLES, Officer, requires
from wbs.workflow import STATES


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdecimal() and int(value) <= MAX_ID else None


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters(officer: Officer) -> QueueFilters:
    status = request.args.get("status", OPEN)
    assignee = request.args.get("assignee", "")
    reference = request.args.get("reference", "").strip()
    return QueueFilters(
        status=status if status in STATES or status in (OPEN, "") else OPEN,
        agency_id=_int("agency"),
        category_id=_int("category"),
        assignee_id=int(assignee) if assignee.isdecimal() and int(assignee) <= MAX_ID else None,
        unassigned=assignee == "none",
        mine=assignee == "me",
        overdue=request.args.get("overdue") == "1",
        awaiting_approval=request.args.get("approval") == "1",
        received_from=_date("from"),
        received_until=_date("until"),
        due_until=_date("due"),
        case_id=case_id_from_reference(reference) if reference else None,
        sort="received" if request.args.get("sort") == "received" else "due",
    )


@blueprint.get("/cases")
@requires(*CASE_ROLES)
def queue(officer: Officer) -> str:
    filters = _filters(officer)
    page = load_page(
        db_session(), actor_of(officer), filters, today(), request.args.get("after") or None
    )
    session = db_session()
    agencies = session.execute(
        select(Agency.id, Agency.name)
        .where(Agency.id.not_in(sorted(officer.conflicts)))
        .order_by(Agency.name)
    ).all()
    categories = session.scalars(select(Category).order_by(Category.sort_order)).all()
    officers = [
        staff
        for staff in session.scalars(
            select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name)
        )
        if staff.role_set & CASE_ROLES
    ]
    args = {key: value for key, value in request.args.items() if key != "after" and value}
    return render_template(
        "case_admin/queue.html",
        page=page,
        filters=filters,
        args=args,
        names=names(),
        agencies=agencies,
        categories=categories,
        officers=officers,
        statuses=list(STATES),
        status_label=status_label,
        case_reference=case_reference,
        reference=request.args.get("reference", ""),
        reference_unknown=bool(request.args.get("reference")) and filters.case_id is None,
        no_key=officer.unit_key() is None,
        today=today(),
    )
