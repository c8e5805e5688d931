"""Cases past their deadline over time (issue 4), from daily backlog snapshots. No Flask.

A case's due date moves with its stage, so whether it was overdue on a past day cannot
be computed afterwards; `wbs stats-snapshot` (daily, config/wbs-stats-snapshot.timer)
records per agency and category how many cases were open and how many past their
deadline that day. "Over time" reads the last snapshot of every month.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Table, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from wbs.models import BacklogSnapshot
from wbs.stats_periods import Period
from wbs.stats_queries import CASES, EVERYTHING, Scope
from wbs.stats_results import OverdueHistory, OverduePoint

SNAPSHOTS = cast(Table, BacklogSnapshot.__table__)


def take_snapshot(session: Session, day: date) -> int:
    """Record (or record again) the open and overdue cases of ``day``; returns how many
    cases are open. One INSERT ... SELECT: no case is loaded into Python. The caller commits."""
    c = CASES.c
    session.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.day == day))
    counts = (
        select(
            literal(day).label("day"),
            c.agency_id,
            c.category_id,
            func.count().label("open"),
            func.count(c.due_on).filter(c.due_on < day).label("overdue"),
        )
        # Cases received after ``day`` did not exist yet (a snapshot taken late for a past day).
        .where(c.status != "closed", c.received_on <= day)
        .group_by(c.agency_id, c.category_id)
    )
    session.execute(
        insert(SNAPSHOTS).from_select(
            ["day", "agency_id", "category_id", "open", "overdue"], counts
        )
    )
    total = session.scalar(
        select(func.coalesce(func.sum(SNAPSHOTS.c.open), 0)).where(SNAPSHOTS.c.day == day)
    )
    return int(total or 0)


def overdue_history(
    session: Session, period: Period, scope: Scope = EVERYTHING
) -> OverdueHistory[int]:
    """One point per month of ``period``: the month's last snapshot (within the period)."""
    s = SNAPSHOTS.c
    daily = session.execute(
        select(s.day, func.sum(s.open), func.sum(s.overdue))
        .where(s.day.between(period.start, period.end), *scope.conditions(SNAPSHOTS))
        .group_by(s.day)
    ).all()
    # At most one row per day of the period (aggregates, not cases); keep each month's last.
    last: dict[tuple[int, int], tuple[date, int, int]] = {}
    for day, open_, overdue in daily:
        day = day if isinstance(day, date) else date.fromisoformat(day)
        month = (day.year, day.month)
        if month not in last or last[month][0] < day:
            last[month] = (day, int(open_), int(overdue))
    points = []
    for year, month in period.months():
        key = f"{year}-{month:02d}"
        if (year, month) in last:
            day, open_, overdue = last[(year, month)]
            share = overdue / open_ if open_ else None
            points.append(OverduePoint(key, day, open_, overdue, share))
        else:
            points.append(OverduePoint(key, None, 0, 0, None))
    return OverdueHistory(period, tuple(points))
