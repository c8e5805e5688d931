"""What the leadership statistics return (issue 4): frozen dataclasses generic in their
count type. The queries (wbs/stats_queries.py) fill them with raw ``int`` counts;
wbs/stats_protection.py turns them into the same shape with ``Cell`` counts, which is
all the dashboard, the exports and the API ever publish. No Flask import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, Literal, TypeVar

from wbs.small_cells import Cell
from wbs.stats_periods import Period

N = TypeVar("N", int, Cell)
Milestone = Literal["acknowledgement", "first_feedback", "closure"]


def _is_zero(count: int | Cell) -> bool:
    return count == 0 if isinstance(count, int) else count.value == 0


@dataclass(frozen=True)
class Overview(Generic[N]):
    """The cohort of cases received in the period, by current status and by outcome.

    ``by_status`` holds every workflow status (zeros included) in workflow order and adds
    up to ``received``; the by-destination and by-reason maps add up to ``forwarded``
    and ``rejected`` (every known code first, zeros included; "unknown" if NULL).
    """

    period: Period
    received: N
    by_status: Mapping[str, N]
    substantiated: N
    not_substantiated: N
    forwarded: N
    forwarded_by_destination: Mapping[str, N]
    rejected: N
    rejected_by_reason: Mapping[str, N]


@dataclass(frozen=True)
class BreakdownRow(Generic[N]):
    """Counts of one group: ``key`` is the agency or category code, or "YYYY-MM".

    ``label`` is the Indonesian name (agency names are proper names in any language),
    ``label_en`` the English one where it exists; months are formatted by the page.
    """

    key: str
    label: str
    label_en: str
    received: N
    substantiated: N
    closed: N


@dataclass(frozen=True)
class Breakdown(Generic[N]):
    dimension: Literal["agency", "category", "month"]
    period: Period
    rows: tuple[BreakdownRow[N], ...]
    # Column totals (key "total"): equal to the overview's received and substantiated.
    total: BreakdownRow[N]


@dataclass(frozen=True)
class HandlingFigure(Generic[N]):
    """Days from receipt to one milestone, over the cohort cases that reached it.

    Calendar days, waiting time for the reporter included: what the reporter lived
    through. ``median_days`` and ``p90_days`` interpolate linearly between the closest
    ranks (PostgreSQL's percentile_cont); None when no case (or, once protected, too few
    cases to publish) reached the milestone.
    """

    milestone: Milestone
    cases: N
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class HandlingTimes(Generic[N]):
    period: Period
    acknowledgement: HandlingFigure[N]
    first_feedback: HandlingFigure[N]
    closure: HandlingFigure[N]


@dataclass(frozen=True)
class BacklogStage(Generic[N]):
    status: str
    open: N
    overdue: N


@dataclass(frozen=True)
class Backlog(Generic[N]):
    """Cases not closed on ``today``, whenever received, per stage; overdue: due_on < today.

    ``overdue_share`` is overdue ÷ open (None when nothing is open, or once protected
    when either count is suppressed, since the share would give the count back).
    """

    today: date
    stages: tuple[BacklogStage[N], ...]
    open: N
    overdue: N
    overdue_share: float | None


@dataclass(frozen=True)
class AgencyScore(Generic[N]):
    """Substantiated findings of one agency, weighted by severity (DOMAIN.md, "Integrity link").

    ``weighted_findings`` = ringan × 1 + sedang × 3 + berat × 5; ``follow_up_rate`` =
    follow_up_done ÷ substantiated (None without substantiated cases).
    """

    code: str
    name: str
    substantiated: N
    ringan: N
    sedang: N
    berat: N
    weighted_findings: N
    follow_up_done: N
    follow_up_rate: float | None

    @property
    def name_key(self) -> tuple[str, str]:
        """Order of the by-agency table (name, then code)."""
        return (self.name, self.code)


@dataclass(frozen=True)
class AgencyRanking(Generic[N]):
    """Agencies by weighted findings (highest first), then by name; weights shown beside."""

    period: Period
    weights: Mapping[str, int]
    scores: tuple[AgencyScore[N], ...]

    def by_follow_up(self) -> list[AgencyScore[N]]:
        """Agencies with substantiated findings (hidden counts included), highest
        follow-up rate first; a rate that cannot be published (None) comes last."""
        with_findings = [score for score in self.scores if not _is_zero(score.substantiated)]
        return sorted(
            with_findings,
            key=lambda score: (
                score.follow_up_rate is None,
                -(score.follow_up_rate or 0.0),
                *score.name_key,
            ),
        )


@dataclass(frozen=True)
class OverduePoint(Generic[N]):
    """Open and overdue cases at the end of ``day``, the last snapshot of month ``key``
    ("YYYY-MM"); ``day`` is None when no snapshot was taken that month (counts then 0)."""

    key: str
    day: date | None
    open: N
    overdue: N
    overdue_share: float | None


@dataclass(frozen=True)
class OverdueHistory(Generic[N]):
    """Cases past their deadline over time: one point per month of the period."""

    period: Period
    points: tuple[OverduePoint[N], ...]
