"""The figures of the public transparency page (issue 4): per year and per quarter, the
reports received, handled and substantiated and the median days to closure; per year,
the reports by category and, only when an admin allows it, by agency (OPD). No Flask.

Definitions (the page explains them to its readers):

- received: the reports received in the period (the cohort, as on the dashboard);
- handled: those of them the inspectorate has decided on: examined and found
  substantiated or not, forwarded to the authority that can act on it, or found unfit
  to follow up (rejected). In the data: the case has an outcome, which the statuses
  forwarded, rejected, concluded, follow_up and closed all carry; a reopened case loses
  its outcome and counts again once it is decided anew;
- substantiated: handled with the outcome "substantiated";
- median days to closure: calendar days from receipt to closure over the closed reports
  of the period, not published when fewer than the small-cell threshold were closed.

Every count is small-cell protected as the dashboard's are (wbs/stats_protection.py):
the quarters of a year add up to the year's totals, so they are protected as one table
whose column totals are the year's figures.

Only reports received up to yesterday count (``cutoff``): the figures stay the same all
day, and a reporter cannot watch his own report appear in the count minutes after filing
it. The current year and quarter are marked as running ("so far").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wbs.models import Case
from wbs.small_cells import Cell, protect_table
from wbs.stats_periods import MIN_YEAR, Period, quarter, year
from wbs.stats_protection import protected
from wbs.stats_queries import by_agency, by_category, handling_times, overview
from wbs.stats_results import Breakdown


@dataclass(frozen=True)
class Totals:
    """The published figures of one year or quarter.

    ``period`` ends at the cut-off while it runs (``so_far``); ``median_days_to_closure``
    is None when too few reports were closed to publish it.
    """

    period: Period
    so_far: bool
    received: Cell
    handled: Cell
    substantiated: Cell
    median_days_to_closure: float | None

    @property
    def quarter(self) -> int:
        """The quarter's number, 1 to 4 (for a year: 1)."""
        return (self.period.start.month - 1) // 3 + 1


@dataclass(frozen=True)
class YearFigures:
    year: int
    totals: Totals
    # The quarters begun by the cut-off, in order.
    quarters: tuple[Totals, ...]
    categories: Breakdown[Cell]
    # None unless an admin publishes figures per agency (site setting).
    agencies: Breakdown[Cell] | None


@dataclass(frozen=True)
class Published:
    """Everything the transparency page shows, already protected: publish only this."""

    cutoff: date
    threshold: int
    agencies_shown: bool
    # Latest year first.
    years: tuple[YearFigures, ...]

    def year(self, value: int) -> YearFigures | None:
        return next((found for found in self.years if found.year == value), None)


def cutoff_for(today: date) -> date:
    """The last day of receipt that counts: yesterday."""
    return today - timedelta(days=1)


def _first_year(session: Session, cutoff: date) -> int:
    """The year of the first report counted, or the cut-off's year when there is none."""
    first = session.scalar(select(func.min(Case.received_on)).where(Case.received_on <= cutoff))
    # A date before MIN_YEAR can only be a typo in imported data; periods refuse it.
    return max(first.year, MIN_YEAR) if first else cutoff.year


def _up_to(period: Period, cutoff: date) -> Period:
    return replace(period, end=min(period.end, cutoff))


def _counts(session: Session, period: Period) -> list[int]:
    """Received, handled, substantiated (raw: protected by the caller, as one table)."""
    found = overview(session, period)
    handled = found.substantiated + found.not_substantiated + found.forwarded + found.rejected
    return [found.received, handled, found.substantiated]


def _median_to_closure(session: Session, period: Period, threshold: int) -> float | None:
    return protected(handling_times(session, period), threshold).closure.median_days


def _totals(
    session: Session, whole: Period, cutoff: date, cells: Sequence[Cell], threshold: int
) -> Totals:
    counted = _up_to(whole, cutoff)
    received, handled, substantiated = cells
    return Totals(
        period=counted,
        so_far=counted.end < whole.end,
        received=received,
        handled=handled,
        substantiated=substantiated,
        median_days_to_closure=_median_to_closure(session, counted, threshold),
    )


def _year_figures(
    session: Session, value: int, cutoff: date, threshold: int, agencies_shown: bool
) -> YearFigures:
    whole = year(value)
    quarters = [quarter(value, number) for number in range(1, 5)]
    quarters = [period for period in quarters if period.start <= cutoff]
    table = protect_table(
        [_counts(session, _up_to(period, cutoff)) for period in quarters],
        threshold,
        # Received, handled and substantiated are not parts of one whole: only the
        # columns add up (to the year's figures).
        row_totals=False,
    )
    assert table.column_totals is not None
    counted = _up_to(whole, cutoff)
    return YearFigures(
        year=value,
        totals=_totals(session, whole, cutoff, table.column_totals, threshold),
        quarters=tuple(
            _totals(session, period, cutoff, cells, threshold)
            for period, cells in zip(quarters, table.cells, strict=True)
        ),
        categories=protected(by_category(session, counted), threshold),
        agencies=protected(by_agency(session, counted), threshold) if agencies_shown else None,
    )


def published_figures(
    session: Session, today: date, threshold: int, agencies_shown: bool
) -> Published:
    """Every figure of the page for the reports received up to yesterday, protected."""
    cutoff = cutoff_for(today)
    years = range(cutoff.year, _first_year(session, cutoff) - 1, -1)
    return Published(
        cutoff=cutoff,
        threshold=threshold,
        agencies_shown=agencies_shown,
        years=tuple(
            _year_figures(session, value, cutoff, threshold, agencies_shown) for value in years
        ),
    )


class DailyFigures:
    """The published figures, computed once a day per process.

    Keyed by (day, agencies shown, threshold): a changed setting shows at once. No state
    another worker needs: each computes the same figures from the database. Holds only
    the current day's entries.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[date, bool, int], Published] = {}

    def get(self, session: Session, today: date, threshold: int, agencies_shown: bool) -> Published:
        key = (today, agencies_shown, threshold)
        found = self._entries.get(key)
        if found is None:
            found = published_figures(session, today, threshold, agencies_shown)
            # A new day: the previous days' entries will never be asked for again.
            self._entries = {k: v for k, v in self._entries.items() if k[0] == today}
            self._entries[key] = found
        return found
