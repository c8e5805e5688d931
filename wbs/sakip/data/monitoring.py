"""Realisation monitoring figures (DOMAIN.md, "Realisation monitoring"): an agency's twelve
months of budget absorption (penyerapan anggaran) and physical progress (progres fisik)
against plan, every agency's standing for a month and for the year to date, the
procurement packages by stage, and the packages behind schedule. SQLAlchemy here, the
rules in wbs/sakip/monitoring.py; no Flask.

What is stored (wbs/models/sakip.py, MonthlyRealisation): the budget planned and spent
*in* each month, in rupiah; the physical progress planned and reached *by the end of* each
month, a cumulative percentage. A value not entered is missing, never zero.

- Absorption to date = Σ budget spent January..month ÷ the annual total × 100; the plan
  the same with the planned amounts. The annual total is the agency's budget ceiling
  (pagu, AgencyYear.budget_ceiling); without one, the sum of the twelve monthly plans
  (DOMAIN.md: "the annual target is the sum of monthly targets", TEPRA practice [P]).
- Physical progress to date is the cumulative percentage as entered.
- The month alone: the month's own amounts as a percentage of the annual total (budget),
  and the month's increase of the cumulative percentage (physical). The same deviation
  thresholds colour it (DOMAIN.md, our default [D]); the points are points of the annual
  total in both cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wbs.models import Agency, AgencyYear, MonthlyRealisation, ProcurementPackage
from wbs.sakip.achievement import HUNDRED
from wbs.sakip.data.ranking import AgencyAchievement, agency_achievements
from wbs.sakip.data.trees import NodeLine, agency_tree
from wbs.sakip.monitoring import (
    DEFAULT_COLOURS,
    PROCUREMENT_STAGES,
    ColourRule,
    Progress,
    Status,
    assess,
    cumulative_percentages,
)

MONTHS = tuple(range(1, 13))
STATUSES: tuple[Status, ...] = ("green", "yellow", "red", "missing")
Measure = Literal["budget", "physical"]
Scope = Literal["month", "year_to_date"]
# Where the annual total of the budget comes from (see the module docstring).
TotalBasis = Literal["pagu", "plans"]
# Why there is no annual total, hence no absorption percentage.
NoTotal = Literal["incomplete_plan", "zero_total"]


# --- one agency's year -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthEntry:
    """What was entered for one month; None is "not entered" (missing, never 0)."""

    month: int
    budget_plan: Decimal | None = None
    budget_actual: Decimal | None = None
    physical_plan: Decimal | None = None
    physical_actual: Decimal | None = None


@dataclass(frozen=True)
class BudgetTotal:
    """The annual total absorption is measured against, or why there is none."""

    amount: Decimal | None
    basis: TotalBasis | None
    missing: NoTotal | None = None


def budget_total(pagu: Decimal | None, entries: Mapping[int, MonthEntry]) -> BudgetTotal:
    """The pagu when entered, else the sum of the twelve monthly plans (TEPRA practice
    [P]); a plan with a month not entered has no sum (an unknown month is not zero)."""
    if pagu is not None:
        return BudgetTotal(None, None, "zero_total") if pagu == 0 else BudgetTotal(pagu, "pagu")
    plans = [entries[m].budget_plan if m in entries else None for m in MONTHS]
    if any(plan is None for plan in plans):
        return BudgetTotal(None, None, "incomplete_plan")
    amount = sum((plan for plan in plans if plan is not None), Decimal(0))
    return BudgetTotal(None, None, "zero_total") if amount == 0 else BudgetTotal(amount, "plans")


@dataclass(frozen=True)
class Standing:
    """Budget absorption and physical progress, each against its plan (in %)."""

    budget: Progress
    physical: Progress

    def of(self, measure: Measure) -> Progress:
        return self.budget if measure == "budget" else self.physical


@dataclass(frozen=True)
class MonthLine:
    """One month: what was entered, the standing to the month's end (cumulative) and the
    month alone."""

    entry: MonthEntry
    to_date: Standing
    alone: Standing


@dataclass(frozen=True)
class YearFigures:
    pagu: Decimal | None
    total: BudgetTotal
    months: tuple[MonthLine, ...]  # January first

    def month(self, number: int) -> MonthLine:
        return self.months[number - 1]


def _percent_of(amount: Decimal | None, total: Decimal | None) -> Decimal | None:
    if amount is None or total is None:
        return None
    return amount * HUNDRED / total


def _increase(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """The month's own physical progress: its cumulative % less the month before's."""
    if current is None or previous is None:
        return None
    return current - previous


def year_figures(
    entries: Mapping[int, MonthEntry],
    pagu: Decimal | None,
    rule: ColourRule = DEFAULT_COLOURS,
) -> YearFigures:
    """Every month of one agency's year from what was entered (pure, no query)."""
    months = [entries.get(m, MonthEntry(m)) for m in MONTHS]
    total = budget_total(pagu, entries)
    if total.amount is None:
        plan_to_date: Sequence[Decimal | None] = [None] * 12
        actual_to_date: Sequence[Decimal | None] = [None] * 12
    else:
        # Both cumulated against the same annual total; a month not entered stops the
        # cumulation there (wbs/sakip/monitoring.py, cumulative_percentages).
        plan_to_date = cumulative_percentages([e.budget_plan for e in months], total.amount)
        actual_to_date = cumulative_percentages([e.budget_actual for e in months], total.amount)
    lines = []
    for index, entry in enumerate(months):
        # Before January, nothing was planned or built yet.
        previous_plan = months[index - 1].physical_plan if index else Decimal(0)
        previous_actual = months[index - 1].physical_actual if index else Decimal(0)
        to_date = Standing(
            assess(plan_to_date[index], actual_to_date[index], rule),
            assess(entry.physical_plan, entry.physical_actual, rule),
        )
        alone = Standing(
            assess(
                _percent_of(entry.budget_plan, total.amount),
                _percent_of(entry.budget_actual, total.amount),
                rule,
            ),
            assess(
                _increase(entry.physical_plan, previous_plan),
                _increase(entry.physical_actual, previous_actual),
                rule,
            ),
        )
        lines.append(MonthLine(entry, to_date, alone))
    return YearFigures(pagu, total, tuple(lines))


