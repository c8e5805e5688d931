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

from sqlalchemy import Select, and_, or_, select
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
    case_id: int | None = None
    # "due" (earliest due first) or "received" (newest first)
    sort: str = "due"


@dataclass(frozen=True)
class QueueRow:
    id: int
    received_on: date
    category_id: int
    agency_id: int
    status: str
    assignee_id: int | None
    due_on: date | None
    overdue: bool


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
    return values if isinstance(values, list) and len(values) == 2 else None


def _visible(query: Select, actor: Actor) -> Select:
    """Only the cases this officer may see (case_permissions.may_see, as SQL)."""
    if actor.conflicts:
        query = query.where(Case.agency_id.not_in(sorted(actor.conflicts)))
    if not actor.has("intake", "supervisor"):
        query = query.where(Case.assignee_id == actor.staff_id)
    return query


def _filtered(query: Select, filters: QueueFilters, actor: Actor, today: date) -> Select:
    if filters.status == OPEN:
        query = query.where(Case.status != "closed")
    elif filters.status:
        query = query.where(Case.status == filters.status)
    if filters.agency_id is not None:
        query = query.where(Case.agency_id == filters.agency_id)
    if filters.category_id is not None:
        query = query.where(Case.category_id == filters.category_id)
    if filters.mine:
        query = query.where(Case.assignee_id == actor.staff_id)
    elif filters.unassigned:
        query = query.where(Case.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        query = query.where(Case.assignee_id == filters.assignee_id)
    if filters.overdue:
        query = query.where(Case.due_on < today)
    if filters.received_from is not None:
        query = query.where(Case.received_on >= filters.received_from)
    if filters.received_until is not None:
        query = query.where(Case.received_on <= filters.received_until)
    if filters.case_id is not None:
        query = query.where(Case.id == filters.case_id)
    if filters.awaiting_approval:
        query = query.where(
            select(CaseProposal.id)
            .where(CaseProposal.case_id == Case.id, CaseProposal.decision.is_(None))
            .exists()
        )
    return query


_COLUMNS = (
    Case.id,
    Case.received_on,
    Case.category_id,
    Case.agency_id,
    Case.status,
    Case.assignee_id,
    Case.due_on,
)


def queue_query(
    actor: Actor, filters: QueueFilters, today: date, cursor: list[object] | None, limit: int
) -> list[Select]:
    """The SELECTs that fetch one page, in order (the due-date sort has two segments:
    cases with a due date, then cases without). Exposed for the benchmark."""
    base = _filtered(_visible(select(*_COLUMNS), actor), filters, actor, today)
    if filters.sort == "received":
        query = base.order_by(Case.id.desc())
        if cursor is not None:
            query = query.where(Case.id < int(cursor[1]))  # type: ignore[arg-type]
        return [query.limit(limit)]
    due_cursor = date.fromisoformat(cursor[0]) if cursor and cursor[0] else None  # type: ignore[arg-type]
    last_id = int(cursor[1]) if cursor else 0  # type: ignore[arg-type]
    queries = []
    if cursor is None or due_cursor is not None:
        dated = base.where(Case.due_on.is_not(None))
        if due_cursor is not None:
            dated = dated.where(
                or_(Case.due_on > due_cursor, and_(Case.due_on == due_cursor, Case.id > last_id))
            )
        queries.append(dated.order_by(Case.due_on, Case.id).limit(limit))
    undated = base.where(Case.due_on.is_(None))
    if cursor is not None and due_cursor is None:
        undated = undated.where(Case.id > last_id)
    queries.append(undated.order_by(Case.id).limit(limit))
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
    for query in queue_query(actor, filters, today, cursor, limit + 1):
        wanted = limit + 1 - len(rows)
        if wanted <= 0:
            break
        for row in session.execute(query.limit(wanted)):
            rows.append(
                QueueRow(
                    id=row.id,
                    received_on=row.received_on,
                    category_id=row.category_id,
                    agency_id=row.agency_id,
                    status=row.status,
                    assignee_id=row.assignee_id,
                    due_on=row.due_on,
                    overdue=row.due_on is not None and row.due_on < today,
                )
            )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(
            [last.due_on.isoformat() if last.due_on and filters.sort == "due" else None, last.id]
        )
    return QueuePage(rows, next_cursor, filters)
