"""An ASN's monthly plan lines (issue 7): for each month, how much of which output he
plans, by target and unit, against which wbs/kinerja/monthly.py reads his month. No
Flask: each function takes the SQLAlchemy session and plain values, and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.kinerja.entries import MAX_DAYS_BACK, check_quantity, check_unit
from wbs.kinerja.monthly import unit_key
from wbs.kinerja.refusals import FieldProblem, FieldsRefused
from wbs.models import ActivityPlan

# Plans may be written for the months from the oldest open day's month to a year ahead.
PLAN_MONTHS_AHEAD: Final = 12


def plan_month_open(month: tuple[int, int], today: date) -> bool:
    """Plans are written from the month of the oldest open day to a year ahead."""
    oldest = today - timedelta(days=MAX_DAYS_BACK)
    index = month[0] * 12 + month[1] - 1
    return (
        oldest.year * 12 + oldest.month - 1
        <= index
        <= today.year * 12 + today.month - 1 + PLAN_MONTHS_AHEAD
    )


def plan_lines(session: Session, staff_id: int, month: tuple[int, int]) -> list[ActivityPlan]:
    query = (
        select(ActivityPlan)
        .where(
            ActivityPlan.staff_id == staff_id,
            ActivityPlan.year == month[0],
            ActivityPlan.month == month[1],
        )
        .order_by(ActivityPlan.target_key, ActivityPlan.unit, ActivityPlan.id)
    )
    return list(session.scalars(query))


def own_plan_line(session: Session, staff_id: int, line_id: int) -> ActivityPlan | None:
    line = session.get(ActivityPlan, line_id)
    if line is None or line.staff_id != staff_id:
        return None
    return line


def save_plan_line(
    session: Session,
    staff_id: int,
    month: tuple[int, int],
    target_key: str,
    unit: str,
    planned: str,
    allowed_targets: Iterable[str],
    now: datetime,
    line: ActivityPlan | None = None,
) -> ActivityPlan:
    """Add a plan line for ``month``, or change ``line``. Raises FieldsRefused with codes:
    target_key "unknown"; unit "required", "too_long", "duplicate" (the month already
    plans this target and unit: units compare as monthly.unit_key does); planned as
    an entry's quantity."""
    problems: list[FieldProblem] = []
    key = target_key.strip()
    allowed = set(allowed_targets)
    if line is not None:
        allowed.add(line.target_key)
    if key and key not in allowed:
        problems.append(FieldProblem("target_key", "unknown"))
    clean_unit = check_unit(unit, problems)
    value = check_quantity(planned, "planned", problems)
    if clean_unit and not any(p.field == "unit" for p in problems):
        for other in plan_lines(session, staff_id, month):
            same = other.target_key == key and unit_key(other.unit) == unit_key(clean_unit)
            if same and (line is None or other.id != line.id):
                problems.append(FieldProblem("unit", "duplicate"))
                break
    if problems or value is None:  # no problem means a number was read
        raise FieldsRefused(problems)
    if line is None:
        line = ActivityPlan(staff_id=staff_id, year=month[0], month=month[1])
        session.add(line)
    line.target_key = key
    line.unit = clean_unit
    line.planned = value
    line.updated_at = now
    session.flush()
    return line


def delete_plan_line(session: Session, line: ActivityPlan) -> None:
    session.delete(line)
    session.flush()
