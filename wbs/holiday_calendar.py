"""The working-day calendar from the database: national holidays plus the holiday table.

DOMAIN.md l. 45: working days skip weekends and national holidays, a holiday table per
year. National holidays come from the `holidays` package (Indonesia, category "public");
the ``holiday`` table holds what the inspectorate adds: cuti bersama from the yearly SKB
3 Menteri, a regional holiday, or a corrected date where the package only estimates one
(Idul Fitri, Idul Adha and other lunar holidays are marked "perkiraan" ahead of the
government's decision). No Flask here: the CLI and the case actions pass the session.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from wbs.deadlines import DeadlineRules, Milestones, WorkingCalendar, due_date
from wbs.models import Case, Holiday

# Names in Bahasa Indonesia, as the SKB 3 Menteri writes them, whatever the server locale.
_LANGUAGE = "id"
# The package's "government" category holds cuti bersama (SKB 3 Menteri).
_CUTI_BERSAMA = "government"


def national_holidays(years: Iterable[int], *, cuti_bersama: bool = False) -> dict[date, str]:
    """Indonesian national holidays of ``years`` from the `holidays` package, by day."""
    return dict(_national_holidays(tuple(sorted(set(years))), cuti_bersama))


@functools.lru_cache(maxsize=64)
def _national_holidays(years: tuple[int, ...], cuti_bersama: bool) -> tuple[tuple[date, str], ...]:
    # Computing them takes milliseconds and every case page and action needs them;
    # they depend on the package version only, so they are kept per process.
    categories = ("public", _CUTI_BERSAMA) if cuti_bersama else ("public",)
    found = holidays.country_holidays("ID", years=years, categories=categories, language=_LANGUAGE)
    return tuple(found.items())


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def working_calendar(session: Session, years: Iterable[int]) -> WorkingCalendar:
    """National holidays and the table's rows of ``years``, as one calendar.

    Pass every year a clock may reach: a working-day count that starts in late December
    runs into January, so callers pass at least the start's year and the next one.
    """
    wanted = sorted(set(years))
    days = set(national_holidays(wanted))
    if wanted:
        first, _ = _year_range(wanted[0])
        _, last = _year_range(wanted[-1])
        rows = session.scalars(select(Holiday.day).where(Holiday.day.between(first, last)))
        days.update(day for day in rows if day.year in wanted)
    return WorkingCalendar(frozenset(days))


def list_holidays(session: Session, year: int) -> list[Holiday]:
    """The table's rows of ``year``, by day."""
    first, last = _year_range(year)
    query = select(Holiday).where(Holiday.day.between(first, last)).order_by(Holiday.day)
    return list(session.scalars(query))


def add_holiday(session: Session, day: date, name: str) -> Holiday:
    """Add a non-working day, or rename the one already on that day."""
    name = name.strip()
    if not name:
        raise ValueError("a holiday needs a name")
    row = session.get(Holiday, day)
    if row is None:
        row = Holiday(day=day, name=name)
        session.add(row)
    else:
        row.name = name
    session.flush()
    return row


def remove_holiday(session: Session, day: date) -> bool:
    """Remove the table's row for ``day``; False when there was none."""
    row = session.get(Holiday, day)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def load_national_holidays(session: Session, year: int, *, cuti_bersama: bool = False) -> int:
    """Copy ``year``'s national holidays into the table for review; returns rows added.

    Days already in the table are left as they are (an admin may have renamed them), so
    loading twice adds nothing. With ``cuti_bersama`` the package's cuti bersama days
    are copied too; check them against the year's SKB 3 Menteri.
    """
    present = {row.day for row in list_holidays(session, year)}
    added = 0
    for day, name in sorted(national_holidays([year], cuti_bersama=cuti_bersama).items()):
        if day in present:
            continue
        # Holiday.name is String(200); the package's names are far shorter.
        session.add(Holiday(day=day, name=name[:200]))
        added += 1
    session.flush()
    return added


def milestones_of(case: Case) -> Milestones:
    return Milestones(
        status=case.status,
        received_on=case.received_on,
        acknowledged_on=case.acknowledged_on,
        triage_started_on=case.triage_started_on,
        verified_on=case.verified_on,
        complete_on=case.complete_on,
        first_feedback_on=case.first_feedback_on,
        concluded_on=case.concluded_on,
        closed_on=case.closed_on,
        paused_since=case.paused_since,
        paused_days=case.paused_days or 0,
    )


def refresh_due(case: Case, rules: DeadlineRules, calendar: WorkingCalendar) -> date | None:
    """Set ``case.due_on`` to its earliest open deadline (None when no clock runs).

    Called after every transition and milestone change, so the queue can sort and flag
    overdue cases on the plain column.
    """
    case.due_on = due_date(milestones_of(case), rules, calendar)
    return case.due_on
