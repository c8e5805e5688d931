"""Queries of e-Kinerja (issue 7): the input of a month's figures, the review queue, the
photos of a day. No Flask: the views pass the session.

The month of an agency is benchmarked at 5,000 ASN x 22 working days, so the entries are
never loaded one by one. Two GROUP BY queries add them up, each entry with the
state of its ActivityDay: per (ASN, state) the days and how many entries each holds
(StateDays), and per (ASN, target key, unit as spelt, state) their total quantity,
count and earliest day (OutputSum). Every rule (what is reported, due, missing, realised...) is applied by
``wbs.kinerja.monthly.summarise`` to these rows, and only there; tests/test_kinerja_agency.py
checks that the result is what ``month_summary`` gives from every single entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Result, Row, Select, and_, case, func, select
from sqlalchemy.orm import Session

from wbs.deadlines import WorkingCalendar
from wbs.holiday_calendar import working_calendar
from wbs.kinerja.monthly import (
    AgencyMonth,
    AsnMonth,
    OutputSum,
    PlanLine,
    StateDays,
    month_days,
    summarise,
)
from wbs.kinerja.photo_evidence import FLAG_KINDS, PhotoFlag
from wbs.models import (
    ActivityDay,
    ActivityEntry,
    ActivityPhoto,
    ActivityPlan,
    AsnProfile,
    Staff,
)

Month = tuple[int, int]
BATCH = 2_000
# What ActivityPhoto.flags holds when nothing looked wrong.
NO_FLAGS = ("", "[]")


@dataclass(frozen=True)
class MonthInput:
    """Everything month_summary needs for one agency (or one ASN) and month."""

    month: Month
    asn_ids: tuple[int, ...]
    days: tuple[StateDays, ...]
    outputs: tuple[OutputSum, ...]
    plans: tuple[PlanLine, ...]
    calendar: WorkingCalendar

    def summary(self, today: date) -> AgencyMonth:
        return summarise(
            self.days,
            self.outputs,
            self.plans,
            month=self.month,
            calendar=self.calendar,
            today=today,
            asn_ids=self.asn_ids,
        )


@dataclass(frozen=True)
class AsnRow:
    """Who an ASN of the agency is, for the monthly table."""

    staff_id: int
    name: str
    position: str


# --- the month --------------------------------------------------------------------------


_Columns = TypeVarTuple("_Columns")


def _batches(session: Session, query: Select[*_Columns]) -> Iterator[Sequence[Row[*_Columns]]]:
    """The rows of a Core query (no ORM objects), a batch at a time: each batch is read
    into plain tuples and dropped, so tens of thousands of Row objects are never alive
    at once, and psycopg is not called once per row (as iterating the result does)."""
    yield from _core(session, query).partitions(BATCH)


def _core(session: Session, query: Select[*_Columns]) -> Result[*_Columns]:
    """A query of columns run on the session's connection, past the ORM's execution
    machinery (which costs more than such a query on a page that runs several)."""
    return session.connection().execute(query)


# An entry and its day.
_OF_ITS_DAY = and_(
    ActivityDay.staff_id == ActivityEntry.staff_id, ActivityDay.day == ActivityEntry.day
)


def _of_agency(agency_id: int) -> ColumnElement[bool]:
    """The entries and days kept under the agency. ActivityEntry.agency_id is always its
    day's: stated on both sides, each table is read through its (agency_id, day) index,
    the month's rows only, whatever the length of the history."""
    return and_(ActivityEntry.agency_id == agency_id, ActivityDay.agency_id == agency_id)


def _of_asn(staff_id: int) -> ColumnElement[bool]:
    """The ASN's entries and days, through their (staff_id, day) indexes."""
    return and_(ActivityEntry.staff_id == staff_id, ActivityDay.staff_id == staff_id)


def _within(first: date, last: date) -> ColumnElement[bool]:
    """Entries and days dated first..last: implied by the join for either side, but
    PostgreSQL does not carry a range across it, so both are stated."""
    return and_(ActivityEntry.day.between(first, last), ActivityDay.day.between(first, last))