def _entry(row: MonthlyRealisation) -> MonthEntry:
    return MonthEntry(
        row.month, row.budget_plan, row.budget_actual, row.physical_plan, row.physical_actual
    )


def month_entries(session: Session, agency_id: int, year: int) -> dict[int, MonthEntry]:
    rows = session.scalars(
        select(MonthlyRealisation).where(
            MonthlyRealisation.agency_id == agency_id, MonthlyRealisation.year == year
        )
    )
    return {row.month: _entry(row) for row in rows if row.month in MONTHS}


def budget_ceiling(session: Session, agency_id: int, year: int) -> Decimal | None:
    found = session.get(AgencyYear, (agency_id, year))
    return None if found is None else found.budget_ceiling


def agency_year_figures(
    session: Session, agency_id: int, year: int, rule: ColourRule = DEFAULT_COLOURS
) -> YearFigures:
    return year_figures(
        month_entries(session, agency_id, year), budget_ceiling(session, agency_id, year), rule
    )


# --- every agency: ranking and colour counts -------------------------------------------------


@dataclass(frozen=True)
class AgencyStanding:
    agency_id: int
    code: str
    name: str
    year_to_date: Standing
    month: Standing

    def of(self, scope: Scope) -> Standing:
        return self.year_to_date if scope == "year_to_date" else self.month


def last_reported_month(session: Session, year: int) -> int | None:
    """The last month of ``year`` for which any active agency entered a realisation."""
    return session.scalar(
        select(func.max(MonthlyRealisation.month))
        .join(Agency, Agency.id == MonthlyRealisation.agency_id)
        .where(
            Agency.active.is_(True),
            MonthlyRealisation.year == year,
            (MonthlyRealisation.budget_actual.is_not(None))
            | (MonthlyRealisation.physical_actual.is_not(None)),
        )
    )


