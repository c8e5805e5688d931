"""Cases past their deadline over time (issue 4), from daily backlog snapshots. No Flask.

A case's due date moves with its stage, so whether it was overdue on a past day cannot
be computed afterwards; `wbs stats-snapshot` (daily, config/wbs-stats-snapshot.timer)
records per agency and category how many cases were open and how many past their
deadline that day. "Over time" reads the last snapshot of every month.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Table, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from wbs.models import BacklogSnapshot
from wbs.stats_periods import Period, month
from wbs.stats_queries import CASES, EVERYTHING, OPEN_STATUSES, Scope
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
        # Cases received after ``day`` did not exist yet (a snapshot taken late for a past
        # day). The open statuses listed, not "!= closed": the (status, due_on) index serves it.
        .where(c.status.in_(OPEN_STATUSES), c.received_on <= day)
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


def _as_date(value: date | str) -> date:
    # SQLite hands back dates from aggregates (min, max) as text.
    return value if isinstance(value, date) else date.fromisoformat(value)


def overdue_history(
    session: Session, period: Period, scope: Scope = EVERYTHING
) -> OverdueHistory[int]:
    """One point per month of ``period``: the month's last snapshot (within the period).

    The last snapshot day of each month is found in the primary key (day, agency,
    category), one probe per month, and only those days are added up: a few hundred
    rows rather than every snapshot of the period (bench/dashboard.py: 59 → 7 ms for a
    year of 1,000,000 cases). Snapshots exist only since installation, so only the
    months between the first and the last snapshot are probed.
    """
    s = SNAPSHOTS.c
    first, last = session.execute(select(func.min(s.day), func.max(s.day))).one()
    found: dict[tuple[int, int], tuple[date, int, int]] = {}
    if first is not None and last is not None:
        first, last = _as_date(first), _as_date(last)
        probes = []
        for year, number in period.months():
            whole = month(year, number)
            start, end = max(whole.start, period.start, first), min(whole.end, period.end, last)
            if start <= end:
                probes.append(select(func.max(s.day)).where(s.day.between(start, end)))
        days = (
            [_as_date(day) for day in session.scalars(union_all(*probes)) if day] if probes else []
        )
        if days:
            totals = {
                _as_date(day): (int(open_), int(overdue))
                for day, open_, overdue in session.execute(
                    select(s.day, func.sum(s.open), func.sum(s.overdue))
                    .where(s.day.in_(days), *scope.conditions(SNAPSHOTS))
                    .group_by(s.day)
                )
            }
            for day in days:
                # A snapshot day without a row in scope: nothing in scope was open that day.
                found[(day.year, day.month)] = (day, *totals.get(day, (0, 0)))
    points = []
    for year, number in period.months():
        key = f"{year}-{number:02d}"
        if (year, number) in found:
            day, open_, overdue = found[(year, number)]
            share = overdue / open_ if open_ else None
            points.append(OverduePoint(key, day, open_, overdue, share))
        else:
            points.append(OverduePoint(key, None, 0, 0, None))
    return OverdueHistory(period, tuple(points))