def _state_days(
    session: Session, where: ColumnElement[bool], first: date, last: date
) -> tuple[StateDays, ...]:
    """Per ASN and state, the days (dated first..last, holding entries that satisfy
    ``where``: _of_agency or _of_asn) and their number of entries: one row per ASN and
    state, not per day. PostgreSQL gives two arrays; SQLite one "day:count" list."""
    per_day = (
        select(
            ActivityDay.staff_id,
            ActivityDay.day,
            ActivityDay.state,
            func.count().label("entries"),
        )
        .select_from(ActivityEntry)
        .join(ActivityDay, _OF_ITS_DAY)
        .where(where, _within(first, last))
        .group_by(ActivityDay.staff_id, ActivityDay.day, ActivityDay.state)
        .subquery()
    )
    by_state = (per_day.c.staff_id, per_day.c.state)
    if session.get_bind().dialect.name == "postgresql":
        arrays = select(
            *by_state, func.array_agg(per_day.c.day), func.array_agg(per_day.c.entries)
        ).group_by(*by_state)
        return tuple(StateDays._make(row) for rows in _batches(session, arrays) for row in rows)
    listed = select(
        *by_state, func.group_concat(func.printf("%s:%d", per_day.c.day, per_day.c.entries))
    ).group_by(*by_state)
    lines: list[StateDays] = []
    for rows in _batches(session, listed):
        for staff_id, state, text in rows:
            pairs = [item.split(":") for item in text.split(",")]
            days = [date.fromisoformat(day) for day, _ in pairs]
            lines.append(StateDays(staff_id, state, days, [int(count) for _, count in pairs]))
    return tuple(lines)


def _output_sums(
    session: Session, where: ColumnElement[bool], first: date, last: date
) -> tuple[OutputSum, ...]:
    """Per (ASN, target key, unit, state) the same entries: total quantity, count,
    earliest day."""
    query = (
        select(
            ActivityEntry.staff_id,
            ActivityEntry.target_key,
            ActivityEntry.unit,
            ActivityDay.state,
            func.sum(ActivityEntry.quantity),
            func.count(),
            func.min(ActivityEntry.day),
        )
        .join(ActivityDay, _OF_ITS_DAY)
        .where(where, _within(first, last))
        .group_by(
            ActivityEntry.staff_id, ActivityEntry.target_key, ActivityEntry.unit, ActivityDay.state
        )
    )
    # A target key is stored as "" for none, which month_summary takes as None. The
    # driver gives a sum of NUMERIC as a Decimal (SQLite may give an int).
    return tuple(
        OutputSum(
            staff_id,
            key or None,
            unit,
            state,
            total if type(total) is Decimal else Decimal(total),
            count,
            day,
        )
        for rows in _batches(session, query)
        for staff_id, key, unit, state, total, count, day in rows
    )


def _plan_lines(session: Session, where: ColumnElement[bool], month: Month) -> list[PlanLine]:
    year, number = month
    query = select(
        ActivityPlan.staff_id, ActivityPlan.target_key, ActivityPlan.unit, ActivityPlan.planned
    ).where(where, ActivityPlan.year == year, ActivityPlan.month == number)
    return [
        PlanLine(
            staff_id,
            target_key or None,
            unit,
            planned if type(planned) is Decimal else Decimal(planned),
        )
        for rows in _batches(session, query)
        for staff_id, target_key, unit, planned in rows
    ]