def agency_standings(
    session: Session, year: int, month: int, rule: ColourRule = DEFAULT_COLOURS
) -> list[AgencyStanding]:
    """Every active agency's standing at ``month`` of ``year``, in two queries whatever
    the number of agencies: the agencies with their pagu, then every monthly row of the
    year (12 per agency at most). The figures come from ``year_figures``, so the ranking
    and the agency's own page always agree."""
    agencies = session.execute(
        select(Agency.id, Agency.code, Agency.name, AgencyYear.budget_ceiling)
        .outerjoin(AgencyYear, (AgencyYear.agency_id == Agency.id) & (AgencyYear.year == year))
        .where(Agency.active.is_(True))
        .order_by(Agency.name)
    ).all()
    entries: dict[int, dict[int, MonthEntry]] = defaultdict(dict)
    for row in session.execute(
        select(
            MonthlyRealisation.agency_id,
            MonthlyRealisation.month,
            MonthlyRealisation.budget_plan,
            MonthlyRealisation.budget_actual,
            MonthlyRealisation.physical_plan,
            MonthlyRealisation.physical_actual,
        ).where(MonthlyRealisation.year == year)
    ):
        if row.month in MONTHS:
            entries[row.agency_id][row.month] = MonthEntry(*row[1:])
    standings = []
    for agency_id, code, name, pagu in agencies:
        line = year_figures(entries.get(agency_id, {}), pagu, rule).month(month)
        standings.append(AgencyStanding(agency_id, code, name, line.to_date, line.alone))
    return standings


RankGroup = Literal["ranked", "unplanned", "no_data"]


@dataclass(frozen=True)
class RankedAgency:
    """``rank`` counts from 1 (fastest); agencies with the same pace share a rank. Those
    that cannot be ranked come after, with no rank: "unplanned" when a realisation is
    known but nothing was planned yet (no ratio), "no_data" when a figure is missing."""

    rank: int | None
    group: RankGroup
    standing: AgencyStanding
    progress: Progress


def _group(progress: Progress) -> RankGroup:
    if progress.pace is not None:
        return "ranked"
    return "no_data" if progress.status == "missing" else "unplanned"


def ranked(
    standings: Iterable[AgencyStanding], scope: Scope, measure: Measure
) -> list[RankedAgency]:
    """Fastest first by pace = realisation ÷ plan (DOMAIN.md: "Fast/slow ranking by
    realisation ÷ plan" [P]); ties by deviation, then by name."""
    order: dict[RankGroup, int] = {"ranked": 0, "unplanned": 1, "no_data": 2}
    rows = [(s, s.of(scope).of(measure)) for s in standings]

    def key(item: tuple[AgencyStanding, Progress]) -> tuple[int, Decimal, Decimal, str]:
        standing, progress = item
        return (
            order[_group(progress)],
            -(progress.pace or Decimal(0)),
            -(progress.deviation or Decimal(0)),
            standing.name,
        )

    result: list[RankedAgency] = []
    previous: tuple[Decimal, int] | None = None
    for position, (standing, progress) in enumerate(sorted(rows, key=key), start=1):
        group = _group(progress)
        rank = None
        if progress.pace is not None:
            # Competition ranking: equal paces share the rank of the first of them.
            rank = previous[1] if previous and previous[0] == progress.pace else position
            previous = (progress.pace, rank)
        result.append(RankedAgency(rank, group, standing, progress))
    return result


def colour_counts(
    standings: Iterable[AgencyStanding], pick: Callable[[AgencyStanding], Progress]
) -> dict[Status, int]:
    counts: dict[Status, int] = dict.fromkeys(STATUSES, 0)
    for standing in standings:
        counts[pick(standing).status] += 1
    return counts


# --- procurement packages --------------------------------------------------------------------


@dataclass(frozen=True)
class StageTotal:
    """Packages at one stage: how many, the sum of the known values, and how many have no
    value entered (left out of the sum, never counted as 0)."""

    code: str
    label: str
    count: int
    value: Decimal
    without_value: int


def packages_of(session: Session, agency_id: int, year: int) -> list[ProcurementPackage]:
    """The agency's packages of the year, in the order of the stages, then by name."""
    position = {stage.code: index for index, stage in enumerate(PROCUREMENT_STAGES)}
    packages = session.scalars(
        select(ProcurementPackage).where(
            ProcurementPackage.agency_id == agency_id, ProcurementPackage.year == year
        )
    )
    return sorted(
        packages, key=lambda p: (position.get(p.stage, len(position)), p.name.lower(), p.id)
    )


def stage_totals(packages: Iterable[ProcurementPackage]) -> list[StageTotal]:
    """Every stage in procurement order (a stage with no package counts 0), then any
    stored code that is not a known stage, under its code."""
    groups: dict[str, list[ProcurementPackage]] = defaultdict(list)
    for package in packages:
        groups[package.stage].append(package)
    labels = {stage.code: stage.label for stage in PROCUREMENT_STAGES}
    codes = [*labels, *sorted(code for code in groups if code not in labels)]
    return [
        StageTotal(
            code,
            labels.get(code, code),
            len(groups[code]),
            sum((p.value for p in groups[code] if p.value is not None), Decimal(0)),
            sum(1 for p in groups[code] if p.value is None),
        )
        for code in codes
    ]


