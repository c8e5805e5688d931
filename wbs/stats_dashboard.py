"""Every figure of the leadership dashboard for one request, small-cell protected (issue 4).

The dashboard page, its CSV and XLSX exports, the printable reports and
``GET /api/v1/stats`` all call ``collect`` with the arguments ``read_request`` parsed
from the same query string, so the four show the same numbers. No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wbs.models import Agency, Case, Category
from wbs.small_cells import Cell
from wbs.stats_history import overdue_history
from wbs.stats_periods import (
    Period,
    PeriodError,
    PeriodReason,
    every_year,
    parse_period,
    year,
)
from wbs.stats_protection import protected
from wbs.stats_queries import (
    EVERYTHING,
    Scope,
    agency_ranking,
    backlog,
    by_agency,
    by_category,
    by_month,
    handling_times,
    overview,
)
from wbs.stats_results import (
    AgencyRanking,
    Backlog,
    Breakdown,
    HandlingTimes,
    OverdueHistory,
    Overview,
)

# Reasons of StatsRequestError besides PeriodError's, for the web layer to translate.
FilterReason = Literal["unknown_agency", "unknown_category"]


class StatsRequestError(ValueError):
    """The query string cannot be used; ``reason`` is a PeriodReason or a FilterReason
    (wbs/stats_messages.py says each in the user's language)."""

    def __init__(self, reason: PeriodReason | FilterReason) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Filter:
    """One filter as the user chose it: the code in the query string and its names."""

    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class StatsRequest:
    period: Period
    scope: Scope
    agency: Filter | None = None
    category: Filter | None = None

    def query_args(self) -> dict[str, str]:
        """The query string that ``read_request`` reads back into this request."""
        args = self.period.query_args()
        if self.agency:
            args["agency"] = self.agency.code
        if self.category:
            args["category"] = self.category.code
        return args


def first_received(session: Session) -> date | None:
    """The day the first case still counted was received (the ``received_on`` index)."""
    return session.scalar(select(func.min(Case.received_on)))


def read_request(session: Session, args: Mapping[str, str], today: date) -> StatsRequest:
    """Period (default: this year) and the optional ``agency`` and ``category`` codes.

    Raises ``StatsRequestError`` with a reason code.
    """
    everything = None
    if (args.get("period") or "").strip().lower() == "all":
        everything = every_year(first_received(session), today)
    try:
        period = parse_period(args, default=year(today.year), everything=everything)
    except PeriodError as error:
        raise StatsRequestError(error.reason) from None
    agency = category = None
    scope = EVERYTHING
    if code := (args.get("agency") or "").strip():
        found = session.execute(
            select(Agency.id, Agency.name).where(Agency.code == code)
        ).one_or_none()
        if found is None:
            raise StatsRequestError("unknown_agency")
        agency = Filter(code, found.name, found.name)
        scope = Scope(agency_id=found.id)
    if code := (args.get("category") or "").strip():
        found_category = session.execute(
            select(Category.id, Category.name_id, Category.name_en).where(Category.code == code)
        ).one_or_none()
        if found_category is None:
            raise StatsRequestError("unknown_category")
        category = Filter(code, found_category.name_id, found_category.name_en)
        scope = Scope(agency_id=scope.agency_id, category_id=found_category.id)
    return StatsRequest(period, scope, agency, category)


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows, already protected: publish only this."""

    request: StatsRequest
    today: date
    threshold: int
    overview: Overview[Cell]
    agencies: Breakdown[Cell]
    categories: Breakdown[Cell]
    months: Breakdown[Cell]
    times: HandlingTimes[Cell]
    backlog: Backlog[Cell]
    overdue: OverdueHistory[Cell]
    ranking: AgencyRanking[Cell]

    @property
    def period(self) -> Period:
        return self.request.period


def collect(session: Session, request: StatsRequest, today: date, threshold: int) -> Figures:
    """Run every dashboard query (aggregates only) and protect each result."""
    period, scope = request.period, request.scope
    return Figures(
        request=request,
        today=today,
        threshold=threshold,
        overview=protected(overview(session, period, scope), threshold),
        agencies=protected(by_agency(session, period, scope), threshold),
        categories=protected(by_category(session, period, scope), threshold),
        months=protected(by_month(session, period, scope), threshold),
        times=protected(handling_times(session, period, scope), threshold),
        backlog=protected(backlog(session, today, scope), threshold),
        overdue=protected(overdue_history(session, period, scope), threshold),
        ranking=protected(agency_ranking(session, period, scope), threshold),
    )