def agency_month_input(
    session: Session, agency_id: int, month: Month, calendar: WorkingCalendar | None = None
) -> MonthInput:
    """The agency's month: every ASN with a profile in the agency, the entries of the
    days kept under this agency (ActivityDay.agency_id, and ActivityEntry.agency_id
    copied from it: an ASN transferred since still counts here for the days he worked
    here), the plans of the agency's ASN. Four
    queries, plus one for the holiday table when no calendar is given."""
    first, last = month_days(month)
    calendar = calendar or working_calendar(session, [month[0]])
    members = select(AsnProfile.staff_id).where(AsnProfile.agency_id == agency_id)
    asn_ids = tuple(_core(session, members.order_by(AsnProfile.staff_id)).scalars())
    kept_here = _of_agency(agency_id)
    days = _state_days(session, kept_here, first, last)
    outputs = _output_sums(session, kept_here, first, last)
    plans = _plan_lines(session, ActivityPlan.staff_id.in_(members), month)
    return MonthInput(month, asn_ids, days, outputs, tuple(plans), calendar)


def agency_month(
    session: Session, agency_id: int, month: Month, today: date
) -> tuple[AgencyMonth, dict[int, AsnRow]]:
    """The agency's month figures, and the name and position of each ASN in them."""
    summary = agency_month_input(session, agency_id, month).summary(today)
    people = {
        staff_id: AsnRow(staff_id, name, position)
        for staff_id, name, position in _core(
            session,
            select(Staff.id, Staff.display_name, AsnProfile.position)
            .join(AsnProfile, AsnProfile.staff_id == Staff.id)
            .where(AsnProfile.agency_id == agency_id),
        )
    }
    # ASN transferred away since, who still count here for the days they worked here.
    people.update(asn_rows(session, [a.asn_id for a in summary.asns if a.asn_id not in people]))
    return summary, people


def asn_month_input(
    session: Session, staff_id: int, month: Month, calendar: WorkingCalendar | None = None
) -> MonthInput:
    """One ASN's month, whichever agency his days were kept under."""
    first, last = month_days(month)
    calendar = calendar or working_calendar(session, [month[0]])
    his = _of_asn(staff_id)
    days = _state_days(session, his, first, last)
    outputs = _output_sums(session, his, first, last)
    plans = _plan_lines(session, ActivityPlan.staff_id == staff_id, month)
    return MonthInput(month, (staff_id,), days, outputs, tuple(plans), calendar)


def asn_month(
    session: Session,
    staff_id: int,
    month: Month,
    today: date,
    calendar: WorkingCalendar | None = None,
) -> AsnMonth:
    """One ASN's month: working, due, reported, approved and missing days, and his
    output against his plan (wbs.kinerja.monthly.AsnMonth)."""
    summary = asn_month_input(session, staff_id, month, calendar).summary(today)
    return summary.asns[0]


def asn_rows(session: Session, staff_ids: Iterable[int]) -> dict[int, AsnRow]:
    """Name and position (from the profile, "" without one) by staff id."""
    wanted = sorted(set(staff_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.display_name, AsnProfile.position)
        .outerjoin(AsnProfile, AsnProfile.staff_id == Staff.id)
        .where(Staff.id.in_(wanted))
    )
    return {staff_id: AsnRow(staff_id, name, position or "") for staff_id, name, position in rows}


def has_asn(session: Session, agency_id: int) -> bool:
    return (
        session.scalar(
            select(AsnProfile.staff_id).where(AsnProfile.agency_id == agency_id).limit(1)
        )
        is not None
    )


# --- the review queue -------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedDay:
    """A submitted day waiting for its atasan."""

    staff_id: int
    name: str
    position: str
    day: date
    updated_at: datetime
    entries: int
    photos: int
    flagged: bool