def is_behind(package: ProcurementPackage, on: date) -> bool:
    """Behind schedule on ``on``: its planned finish is before that day and it is not
    "selesai" (finished). Only the current stage is stored, so a past period is judged by
    today's stage."""
    return (
        package.planned_finish is not None
        and package.planned_finish < on
        and package.stage != "selesai"
    )


@dataclass(frozen=True)
class PackageLine:
    """What the evaluation page prints of a package (plain columns, no ORM object)."""

    id: int
    name: str
    value: Decimal | None
    stage: str
    planned_finish: date


@dataclass(frozen=True)
class LatePackage:
    package: PackageLine
    agency_name: str
    days_late: int


def packages_behind(session: Session, year: int, on: date) -> list[LatePackage]:
    """Every active agency's packages of ``year`` behind schedule on ``on``, the latest
    first; one query."""
    rows = session.execute(
        select(
            ProcurementPackage.id,
            ProcurementPackage.name,
            ProcurementPackage.value,
            ProcurementPackage.stage,
            ProcurementPackage.planned_finish,
            Agency.name,
        )
        .join(Agency, Agency.id == ProcurementPackage.agency_id)
        .where(
            Agency.active.is_(True),
            ProcurementPackage.year == year,
            ProcurementPackage.planned_finish < on,
            ProcurementPackage.stage != "selesai",
        )
        .order_by(ProcurementPackage.planned_finish, Agency.name, ProcurementPackage.name)
    ).all()
    late = []
    for package_id, name, value, stage, planned_finish, agency_name in rows:
        assert planned_finish is not None  # "planned_finish < on" leaves out NULL
        late.append(
            LatePackage(
                PackageLine(package_id, name, value, stage, planned_finish),
                agency_name,
                (on - planned_finish).days,
            )
        )
    return late


# --- performance achievement -----------------------------------------------------------------


@dataclass(frozen=True)
class Performance:
    """The roll-up at the top of the agency's performance tree for ``period`` ("Q1".."Q4"
    or "Y"), one line per root node (usually one)."""

    period: str
    roots: tuple[NodeLine, ...]


def quarter_of(month: int) -> str:
    return f"Q{(month - 1) // 3 + 1}"


def performance(
    session: Session, agency_id: int, year: int, month: int, cap: int = 0
) -> Performance | None:
    """The quarter of ``month`` when any root has a roll-up for it, else the whole year;
    None when the agency has no performance tree (wbs/sakip/data/trees.py)."""
    quarter = [
        line
        for line in agency_tree(session, agency_id, year, quarter_of(month), cap)
        if line.depth == 0
    ]
    if not quarter:
        return None
    if any(line.result is not None and line.result.value is not None for line in quarter):
        return Performance(quarter_of(month), tuple(quarter))
    whole_year = [
        line for line in agency_tree(session, agency_id, year, "Y", cap) if line.depth == 0
    ]
    return Performance("Y", tuple(whole_year))


# --- the evaluation for the Bupati's meeting ---------------------------------------------------


@dataclass(frozen=True)
class PeriodEvaluation:
    """What the monthly or quarterly evaluation page summarises for every agency: the
    budget and physical standings at the period's last month, the packages behind
    schedule on ``on``, and the performance achievement of ``quarter``
    (meeting_quarter), from the same walk as the agency ranking (ranking.py)."""

    standings: list[AgencyStanding]
    late: list[LatePackage]
    quarter: str
    achievements: list[AgencyAchievement]


def meeting_quarter(last_month: int) -> str:
    """The quarter whose achievement a meeting at the end of ``last_month`` reads: the
    last one ended by then (quarterly realisations are entered at a quarter's end, so
    October reads the third); in January and February the first, still running."""
    return quarter_of(last_month - last_month % 3 if last_month >= 3 else 1)


def period_evaluation(
    session: Session, year: int, last_month: int, on: date, cap: int = 0
) -> PeriodEvaluation:
    quarter = meeting_quarter(last_month)
    return PeriodEvaluation(
        agency_standings(session, year, last_month),
        packages_behind(session, year, on),
        quarter,
        agency_achievements(session, year, quarter, cap),
    )
