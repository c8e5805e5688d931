"""The case queue: filters and keyset pagination that stay fast with a million cases.

Sorted by due date (earliest first; cases with no running clock after them) or by
receipt (newest first). A page is found from the last row of the page before (keyset),
never by OFFSET, so page 500 costs what page 1 costs. Each filter has an index that
starts with its column and ends with (due_on, id) (models/case.py). No Flask import.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, cast

from sqlalchemy import Select, bindparam, select, tuple_
from sqlalchemy.orm import Session

from wbs.case_permissions import Actor
from wbs.models import Case, CaseProposal

PAGE_SIZE = 50
OPEN = "open"


@dataclass(frozen=True)
class QueueFilters:
    # A workflow state, "open" (anything but closed) or "" for all.
    status: str = OPEN
    agency_id: int | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    mine: bool = False
    overdue: bool = False
    awaiting_approval: bool = False
    received_from: date | None = None
    received_until: date | None = None
    # Cases due on or before this day (a running clock only).
    due_until: date | None = None
    case_id: int | None = None
    # "due" (earliest due first) or "received" (newest first)
    sort: str = "due"


class QueueRow(NamedTuple):
    id: int
    received_on: date
    category_id: int
    agency_id: int
    status: str
    assignee_id: int | None
    due_on: date | None

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None = None
    filters: QueueFilters = field(default_factory=QueueFilters)


def encode_cursor(values: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> list[object] | None:
    try:
        raw = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
        values = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != 2:
        return None
    # The cursor comes back from the browser: anything but [ISO date or null, row id]
    # means "first page", never a 500 (a too large id overflows the INTEGER column).
    due, last_id = values
    if type(last_id) is not int or not 0 <= last_id < 2**31:
        return None
    if due is not None:
        try:
            date.fromisoformat(due)
        except (TypeError, ValueError):
            return None
    return values


# The statements are built once per shape of the filters (which filters are set, the
# sort, the segment, the actor's kind) with bound parameters, and reused: building and
# hashing a SELECT costs more than running it on an index (bench/queue.py).
_STATEMENTS: dict[tuple[object, ...], Select] = {}
_MAX_STATEMENTS = 512

_COLUMNS = (
    Case.id,
    Case.received_on,
    Case.category_id,
    Case.agency_id,
    Case.status,
    Case.assignee_id,
    Case.due_on,
)


def _build(shape: tuple[object, ...]) -> Select:
    (
        conflicts,
        own_only,
        status,
        agency,
        category,
        assignee,
        overdue,
        received_from,
        received_until,
        due_until,
        case_id,
        approval,
        segment,
        after,
    ) = shape
    query = select(*_COLUMNS)
    # Only the cases this officer may see (case_permissions.may_see, as SQL).
    if conflicts:
        query = query.where(Case.agency_id.not_in(list(conflicts)))  # type: ignore[call-overload]
    if own_only:
        query = query.where(Case.assignee_id == bindparam("staff_id"))
    if status == OPEN:
        query = query.where(Case.status != "closed")
    elif status:
        query = query.where(Case.status == bindparam("status"))
    if agency:
        query = query.where(Case.agency_id == bindparam("agency_id"))
    if category:
        query = query.where(Case.category_id == bindparam("category_id"))
    if assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif assignee:
        query = query.where(Case.assignee_id == bindparam("assignee_id"))
    if overdue:
        query = query.where(Case.due_on < bindparam("today"))
    if received_from:
        query = query.where(Case.received_on >= bindparam("received_from"))
    if received_until:
        query = query.where(Case.received_on <= bindparam("received_until"))
    if due_until:
        query = query.where(Case.due_on <= bindparam("due_until"))
    if case_id:
        query = query.where(Case.id == bindparam("case_id"))
    if approval:
        query = query.where(
            select(CaseProposal.id)
            .where(CaseProposal.case_id == Case.id, CaseProposal.decision.is_(None))
            .exists()
        )
    if segment == "received":
        if after:
            query = query.where(Case.id < bindparam("after_id"))
        return query.order_by(Case.id.desc()).limit(bindparam("limit"))
    if segment == "dated":
        query = query.where(Case.due_on.is_not(None))
        if after:
            # A row-value comparison, which PostgreSQL turns into an index range start.
            query = query.where(
                tuple_(Case.due_on, Case.id) > tuple_(bindparam("after_due"), bindparam("after_id"))
            )
        return query.order_by(Case.due_on, Case.id).limit(bindparam("limit"))
    query = query.where(Case.due_on.is_(None))
    if after:
        query = query.where(Case.id > bindparam("after_id"))
    return query.order_by(Case.id).limit(bindparam("limit"))


def _statement(shape: tuple[object, ...]) -> Select:
    statement = _STATEMENTS.get(shape)
    if statement is None:
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        statement = _STATEMENTS[shape] = _build(shape)
    return statement


def queue_query(
    actor: Actor, filters: QueueFilters, today: date, cursor: list[object] | None, limit: int
) -> list[tuple[Select, dict[str, object]]]:
    """The SELECTs (with their parameters) that fetch one page, in order: the due-date
    sort has two segments, cases with a due date and then cases without. Exposed for
    the benchmark."""
    assignee: object = None
    if filters.mine or filters.assignee_id is not None:
        assignee = "id"
    elif filters.unassigned:
        assignee = "none"
    common = (
        tuple(sorted(actor.conflicts)),
        not actor.has("intake", "supervisor"),
        filters.status if filters.status in (OPEN, "") else "one",
        filters.agency_id is not None,
        filters.category_id is not None,
        assignee,
        filters.overdue,
        filters.received_from is not None,
        filters.received_until is not None,
        filters.due_until is not None,
        filters.case_id is not None,
        filters.awaiting_approval,
    )
    params: dict[str, object] = {
        "staff_id": actor.staff_id,
        "status": filters.status,
        "agency_id": filters.agency_id,
        "category_id": filters.category_id,
        "assignee_id": actor.staff_id if filters.mine else filters.assignee_id,
        "today": today,
        "received_from": filters.received_from,
        "received_until": filters.received_until,
        "due_until": filters.due_until,
        "case_id": filters.case_id,
        "limit": limit,
    }
    # decode_cursor checked the shape: [ISO date or None, row id].
    cursor_due = cast("str | None", cursor[0]) if cursor else None
    last_id = int(cast(int, cursor[1])) if cursor else 0
    if filters.sort == "received":
        after = cursor is not None
        values = {**params, "after_id": last_id}
        return [(_statement((*common, "received", after)), values)]
    due_cursor = date.fromisoformat(cursor_due) if cursor_due else None
    queries = []
    if cursor is None or due_cursor is not None:
        queries.append(
            (
                _statement((*common, "dated", due_cursor is not None)),
                {**params, "after_due": due_cursor, "after_id": last_id},
            )
        )
    after_undated = cursor is not None and due_cursor is None
    queries.append(
        (_statement((*common, "undated", after_undated)), {**params, "after_id": last_id})
    )
    return queries


def load_page(
    session: Session,
    actor: Actor,
    filters: QueueFilters,
    today: date,
    cursor_text: str | None = None,
    limit: int = PAGE_SIZE,
) -> QueuePage:
    cursor = decode_cursor(cursor_text) if cursor_text else None
    rows: list[QueueRow] = []
    connection = session.connection()
    for statement, params in queue_query(actor, filters, today, cursor, limit + 1):
        wanted = limit + 1 - len(rows)
        if wanted <= 0:
            break
        result = connection.execute(statement, {**params, "limit": wanted})
        rows.extend(QueueRow(*row) for row in result)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(
            [last.due_on.isoformat() if last.due_on and filters.sort == "due" else None, last.id]
        )
    return QueuePage(rows, next_cursor, filters)