def review_queue(session: Session, supervisor_id: int) -> list[QueuedDay]:
    """The submitted days holding at least one entry, of the ASN whose atasan is
    ``supervisor_id``: oldest day first, then by name. One query."""
    flagged = case((ActivityPhoto.id.is_(None), 0), (ActivityPhoto.flags.in_(NO_FLAGS), 0), else_=1)
    rows = session.execute(
        select(
            ActivityDay.staff_id,
            Staff.display_name,
            AsnProfile.position,
            ActivityDay.day,
            ActivityDay.updated_at,
            func.count(func.distinct(ActivityEntry.id)),
            func.count(ActivityPhoto.id),
            func.max(flagged),
        )
        .join(AsnProfile, AsnProfile.staff_id == ActivityDay.staff_id)
        .join(Staff, Staff.id == ActivityDay.staff_id)
        .join(
            ActivityEntry,
            and_(
                ActivityEntry.staff_id == ActivityDay.staff_id, ActivityEntry.day == ActivityDay.day
            ),
        )
        .outerjoin(ActivityPhoto, ActivityPhoto.entry_id == ActivityEntry.id)
        .where(AsnProfile.supervisor_id == supervisor_id, ActivityDay.state == "submitted")
        .group_by(
            ActivityDay.staff_id,
            Staff.display_name,
            AsnProfile.position,
            ActivityDay.day,
            ActivityDay.updated_at,
        )
        .order_by(ActivityDay.day, Staff.display_name, ActivityDay.staff_id)
    )
    return [
        QueuedDay(
            staff_id=staff_id,
            name=name,
            position=position,
            day=day,
            updated_at=updated_at,
            entries=int(entry_count),
            photos=int(photo_count),
            flagged=bool(any_flag),
        )
        for staff_id, name, position, day, updated_at, entry_count, photo_count, any_flag in rows
    ]


# --- one day ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayEntry:
    entry: ActivityEntry
    photos: tuple[ActivityPhoto, ...]


def day_entries(session: Session, staff_id: int, day: date) -> list[DayEntry]:
    """The ASN's entries of the day in the order they were made, each with its photos
    (two queries; the photos' bytes are not loaded)."""
    entries = list(
        session.scalars(
            select(ActivityEntry)
            .where(ActivityEntry.staff_id == staff_id, ActivityEntry.day == day)
            .order_by(ActivityEntry.started_at, ActivityEntry.created_at, ActivityEntry.id)
        )
    )
    photos: dict[int, list[ActivityPhoto]] = {entry.id: [] for entry in entries}
    if entries:
        for photo in session.scalars(
            select(ActivityPhoto)
            .where(ActivityPhoto.entry_id.in_(list(photos)))
            .order_by(ActivityPhoto.id)
        ):
            photos[photo.entry_id].append(photo)
    return [DayEntry(entry, tuple(photos[entry.id])) for entry in entries]


def photo_days(session: Session, photo_ids: Iterable[int]) -> dict[int, tuple[int, date]]:
    """(staff id, day of its entry) of each photo, for the duplicate flags' wording."""
    wanted = sorted(set(photo_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(ActivityPhoto.id, ActivityEntry.staff_id, ActivityEntry.day)
        .join(ActivityEntry, ActivityEntry.id == ActivityPhoto.entry_id)
        .where(ActivityPhoto.id.in_(wanted))
    )
    return {photo_id: (staff_id, day) for photo_id, staff_id, day in rows}


def parse_flags(stored: str) -> list[PhotoFlag]:
    """The flags of ActivityPhoto.flags: a JSON list of objects with "kind" and the
    details of PhotoFlag ("day" as an ISO date). Unknown kinds and malformed items are
    kept as a bare flag of that kind, or skipped when they have no kind at all: a flag
    shown plainly beats a review page that fails."""
    try:
        items = json.loads(stored or "[]")
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    flags: list[PhotoFlag] = []
    for item in items:
        if isinstance(item, str):
            item = {"kind": item}
        if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
            continue
        flags.append(
            PhotoFlag(
                kind=item["kind"],
                hours=_number(item.get("hours")),
                day=_day(item.get("day")),
                metres=_number(item.get("metres")),
                photo_id=_integer(item.get("photo_id")),
                bits=_integer(item.get("bits")),
            )
        )
    order = {kind: index for index, kind in enumerate(FLAG_KINDS)}
    return sorted(flags, key=lambda flag: order.get(flag.kind, len(order)))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _integer(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def agency_month_now(session: Session, agency_id: int, today: date) -> AgencyMonth | None:
    """The agency's current month, for its e-SAKIP page; None when it has no ASN."""
    if not has_asn(session, agency_id):
        return None
    return agency_month_input(session, agency_id, (today.year, today.month)).summary(today)
