"""Reporting periods of the statistics: a year, a quarter, a month or a date range.

Plain Python, no Flask and no SQLAlchemy (DESIGN.md, "Layout"), so the parsing rules are
tested without an app. A period is a closed interval of days: the statistics count the
cases *received* in it (the cohort), filtered on ``case_file.received_on``.

Query-string forms read by ``parse_period`` (the dashboard, the exports and the API share
them, so a link copied from one works in the others):

- ``period=2026`` a year, ``period=2026-Q3`` a quarter, ``period=2026-07`` a month;
- ``from=2026-01-15&until=2026-04-30`` a range of days, both ends included;
- ``period=all`` every year with cases, when the caller passes ``everything``.

Bad input raises ``PeriodError`` with a reason code; the web layer translates the reason.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from dateutil.relativedelta import relativedelta

PeriodKind = Literal["year", "quarter", "month", "range", "all"]

# Years a period may name. The WBS cannot hold reports from before computers, and a
# far-future year is a typo; the bound also keeps date arithmetic away from year 9999.
MIN_YEAR = 2000
MAX_YEAR = 2100
# A longer range makes a by-month table of hundreds of rows and a slow dashboard; five
# years of history (the retention default) fit twice.
MAX_RANGE_YEARS = 10

# [0-9], not \d: \d also matches other scripts' digits ("٢٠٢٦").
_YEAR = re.compile(r"([0-9]{4})")
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([1-4])")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Reason codes of PeriodError, for the web layer to translate.
PeriodReason = Literal[
    "missing",  # no period given and no default
    "ambiguous",  # both period= and from=/until= given
    "bad_format",  # period= is not YYYY, YYYY-Qn or YYYY-MM
    "bad_month",  # month outside 01..12
    "year_out_of_range",  # year outside MIN_YEAR..MAX_YEAR
    "range_incomplete",  # only one of from= and until=
    "bad_date",  # from= or until= is not a real YYYY-MM-DD day
    "range_reversed",  # until is before from
    "range_too_long",  # more than MAX_RANGE_YEARS
]


class PeriodError(ValueError):
    """The period asked for cannot be used; ``reason`` says why (see ``PeriodReason``)."""

    def __init__(self, reason: PeriodReason) -> None:
        super().__init__(reason)
        self.reason: PeriodReason = reason


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date
    kind: PeriodKind

    @property
    def key(self) -> str:
        """Canonical text: "2026", "2026-Q3", "2026-07", "2026-01-15..2026-04-30" or "all".

        Stable, so it can name an export file or a cache entry; the page formats its own
        human label from ``kind``, ``start`` and ``end`` in the reader's language.
        """
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "all":
            return "all"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def query_args(self) -> dict[str, str]:
        """The query-string arguments that ``parse_period`` reads back into this period."""
        if self.kind == "range":
            return {"from": self.start.isoformat(), "until": self.end.isoformat()}
        return {"period": self.key}

    def months(self) -> Iterator[tuple[int, int]]:
        """Every (year, month) the period touches, in order (rows of the by-month table)."""
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            yield year, month
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _check_year(value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise PeriodError("year_out_of_range")
    return value


def year(value: int) -> Period:
    _check_year(value)
    return Period(date(value, 1, 1), date(value, 12, 31), "year")


def quarter(year_: int, number: int) -> Period:
    _check_year(year_)
    if not 1 <= number <= 4:
        raise PeriodError("bad_format")
    first = date(year_, 3 * number - 2, 1)
    last = first + relativedelta(months=3, days=-1)
    return Period(first, last, "quarter")


def month(year_: int, number: int) -> Period:
    _check_year(year_)
    if not 1 <= number <= 12:
        raise PeriodError("bad_month")
    last_day = calendar.monthrange(year_, number)[1]
    return Period(date(year_, number, 1), date(year_, number, last_day), "month")


def between(start: date, end: date) -> Period:
    """A range of days, both included; at most MAX_RANGE_YEARS long."""
    _check_year(start.year)
    _check_year(end.year)
    if end < start:
        raise PeriodError("range_reversed")
    if end >= start + relativedelta(years=MAX_RANGE_YEARS):
        raise PeriodError("range_too_long")
    return Period(start, end, "range")


def _day(raw: str) -> date:
    if not _DAY.fullmatch(raw):
        raise PeriodError("bad_date")
    try:
        return date.fromisoformat(raw)
    except ValueError:  # 2026-02-30
        raise PeriodError("bad_date") from None


def every_year(first: date | None, today: date) -> Period:
    """All years from the one of the first case (``first``; None: no case yet) to this one."""
    start = date(_check_year(first.year if first else today.year), 1, 1)
    return Period(start, date(_check_year(today.year), 12, 31), "all")


def parse_period(
    args: Mapping[str, str], default: Period | None = None, everything: Period | None = None
) -> Period:
    """The period named by query-string arguments (see the module docstring).

    Without any period argument, ``default`` (for example the current year) is returned,
    or ``PeriodError("missing")`` raised when there is none. ``period=all`` returns
    ``everything`` (see ``every_year``); without it, "all" is a bad format.
    """
    named = (args.get("period") or "").strip()
    start_raw = (args.get("from") or "").strip()
    end_raw = (args.get("until") or "").strip()
    if named and (start_raw or end_raw):
        raise PeriodError("ambiguous")
    if named:
        if named.lower() == "all" and everything is not None:
            return everything
        if match := _YEAR.fullmatch(named):
            return year(int(match[1]))
        if match := _QUARTER.fullmatch(named):
            return quarter(int(match[1]), int(match[2]))
        if match := _MONTH.fullmatch(named):
            return month(int(match[1]), int(match[2]))
        raise PeriodError("bad_format")
    if start_raw or end_raw:
        if not (start_raw and end_raw):
            raise PeriodError("range_incomplete")
        return between(_day(start_raw), _day(end_raw))
    if default is None:
        raise PeriodError("missing")
    return default


def recent_periods(today: date) -> tuple[list[Period], list[Period]]:
    """The last twelve months and the last four quarters, newest first (today's included):
    the periods the report pages offer."""
    months, quarters = [], []
    year_, number = today.year, today.month
    for _step in range(12):
        months.append(month(year_, number))
        year_, number = (year_ - 1, 12) if number == 1 else (year_, number - 1)
    year_, number = today.year, (today.month - 1) // 3 + 1
    for _step in range(4):
        quarters.append(quarter(year_, number))
        year_, number = (year_ - 1, 4) if number == 1 else (year_, number - 1)
    return months, quarters
